package importer_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/importer"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

type traceCase struct {
	name   string
	path   string
	format traces.Format
	opt    traces.Options
}

func fixtureCases() []traceCase {
	return []traceCase{
		{"csv", filepath.Join(fixtureDir, "jobs.csv"), traces.CSV, traces.Options{}},
		{"itp", filepath.Join(fixtureDir, "itp_cluster10.csv"), traces.ITP, traces.Options{}},
		{"itp 7 owners seed 3", filepath.Join(fixtureDir, "itp_cluster10.csv"), traces.ITP, traces.Options{Owners: 7, Seed: 3}},
		{"genpw", filepath.Join(fixtureDir, "philly_head.csv"), traces.GenPW, traces.Options{}},
		{"openb", filepath.Join(fixtureDir, "openb_sample.csv"), traces.OpenB, traces.Options{}},
		{"swf gzip", filepath.Join(fixtureDir, "nasa_ipsc_head.swf.gz"), traces.SWF, traces.Options{}},
	}
}

func sharedCases(t *testing.T) []traceCase {
	dir := sharedTraces(t)
	cs := []traceCase{
		{"philly-15k", filepath.Join(dir, "philly-15k", "philly_data_training.csv"), traces.GenPW, traces.Options{}},
		{"openb default", filepath.Join(dir, "alibaba-openb", "openb_pod_list_default.csv"), traces.OpenB, traces.Options{}},
		{"nasa swf", filepath.Join(dir, "nasa-ipsc-swf", "NASA-iPSC-1993-3.1-cln.swf.gz"), traces.SWF, traces.Options{}},
	}
	for i := 1; i <= 10; i++ {
		name := "cluster" + strconv.Itoa(100 + i)[1:] + ".csv"
		cs = append(cs, traceCase{"itp " + name, filepath.Join(dir, "microsoft-itp", name), traces.ITP, traces.Options{}})
	}
	return cs
}

// Every format: a trace imported into a store and replayed is the reader's workload, bit for bit,
// with one event per job.
func TestImportReplayEqualsReader(t *testing.T) {
	check := func(t *testing.T, tc traceCase) {
		want := readerWorkload(t, tc.path, tc.format, tc.opt)
		s, res := importFile(t, tc.path, importer.Options{Format: tc.format, Trace: tc.opt})
		if res.Jobs != len(want.Jobs) || s.Len() != len(want.Jobs) || res.Files != 1 || res.Owners != len(want.Owners) {
			t.Fatalf("result %+v, store %d; want %d jobs, %d owners", res, s.Len(), len(want.Jobs), len(want.Owners))
		}
		got, st := replayAll(t, s)
		sameWorkload(t, tc.name, got, want)
		if st.Exact != len(want.Jobs) || st.Events != len(want.Jobs) || st.Duplicates+st.Malformed+st.NoGPU != 0 {
			t.Errorf("stats %+v", st)
		}
	}
	for _, tc := range fixtureCases() {
		t.Run(tc.name, func(t *testing.T) { check(t, tc) })
	}
	t.Run("shared", func(t *testing.T) {
		for _, tc := range sharedCases(t) {
			t.Run(tc.name, func(t *testing.T) { check(t, tc) })
		}
	})
}

// The reader's Skipped (rows without a GPU) is reported by Import, not carried into the log.
func TestImportCountsSkipped(t *testing.T) {
	// jobs.csv: j4 asks for no GPU.
	_, res := importFile(t, filepath.Join(fixtureDir, "jobs.csv"), importer.Options{})
	if res.Skipped != 1 || res.Jobs != 4 || res.Owners != 2 || res.Groups != 2 {
		t.Errorf("result %+v, want 4 jobs, 1 skipped, owners alice and bob, groups vision and nlp", res)
	}
}

// Importing a file again, into the same store or another, gives the same ids; a gzip copy of the
// file is the same source.
func TestImportTwiceStoresNothingNew(t *testing.T) {
	for _, tc := range fixtureCases() {
		t.Run(tc.name, func(t *testing.T) {
			opt := importer.Options{Format: tc.format, Trace: tc.opt}
			s, first := importFile(t, tc.path, opt)
			want := ids(t, s)
			if len(want) != first.Jobs {
				t.Fatalf("%d ids for %d jobs", len(want), first.Jobs)
			}
			if uniq := slices.Compact(slices.Sorted(slices.Values(want))); len(uniq) != len(want) {
				t.Fatalf("%d distinct ids for %d jobs", len(uniq), len(want))
			}
			again, err := importer.Import(context.Background(), s, []string{tc.path}, opt)
			if err != nil || again.Jobs != first.Jobs || s.Len() != first.Jobs {
				t.Fatalf("second import: %+v, %v; store holds %d, want %d", again, err, s.Len(), first.Jobs)
			}
			other, _ := importFile(t, recompress(t, tc.path), opt)
			if got := ids(t, other); !slices.Equal(got, want) {
				t.Fatalf("ids of the gzip (or plain) copy differ: %v vs %v", head(got), head(want))
			}
		})
	}
}

// recompress writes the file's content to a temporary file, gzip-compressed when the original is
// not and plain when it is.
func recompress(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := out.ReadFrom(zr); err != nil {
			t.Fatal(err)
		}
	} else {
		zw := gzip.NewWriter(&out)
		zw.Write(data)
		zw.Close()
	}
	p := filepath.Join(t.TempDir(), "copy-"+filepath.Base(path))
	if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A file with bad rows lists each (file, row, column) and imports nothing, from any file of the
// call; with SkipBad the good rows are imported and the bad ones counted and listed.
func TestImportBadRows(t *testing.T) {
	bad := writeFile(t, "bad.csv", `id,owner,submit_s,gpus,duration_s
a,kim,0,1,60
b,kim,soon,1,60
c,lee,5,1.5,60
d,lee,9,0,60
e,lee,10,2,30
`)
	good := filepath.Join(fixtureDir, "jobs.csv")
	var s events.MemStore
	_, err := importer.Import(context.Background(), &s, []string{good, bad}, importer.Options{})
	if !errors.Is(err, traces.ErrBadRow) {
		t.Fatalf("err = %v, want a bad row", err)
	}
	type where struct {
		row    int
		column string
	}
	var got []where
	for _, e := range flattenErr(err) {
		var re *traces.RowError
		if !errors.As(e, &re) || re.File != bad {
			t.Fatalf("error %v is not a row error of %s", e, bad)
		}
		got = append(got, where{re.Row, re.Column})
	}
	// Line 3 has "soon" as submit_s, line 4 a fractional GPU count.
	if want := []where{{3, "submit_s"}, {4, "gpus"}}; !slices.Equal(got, want) {
		t.Errorf("bad rows %v, want %v", got, want)
	}
	if s.Len() != 0 {
		t.Fatalf("store holds %d events after a failed import", s.Len())
	}

	res, err := importer.Import(context.Background(), &s, []string{bad}, importer.Options{Trace: traces.Options{SkipBad: true}})
	if err != nil {
		t.Fatal(err)
	}
	// a and e imported; b, c bad and d without a GPU skipped.
	if res.Jobs != 2 || res.Skipped != 3 || len(res.Problems) != 2 || s.Len() != 2 {
		t.Fatalf("result %+v, store %d", res, s.Len())
	}
	var re *traces.RowError
	if !errors.As(res.Problems[1], &re) || re.Row != 4 || re.Column != "gpus" {
		t.Errorf("second problem %v, want row 4 column gpus", res.Problems[1])
	}
	w, _ := replayAll(t, &s)
	if len(w.Jobs) != 2 || w.Jobs[0].ID != "a" || w.Jobs[1].ID != "e" || !slices.Equal(w.Owners, []string{"kim", "lee"}) {
		t.Errorf("workload %+v", w)
	}
}

func flattenErr(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flattenErr(e)...)
		}
		return out
	}
	return []error{err}
}

// A time no event can hold (1e12 s is about 31,700 years) never reaches the importer: the reader
// refuses it at its row (gpuplan.MaxSeconds), and nothing is imported unless SkipBad.
func TestImportJobOutOfRange(t *testing.T) {
	p := writeFile(t, "far.csv", "id,owner,submit_s,gpus,duration_s\nnear,kim,0,1,60\nfar,kim,1e12,1,60\nlong,kim,0,1,1e10\n")
	var s events.MemStore
	_, err := importer.Import(context.Background(), &s, []string{p}, importer.Options{})
	var re *traces.RowError
	if !errors.As(err, &re) || re.File != p || re.Row != 3 || re.Column != "submit_s" {
		t.Fatalf("err = %v, want a RowError for row 3 (far)", err)
	}
	if n := len(flattenErr(err)); n != 2 || s.Len() != 0 {
		t.Fatalf("%d errors (want far and long), store %d (want 0)", n, s.Len())
	}
	res, err := importer.Import(context.Background(), &s, []string{p}, importer.Options{Trace: traces.Options{SkipBad: true}})
	if err != nil || res.Jobs != 1 || res.Skipped != 2 || len(res.Problems) != 2 {
		t.Fatalf("skip-bad: %+v, %v", res, err)
	}
}

// Random float64 values, with every mantissa bit in use, survive the trip file → events → JSON
// → workload unchanged, as do values near the log's limit of times.
func TestImportExactFloats(t *testing.T) {
	rng := rand.New(rand.NewPCG(20240611, 7))
	w := &gpuplan.Workload{Owners: []string{"zed", "amy", "bo"}, Groups: []string{"g2", "g1"}}
	// 79 years after the import's 2020 epoch: near the log's last time (events.MaxTime, 2100),
	// which is stricter than the reader's 100 years.
	special := []float64{0, 0.1 + 0.2, 1e-7, 5e-324, 1.5e-9, 0.5e-9, 2.5e-9, 86400*365*79 + 0.123456789, math.Nextafter(1, 2)}
	for i := range 400 {
		j := gpuplan.Job{ID: "job-" + strconv.Itoa(i), Owner: int32(rng.IntN(3)), Group: int32(rng.IntN(3)) - 1,
			GPUs: int32(1 + rng.IntN(8)), Submit: rng.Float64() * 1e7, Duration: rng.ExpFloat64() * 3600,
			PowerW: rng.Float64() * 700, Util: rng.Float64()}
		if i < len(special) {
			j.Submit, j.Duration = special[i], special[len(special)-1-i]
		}
		if i%5 == 0 {
			j.GPUType = "H100"
		}
		w.Jobs = append(w.Jobs, j)
	}
	var buf bytes.Buffer
	if err := traces.WriteCSV(&buf, w); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, "random.csv", buf.String())
	want := readerWorkload(t, p, traces.CSV, traces.Options{})
	s, _ := importFile(t, p, importer.Options{})
	got, _ := replayAll(t, s)
	sameWorkload(t, "random", got, want)

	// Through a JSON Lines file too.
	var file bytes.Buffer
	if _, err := importer.Export(context.Background(), s, time.Time{}, time.Time{}, nil, &file); err != nil {
		t.Fatal(err)
	}
	var s2 events.MemStore
	if _, err := importer.ImportJSONL(context.Background(), &s2, &file, "random.jsonl", importer.JSONLOptions{}); err != nil {
		t.Fatal(err)
	}
	got2, _ := replayAll(t, &s2)
	sameWorkload(t, "random via jsonl", got2, want)
}

// encoding/json writes float64 in the shortest form that parses back to the same bits; the exact
// replay relies on it, so check it over random bit patterns.
func TestJSONFloatRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100000; i++ {
		x := math.Float64frombits(rng.Uint64())
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		in := events.JobTrace{SubmitS: x, DurationS: -x}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var out events.JobTrace
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		if math.Float64bits(out.SubmitS) != math.Float64bits(x) || math.Float64bits(out.DurationS) != math.Float64bits(-x) {
			t.Fatalf("%v (%#x) came back as %v from %s", x, math.Float64bits(x), out.SubmitS, b)
		}
	}
}

// The files of one call form one workload: their jobs in order, owners and groups numbered
// across them. By default each file's names get its stem as a prefix, so that user kim of one
// cluster is not kim of the other; MergeOwners keeps the names, equal names meaning one owner.
func TestImportSeveralFiles(t *testing.T) {
	a := writeFile(t, "a.csv", "id,owner,submit_s,gpus,duration_s,group\na1,kim,5,1,60,g1\na2,lee,1,2,60,\n")
	b := writeFile(t, "b.csv.gz", gz(t, "id,owner,submit_s,gpus,duration_s,group\nb1,park,0,1,10,g2\nb2,kim,3,4,20,g1\nb3,kim,4,1,5,\n"))
	jobs := []gpuplan.Job{
		{ID: "a1", Owner: 0, Group: 0, Submit: 5, GPUs: 1, Duration: 60},
		{ID: "a2", Owner: 1, Group: -1, Submit: 1, GPUs: 2, Duration: 60},
		{ID: "b1", Owner: 2, Group: 1, Submit: 0, GPUs: 1, Duration: 10},
		{ID: "b2", Owner: 0, Group: 0, Submit: 3, GPUs: 4, Duration: 20},
		{ID: "b3", Owner: 0, Group: -1, Submit: 4, GPUs: 1, Duration: 5},
	}
	prefixed := slices.Clone(jobs)
	prefixed[2].Owner, prefixed[2].Group = 2, 1 // b/park, b/g2
	prefixed[3].Owner, prefixed[3].Group = 3, 2 // b/kim, b/g1
	prefixed[4].Owner = 3
	tests := []struct {
		name   string
		merge  bool
		want   *gpuplan.Workload
		groups int
		files  []importer.FileResult
	}{
		{"prefixed", false,
			&gpuplan.Workload{Owners: []string{"a/kim", "a/lee", "b/park", "b/kim"}, Groups: []string{"a/g1", "b/g2", "b/g1"}, Jobs: prefixed},
			3, []importer.FileResult{{Path: a, Prefix: "a/", Jobs: 2, Owners: 2}, {Path: b, Prefix: "b/", Jobs: 3, Owners: 2}}},
		{"merged", true,
			&gpuplan.Workload{Owners: []string{"kim", "lee", "park"}, Groups: []string{"g1", "g2"}, Jobs: jobs},
			2, []importer.FileResult{{Path: a, Jobs: 2, Owners: 2}, {Path: b, Jobs: 3, Owners: 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s events.MemStore
			res, err := importer.Import(context.Background(), &s, []string{a, b}, importer.Options{MergeOwners: tc.merge})
			if err != nil {
				t.Fatal(err)
			}
			if res.Files != 2 || res.Jobs != 5 || res.Owners != len(tc.want.Owners) || res.Groups != tc.groups {
				t.Fatalf("result %+v", res)
			}
			if !slices.Equal(res.PerFile, tc.files) {
				t.Errorf("per file %+v, want %+v", res.PerFile, tc.files)
			}
			got, _ := replayAll(t, &s)
			sameWorkload(t, tc.name, got, tc.want)
		})
	}
}

// One file keeps its names (so that replay equals simulate on it); two files of one stem would
// merge under one prefix and are refused before anything is read.
func TestImportOwnerPrefixRules(t *testing.T) {
	one := filepath.Join(fixtureDir, "jobs.csv")
	var s events.MemStore
	res, err := importer.Import(context.Background(), &s, []string{one}, importer.Options{})
	if err != nil || len(res.PerFile) != 1 || res.PerFile[0].Prefix != "" {
		t.Fatalf("one file: %+v, %v", res, err)
	}
	other := filepath.Join(t.TempDir(), "jobs.csv")
	if err := os.WriteFile(other, []byte("id,owner,submit_s,gpus,duration_s\nx,kim,0,1,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var s2 events.MemStore
	_, err = importer.Import(context.Background(), &s2, []string{one, other}, importer.Options{})
	if !errors.Is(err, importer.ErrSameStem) || !strings.Contains(err.Error(), other) || s2.Len() != 0 {
		t.Fatalf("same stem: %v, store %d", err, s2.Len())
	}
	if _, err := importer.Import(context.Background(), &s2, []string{one, other}, importer.Options{MergeOwners: true}); err != nil {
		t.Fatalf("same stem, merged: %v", err)
	}
	for _, tc := range []struct{ path, want string }{
		{"/data/cluster04.csv", "cluster04/"}, {"cluster04.csv.gz", "cluster04/"}, {"x/NASA-iPSC-1993-3.1-cln.swf.gz", "NASA-iPSC-1993-3.1-cln/"},
		{"plain", "plain/"}, {".hidden", ".hidden/"},
	} {
		if got := importer.OwnerPrefix(tc.path); got != tc.want {
			t.Errorf("OwnerPrefix(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func gz(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Event times are the epoch plus submit seconds; a replay at another epoch shifts submits by the
// difference (to the nanosecond), at the import's epoch it is exact.
func TestImportEpoch(t *testing.T) {
	epoch := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	path := filepath.Join(fixtureDir, "jobs.csv")
	want := readerWorkload(t, path, traces.CSV, traces.Options{})
	s, _ := importFile(t, path, importer.Options{Epoch: epoch})
	evs := allEvents(t, s)
	for i, e := range evs {
		if wantT := epoch.Add(time.Duration(want.Jobs[i].Submit * 1e9)); !e.Time.Equal(wantT) || e.Source != "import" {
			t.Errorf("event %d at %v from %q, want %v from import", i, e.Time, e.Source, wantT)
		}
	}
	got, _, err := importer.WorkloadOptions{Epoch: epoch}.Workload(context.Background(), s, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	sameWorkload(t, "at the import epoch", got, want)

	shifted, _ := replayAll(t, s)
	shift := epoch.Sub(importer.DefaultEpoch).Seconds() // 425 days
	for i, j := range shifted.Jobs {
		if d := j.Submit - want.Jobs[i].Submit - shift; math.Abs(d) > 1e-9 {
			t.Errorf("job %d submit %v, want %v + %v", i, j.Submit, want.Jobs[i].Submit, shift)
		}
		if math.Float64bits(j.Duration) != math.Float64bits(want.Jobs[i].Duration) {
			t.Errorf("job %d duration %v, want %v", i, j.Duration, want.Jobs[i].Duration)
		}
	}
}

// Import can write a JSON Lines file instead of a store; the file imports into a store as the
// direct import would have.
func TestImportToJSONL(t *testing.T) {
	path := filepath.Join(fixtureDir, "itp_cluster10.csv")
	var file bytes.Buffer
	w := events.NewWriter(&file)
	res, err := importer.Import(context.Background(), importer.WriterAppender{W: w}, []string{path}, importer.Options{Format: traces.ITP, Batch: 7})
	if err != nil || w.Flush() != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(file.String(), "\n"); lines != res.Jobs || res.Jobs != 260 {
		t.Fatalf("%d lines for %d jobs, want 260", lines, res.Jobs)
	}
	direct, _ := importFile(t, path, importer.Options{Format: traces.ITP})
	var direct2 bytes.Buffer
	if _, err := importer.Export(context.Background(), direct, time.Time{}, time.Time{}, nil, &direct2); err != nil {
		t.Fatal(err)
	}
	if file.String() != direct2.String() {
		t.Error("the JSON Lines import differs from an export of the direct import")
	}
}

func TestImportOptionsChecked(t *testing.T) {
	path := filepath.Join(fixtureDir, "jobs.csv")
	for _, tc := range []struct {
		name string
		opt  importer.Options
	}{
		{"source with space", importer.Options{Source: "my import"}},
		{"epoch after 9999", importer.Options{Epoch: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"unknown format", importer.Options{Format: "pbs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s events.MemStore
			if _, err := importer.Import(context.Background(), &s, []string{path}, tc.opt); err == nil || s.Len() != 0 {
				t.Errorf("err = %v, store %d; want an error and nothing stored", err, s.Len())
			}
		})
	}
	if _, err := importer.Import(context.Background(), &events.MemStore{}, []string{"no/such/file.csv"}, importer.Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
