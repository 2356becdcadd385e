package importer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/importer"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

const goodJob = `{"v":1,"id":"ok","kind":"job.finished","source":"t","time":"2020-01-01T00:00:00Z","data":{"job_id":"j0","owner":"kim","gpus":2,"start":"2020-01-01T00:00:00Z","end":"2020-01-01T01:00:00Z","source":"import"}}`

// Each forged event of the list is refused by events import with a message naming the line and
// the field, and a file holding one stores nothing.
func TestImportJSONLRefusesForged(t *testing.T) {
	for _, tc := range []struct {
		name, line, msg string
	}{
		{"power 1e308", `{"v":1,"id":"f","kind":"job.finished","source":"x","time":"2020-01-02T00:00:00Z","data":{"job_id":"f","owner":"o","gpus":1,"start":"2020-01-02T00:00:00Z","end":"2020-01-02T01:00:00Z","mean_power_w":1e308,"source":"import"}}`,
			"log.jsonl:2: events: invalid event: job.finished: mean_power_w 1e+308 outside 0..10000"},
		{"dated 9999-12-31", `{"v":1,"id":"f","kind":"job.finished","source":"x","time":"9999-12-31T00:00:00Z","data":{"job_id":"f","owner":"o","gpus":1,"start":"9999-12-31T00:00:00Z","end":"9999-12-31T01:00:00Z","source":"import"}}`,
			"log.jsonl:2: events: invalid event: job.finished: time 9999-12-31T00:00:00Z outside 1990-01-01..2100-01-01"},
		{"job dated 9999 in an honest envelope", `{"v":1,"id":"f","kind":"job.finished","source":"x","time":"2020-01-02T00:00:00Z","data":{"job_id":"f","owner":"o","gpus":1,"start":"9999-12-31T00:00:00Z","end":"9999-12-31T01:00:00Z","source":"import"}}`,
			"log.jsonl:2: events: invalid event: job.finished: start 9999-12-31T00:00:00Z outside 1990-01-01..2100-01-01"},
		{"gpus 0", `{"v":1,"id":"f","kind":"job.finished","source":"x","time":"2020-01-02T00:00:00Z","data":{"job_id":"f","owner":"o","gpus":0,"start":"2020-01-02T00:00:00Z","end":"2020-01-02T01:00:00Z","source":"import"}}`,
			"log.jsonl:2: events: invalid event: job.finished: gpus 0 outside 1..100000"},
		{"gpus negative", `{"v":1,"id":"f","kind":"job.started","source":"x","time":"2020-01-02T00:00:00Z","data":{"job_id":"f","owner":"o","gpus":-4,"start":"2020-01-02T00:00:00Z","source":"import"}}`,
			"log.jsonl:2: events: invalid event: job.started: gpus -4 outside 1..100000"},
		{"util above 1", `{"v":1,"id":"f","kind":"job.finished","source":"x","time":"2020-01-02T00:00:00Z","data":{"job_id":"f","owner":"o","gpus":1,"start":"2020-01-02T00:00:00Z","end":"2020-01-02T01:00:00Z","mean_util":80,"source":"import"}}`,
			"log.jsonl:2: events: invalid event: job.finished: mean_util 80 outside 0..1"},
		{"retraction without job", `{"v":1,"id":"f","kind":"job.retracted","source":"x","time":"2020-01-02T00:00:00Z","data":{"reason":"x"}}`,
			"log.jsonl:2: events: invalid event: job.retracted: job_id is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := goodJob + "\n" + tc.line + "\n"
			p := filepath.Join(t.TempDir(), "log.jsonl")
			if err := os.WriteFile(p, []byte(file), 0o644); err != nil {
				t.Fatal(err)
			}
			fh, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			var s events.MemStore
			res, err := importer.ImportJSONL(context.Background(), &s, fh, "log.jsonl", importer.JSONLOptions{})
			if !errors.Is(err, importer.ErrMalformed) || !errors.Is(err, events.ErrInvalid) {
				t.Fatalf("err %v, want a malformed line", err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err %q\nwant it to contain %q", err, tc.msg)
			}
			if s.Len() != 0 || res.Malformed != 1 {
				t.Errorf("stored %d, malformed %d: want nothing stored from a refused file", s.Len(), res.Malformed)
			}
			// --skip-bad stores the good line only.
			res, err = importer.ImportJSONL(context.Background(), &s, strings.NewReader(file), "log.jsonl", importer.JSONLOptions{SkipBad: true})
			if err != nil || s.Len() != 1 || res.Malformed != 1 || len(res.Problems) != 1 || res.Problems[0].Line != 2 {
				t.Errorf("skip-bad: %+v, %v, stored %d", res, err, s.Len())
			}
		})
	}
}

// A trace whose job breaks the bounds is refused before anything is stored: by the reader at
// its row where the reader's bounds (the same numbers) catch it, otherwise by the importer's own
// check of the log's schema, naming the job (a start past 2100 is within the reader's 100 years
// of submit seconds).
func TestImportTraceRefusesOutOfBounds(t *testing.T) {
	for _, tc := range []struct {
		name     string
		job      gpuplan.Job
		msg      string
		jobError bool // refused by the importer rather than the reader
	}{
		{"power", gpuplan.Job{ID: "p", GPUs: 1, Duration: 60, PowerW: 1e308}, "column power_w", false},
		{"gpus", gpuplan.Job{ID: "g", GPUs: 200_000, Duration: 60}, "column gpus", false},
		{"duration", gpuplan.Job{ID: "d", GPUs: 1, Duration: 200 * 365.25 * 86400}, "column duration_s", false},
		{"start past 2100", gpuplan.Job{ID: "s", GPUs: 1, Submit: 85 * 365.25 * 86400, Duration: 60}, "job.finished: start 2105-01-01T06:00:00Z outside 1990-01-01..2100-01-01", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &gpuplan.Workload{Owners: []string{"o"}, Jobs: []gpuplan.Job{{ID: "ok", GPUs: 1, Duration: 1, Group: -1}, tc.job}}
			w.Jobs[1].Group = -1
			var buf strings.Builder
			if err := traces.WriteCSV(&buf, w); err != nil {
				t.Fatal(err)
			}
			p := writeFile(t, "w.csv", buf.String())
			var s events.MemStore
			_, err := importer.Import(context.Background(), &s, []string{p}, importer.Options{})
			var je *importer.JobError
			if err == nil || !strings.Contains(err.Error(), tc.msg) || tc.jobError && (!errors.As(err, &je) || je.Index != 1) {
				t.Fatalf("err %v, want job 1 refused with %q", err, tc.msg)
			}
			if s.Len() != 0 {
				t.Errorf("stored %d events from a refused file", s.Len())
			}
		})
	}
}

// A retraction removes its job from the rebuilt workload whatever its place in the stream and
// its time, and a second retraction of the same job changes nothing.
func TestWorkloadHonoursRetractions(t *testing.T) {
	job := func(id string, start float64) events.Event {
		return jobEvent(t, "e-"+id, events.JobFinished{JobID: id, Owner: "kim", GPUs: 1, Start: at(start), End: at(start + 60), Source: events.JobSourceScheduler})
	}
	retract := func(id string) events.Event {
		e, err := events.New(events.KindJobRetracted, events.RetractionID(id), "admin", time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC),
			events.JobRetracted{JobID: id, Reason: "forged"})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	base := sliceLog{job("a", 0), job("b", 100), job("c", 200)}
	for _, tc := range []struct {
		name   string
		log    sliceLog
		until  time.Time
		want   []string
		nRetr  int // jobs removed
		nEvent int // retraction events read
	}{
		{"none", base, time.Time{}, []string{"a", "b", "c"}, 0, 0},
		{"after the job", append(sliceLog{}, append(base, retract("b"))...), time.Time{}, []string{"a", "c"}, 1, 1},
		{"before the job", append(sliceLog{retract("c")}, base...), time.Time{}, []string{"a", "b"}, 1, 1},
		{"twice", append(sliceLog{retract("b")}, append(base, retract("b"))...), time.Time{}, []string{"a", "c"}, 1, 2},
		{"outside the time range", append(sliceLog{}, append(base, retract("a"))...), at(170), []string{"b"}, 1, 1},
		{"unknown job", append(sliceLog{}, append(base, retract("zz"))...), time.Time{}, []string{"a", "b", "c"}, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, st, err := importer.Workload(context.Background(), tc.log, time.Time{}, tc.until)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, j := range w.Jobs {
				got = append(got, j.ID)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") || st.Retracted != tc.nRetr || st.Retractions != tc.nEvent || st.Jobs != len(tc.want) {
				t.Errorf("jobs %v, stats %+v; want %v, %d retracted, %d retractions", got, st, tc.want, tc.nRetr, tc.nEvent)
			}
		})
	}
}

// An export of job events carries the log's retractions whatever their time and the kinds asked
// for, so that a workload rebuilt from it leaves the same jobs out.
func TestExportCarriesRetractions(t *testing.T) {
	var s events.MemStore
	ctx := context.Background()
	jobA := jobEvent(t, "e-a", events.JobFinished{JobID: "a", Owner: "kim", GPUs: 1, Start: at(0), End: at(60)})
	jobB := jobEvent(t, "e-b", events.JobFinished{JobID: "b", Owner: "kim", GPUs: 1, Start: at(100), End: at(160)})
	ret, err := events.New(events.KindJobRetracted, events.RetractionID("a"), "admin", time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), events.JobRetracted{JobID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, jobA, ret, jobB); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name         string
		since, until time.Time
		kinds        []events.Kind
		want         []string // event ids in the export
	}{
		{"everything", time.Time{}, time.Time{}, nil, []string{"e-a", ret.ID, "e-b"}},
		{"job.finished only", time.Time{}, time.Time{}, []events.Kind{events.KindJobFinished}, []string{"e-a", "e-b", ret.ID}},
		{"a range before the retraction", time.Time{}, at(120), nil, []string{"e-a", ret.ID}},
		{"ownership only", time.Time{}, time.Time{}, []events.Kind{events.KindOwnershipAssigned}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf strings.Builder
			n, err := importer.Export(ctx, &s, tc.since, tc.until, tc.kinds, &buf)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			r := events.NewReader(strings.NewReader(buf.String()), "x", events.ReaderOptions{})
			for {
				e, err := r.Next()
				if err != nil {
					break
				}
				got = append(got, e.ID)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") || n != len(tc.want) {
				t.Fatalf("exported %v (%d), want %v", got, n, tc.want)
			}
			var rebuilt events.MemStore
			if _, err := importer.ImportJSONL(ctx, &rebuilt, strings.NewReader(buf.String()), "x", importer.JSONLOptions{}); err != nil {
				t.Fatal(err)
			}
			w, _, err := importer.Workload(ctx, &rebuilt, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range w.Jobs {
				if j.ID == "a" {
					t.Errorf("retracted job a is back in the rebuilt workload")
				}
			}
		})
	}
}

// Many invalid events are all counted; the first 16 are named, in stream order.
func TestWorkloadCountsEveryInvalidEvent(t *testing.T) {
	for _, n := range []int{1, 16, 40} {
		var log sliceLog
		for i := range n {
			log = append(log, rawJobEvent(t, fmt.Sprintf("bad-%02d", i), `{"job_id":"b","gpus":0,"start":"2020-01-01T00:00:00Z","end":"2020-01-01T00:01:00Z"}`))
		}
		log = append(log, jobEvent(t, "good", events.JobFinished{JobID: "g", Owner: "kim", GPUs: 1, Start: at(0), End: at(60)}))
		w, st, err := importer.Workload(context.Background(), log, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Jobs) != 1 || st.InvalidCount != n || st.Malformed != n || len(st.Invalid) != min(n, 16) || st.Invalid[0].ID != "bad-00" {
			t.Errorf("%d bad: %d jobs, count %d, malformed %d, %d named (first %+v)", n, len(w.Jobs), st.InvalidCount, st.Malformed, len(st.Invalid), st.Invalid[0])
		}
	}
}
