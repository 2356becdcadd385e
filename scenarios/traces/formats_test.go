package traces

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan"
)

func TestParseFormat(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Format
		err  bool
	}{
		{"csv", CSV, false}, {"", CSV, false}, {" ITP ", ITP, false}, {"genpw", GenPW, false},
		{"openb", OpenB, false}, {"swf", SWF, false}, {"philly", "", true}, {"csv.gz", "", true},
	} {
		got, err := ParseFormat(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q, error %v", c.in, got, err, c.want, c.err)
		}
		if err != nil {
			if !errors.Is(err, ErrUnknownFormat) {
				t.Errorf("ParseFormat(%q): error %v is not ErrUnknownFormat", c.in, err)
			}
			for _, f := range Formats() {
				if !strings.Contains(err.Error(), string(f)) {
					t.Errorf("ParseFormat(%q): error %q does not list %q", c.in, err, f)
				}
			}
		}
	}
	if _, err := ReadFile("testdata/jobs.csv", "xml", Options{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("ReadFile with format xml: %v", err)
	}
}

// job is the part of a gpuplan.Job a fixture test checks, with the owner and group by name.
type job struct {
	id, owner, group string
	submit, duration float64
	gpus             int32
	gpuType          string
	powerW, util     float64
}

func jobOf(w *gpuplan.Workload, j gpuplan.Job) job {
	g := ""
	if j.Group >= 0 {
		g = w.Groups[j.Group]
	}
	return job{j.ID, w.Owners[j.Owner], g, j.Submit, j.Duration, j.GPUs, j.GPUType, j.PowerW, j.Util}
}

// The expected values below were read off the fixture files by hand (see testdata/README.md).
func TestFixtures(t *testing.T) {
	for _, c := range []struct {
		file    string
		format  Format
		jobs    int
		skipped int
		owners  []string // nil: synthetic, not checked here
		groups  []string
		check   map[int]job // job index → expected job (owner "" for synthetic owners)
		gpus    int         // total GPUs over jobs
	}{
		{
			file: "testdata/jobs.csv", format: CSV, jobs: 4, skipped: 1,
			owners: []string{"alice", "bob"}, groups: []string{"vision", "nlp"},
			check: map[int]job{
				0: {"j1", "alice", "vision", 0, 3600, 1, "A100", 250, 0.5},
				1: {"j2", "bob", "", 10.5, 7200.25, 4, "H100", 0, 0},
				2: {"j3,quoted", "alice", "nlp", 20, 1000, 8, "", 300, 0.75},
				3: {"j5", "bob", "", 30, 0, 2, "", 0, 1},
			},
			gpus: 15,
		},
		{
			file: "testdata/itp_cluster10.csv", format: ITP, jobs: 260, skipped: 0,
			check: map[int]job{0: {id: "5dc7d9cd-c300-9a4f-c3cd-dc2cc0935548", submit: 2266647, duration: 604, gpus: 16}},
			gpus:  193*1 + 51*2 + 14*4 + 2*16,
		},
		{
			file: "testdata/philly_head.csv", format: GenPW, jobs: 30, skipped: 0,
			check: map[int]job{
				0: {id: "0", owner: "1", submit: 0, duration: 1389243, gpus: 1},
				1: {id: "1", owner: "2", submit: 395146, duration: 14405, gpus: 8},
				2: {id: "2", owner: "3", submit: 395146 + 257893, duration: 66336, gpus: 1},
				3: {id: "3", owner: "3", submit: 395146 + 257893, duration: 1042044, gpus: 1},
				5: {id: "5", owner: "2", submit: 395146 + 257893 + 195071, duration: 100547, gpus: 8},
				6: {id: "7", owner: "1", submit: 395146 + 257893 + 195071 + 7949, duration: 816099, gpus: 1},
			},
		},
		{
			file: "testdata/openb_sample.csv", format: OpenB, jobs: 17, skipped: 3,
			check: map[int]job{
				0:  {id: "openb-pod-0000", submit: 0, duration: 12537496, gpus: 1},
				5:  {id: "openb-pod-0006", submit: 3019330, duration: 11815163 - 3019331, gpus: 1},
				9:  {id: "openb-pod-0061", submit: 10001278, duration: 10001403 - 10001278, gpus: 1},
				12: {id: "openb-pod-0017", submit: 9437497, duration: 10769854 - 9437497, gpus: 8},
			},
			gpus: 9 + 3 + 8 + 8 + 8 + 2 + 4,
		},
		{
			file: "testdata/nasa_ipsc_head.swf.gz", format: SWF, jobs: 31, skipped: 0,
			owners: []string{"u1", "u2", "u4", "u5", "u6", "u7", "u8", "u9"}, groups: []string{"g1", "g2"},
			check: map[int]job{
				0:  {"1", "u1", "g1", 0, 1451, 128, "", 0, 0},
				8:  {"61", "u5", "g2", 27968, 69, 2, "", 0, 0},
				30: {"104", "u7", "g1", 32974, 51, 4, "", 0, 0},
			},
		},
	} {
		t.Run(c.file, func(t *testing.T) {
			w, err := ReadFile(c.file, c.format, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkWorkload(t, w)
			if len(w.Jobs) != c.jobs || w.Skipped != c.skipped {
				t.Errorf("jobs %d skipped %d, want %d and %d", len(w.Jobs), w.Skipped, c.jobs, c.skipped)
			}
			if c.owners != nil && !slices.Equal(w.Owners, c.owners) {
				t.Errorf("owners %q, want %q", w.Owners, c.owners)
			}
			if c.groups != nil && !slices.Equal(w.Groups, c.groups) {
				t.Errorf("groups %q, want %q", w.Groups, c.groups)
			}
			for i, want := range c.check {
				got := jobOf(w, w.Jobs[i])
				if want.owner == "" {
					got.owner = ""
				}
				if got != want {
					t.Errorf("job %d = %+v, want %+v", i, got, want)
				}
			}
			if c.gpus > 0 {
				total := 0
				for _, j := range w.Jobs {
					total += int(j.GPUs)
				}
				if total != c.gpus {
					t.Errorf("total GPUs %d, want %d", total, c.gpus)
				}
			}
		})
	}
}
