package planner_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/internal/simtest"
	"github.com/gpuplan/gpuplan/planner"

	"github.com/gpuplan/gpuplan/sim"
)

// handJob is one job of a hand-built pair of results: submitted at 0 unless said, with its start
// and end under the baseline and under the other policy (NaN: infeasible there).
type handJob struct {
	owner        string
	submit       float64
	bStart, bEnd float64
	pStart, pEnd float64
}

// handResults builds a workload whose owners are owners (in that order) and two results of it.
func handResults(owners []string, jobs []handJob) (*gpuplan.Workload, *sim.Result, *sim.Result) {
	w := &gpuplan.Workload{Owners: slices.Clone(owners)}
	b := &sim.Result{Name: "fragmented"}
	p := &sim.Result{Name: "easy"}
	for i, j := range jobs {
		w.Jobs = append(w.Jobs, gpuplan.Job{ID: string(rune('A' + i)), Owner: w.OwnerIndex(j.owner), Group: -1,
			Submit: j.submit, GPUs: 1, Duration: j.bEnd - j.bStart})
		b.Start, b.End = append(b.Start, j.bStart), append(b.End, j.bEnd)
		p.Start, p.End = append(p.Start, j.pStart), append(p.End, j.pEnd)
	}
	return w, b, p
}

// Nine owners whose changes are worked out by hand (run 1000 s unless said; tolerance
// max(60 s, 5% of the baseline mean wait)).
var handJobs = []handJob{
	// a: waits 100 and 300 (mean 200, p95 100+0.95*200 = 290) become 100 and 100: -100 < -60, better.
	{"a", 0, 100, 1100, 100, 1100},
	{"a", 0, 300, 1300, 100, 1100},
	// b: 10,000 -> 10,400: +400 within 5% x 10,000 = 500, unchanged.
	{"b", 0, 10000, 11000, 10400, 11400},
	// c: 10,000 -> 10,500: exactly at the tolerance, unchanged.
	{"c", 0, 10000, 11000, 10500, 11500},
	// d: 10,000 -> 10,501: just past it, worse.
	{"d", 0, 10000, 11000, 10501, 11501},
	// e: 0 -> 60: exactly the 60 s floor, unchanged. A 5 s job: slowdowns max(1, 5/10) = 1 and
	// (60+5)/10 = 6.5.
	{"e", 50, 50, 55, 110, 115},
	// f: 0 -> 61, worse.
	{"f", 0, 0, 1000, 61, 1061},
	// g: waits 1,000 longer on its common job, but a job it could not run before now runs: better.
	{"g", 0, 0, 1000, 1000, 2000},
	{"g", 0, nan, nan, 0, 1000},
	// h: loses a job it could run (and its other job is unchanged): worse, first among the worst.
	{"h", 0, 0, 1000, 0, 1000},
	{"h", 0, 0, 1000, nan, nan},
	// i: holds GPUs but submitted nothing: unchanged.
}

func TestCompareHandBuilt(t *testing.T) {
	w, b, p := handResults([]string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}, handJobs)
	got, err := planner.Compare(w, b, p, planner.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Baseline != "fragmented" || got.Policy != "easy" {
		t.Errorf("names %q, %q", got.Baseline, got.Policy)
	}
	if got.Better != 2 || got.Worse != 3 || got.Unchanged != 4 {
		t.Errorf("better/worse/unchanged %d/%d/%d, want 2/3/4", got.Better, got.Worse, got.Unchanged)
	}
	if want := []string{"h", "d", "f"}; !slices.Equal(got.Worst, want) {
		t.Errorf("worst %v, want %v", got.Worst, want)
	}
	const tol = 1e-9
	tests := []struct {
		owner                       string
		verdict                     string
		jobs, common, gained, lost  int
		baseMean, mean, dMean, dP95 float64
		baseBsld, bsld              float64
		tolS                        float64
	}{
		{"a", planner.Better, 2, 2, 0, 0, 200, 100, -100, 100 - 290, (1.1 + 1.3) / 2, 1.1, 60},
		{"b", planner.Unchanged, 1, 1, 0, 0, 10000, 10400, 400, 400, 11, 11.4, 500},
		{"c", planner.Unchanged, 1, 1, 0, 0, 10000, 10500, 500, 500, 11, 11.5, 500},
		{"d", planner.Worse, 1, 1, 0, 0, 10000, 10501, 501, 501, 11, 11.501, 500},
		{"e", planner.Unchanged, 1, 1, 0, 0, 0, 60, 60, 60, 1, 6.5, 60},
		{"f", planner.Worse, 1, 1, 0, 0, 0, 61, 61, 61, 1, 1.061, 60},
		{"g", planner.Better, 2, 1, 1, 0, 0, 1000, 1000, 1000, 1, 2, 60},
		{"h", planner.Worse, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1, 60},
		{"i", planner.Unchanged, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60},
	}
	if len(got.Owners) != len(tests) {
		t.Fatalf("%d owner rows, want %d", len(got.Owners), len(tests))
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= tol*max(1, math.Abs(b)) }
	for i, tc := range tests {
		r := got.Owners[i]
		if r.Owner != tc.owner || r.Verdict != tc.verdict || r.Jobs != tc.jobs || r.Common != tc.common ||
			r.Gained != tc.gained || r.Lost != tc.lost {
			t.Errorf("%s: got %+v, want %+v", tc.owner, r, tc)
			continue
		}
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"baseline mean wait", r.BaselineMeanWaitS, tc.baseMean},
			{"mean wait", r.MeanWaitS, tc.mean},
			{"delta mean wait", r.DeltaMeanWaitS, tc.dMean},
			{"delta p95 wait", r.DeltaP95WaitS, tc.dP95},
			{"baseline slowdown", r.BaselineMeanBoundedSlowdown, tc.baseBsld},
			{"slowdown", r.MeanBoundedSlowdown, tc.bsld},
			{"delta slowdown", r.DeltaMeanBoundedSlowdown, tc.bsld - tc.baseBsld},
			{"tolerance", r.ToleranceS, tc.tolS},
		} {
			if !near(c.got, c.want) {
				t.Errorf("%s: %s %v, want %v", tc.owner, c.name, c.got, c.want)
			}
		}
	}
}

func TestCompareOptions(t *testing.T) {
	w, b, p := handResults([]string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}, handJobs)
	tests := []struct {
		name                string
		opt                 planner.CompareOptions
		better, worse, same int
		worst               []string
	}{
		// A 1,000 s floor makes a (-100), d (+501) and f (+61) unchanged; g and h are decided by jobs.
		{"wide floor", planner.CompareOptions{MinWaitS: 1000}, 1, 1, 7, []string{"h"}},
		// No relative part: b (+400) and c (+500) are past the 60 s floor.
		{"absolute only", planner.CompareOptions{RelTol: -1}, 2, 5, 2, []string{"h", "d", "c", "b", "f"}},
		{"two worst", planner.CompareOptions{Worst: 2}, 2, 3, 4, []string{"h", "d"}},
		{"no worst", planner.CompareOptions{Worst: -1}, 2, 3, 4, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := planner.Compare(w, b, p, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got.Better != tc.better || got.Worse != tc.worse || got.Unchanged != tc.same {
				t.Errorf("better/worse/unchanged %d/%d/%d, want %d/%d/%d", got.Better, got.Worse, got.Unchanged, tc.better, tc.worse, tc.same)
			}
			if !slices.Equal(got.Worst, tc.worst) {
				t.Errorf("worst %v, want %v", got.Worst, tc.worst)
			}
		})
	}
}

// Against a real run, a policy compared with itself changes nothing, and when both policies run
// the same jobs the comparison's sides are the results' own owner rows.
func TestCompareAgreesWithOwnerRows(t *testing.T) {
	c := poolCluster([]ownerSpec{{"alice", 1, 2}, {"bob", 1, 2}, {"carol", 1, 4}}, 2, 4)
	w := &gpuplan.Workload{Owners: []string{"alice", "bob", "carol"}}
	for i := range 30 {
		w.Jobs = append(w.Jobs, gpuplan.Job{ID: "j" + string(rune('a'+i)), Owner: int32(i % 3), Group: -1,
			Submit: float64(100 * i), GPUs: int32(1 + i%2), Duration: float64(500 + 97*(i%7))})
	}
	res, err := sim.RunAll(c, w, []string{"fragmented", "easy"}, sim.Options{Placement: sim.PlacementPool})
	if err != nil {
		t.Fatal(err)
	}
	self, err := planner.Compare(w, res[1], res[1], planner.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if self.Unchanged != 3 || self.Better+self.Worse != 0 || len(self.Worst) != 0 {
		t.Errorf("self comparison %+v", self)
	}
	cmp, err := planner.Compare(w, res[0], res[1], planner.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, oc := range cmp.Owners {
		b, p := res[0].Owners[i], res[1].Owners[i]
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"baseline mean", oc.BaselineMeanWaitS, b.MeanWaitS}, {"mean", oc.MeanWaitS, p.MeanWaitS},
			{"baseline p95", oc.BaselineP95WaitS, b.P95WaitS}, {"p95", oc.P95WaitS, p.P95WaitS},
			{"baseline slowdown", oc.BaselineMeanBoundedSlowdown, b.MeanBoundedSlowdown},
			{"slowdown", oc.MeanBoundedSlowdown, p.MeanBoundedSlowdown},
		} {
			if math.Abs(c.got-c.want) > 1e-9*max(1, math.Abs(c.want)) {
				t.Errorf("%s: %s %v, owner row %v", oc.Owner, c.name, c.got, c.want)
			}
		}
	}
}

func TestCompareMismatch(t *testing.T) {
	w, b, p := handResults([]string{"a"}, handJobs[:2])
	short := *p
	short.Start = short.Start[:1]
	for _, tc := range []struct {
		name string
		w    *gpuplan.Workload
		b, p *sim.Result
	}{{"nil workload", nil, b, p}, {"nil result", w, b, nil}, {"short result", w, b, &short}} {
		if _, err := planner.Compare(tc.w, tc.b, tc.p, planner.CompareOptions{}); !errors.Is(err, planner.ErrMismatch) {
			t.Errorf("%s: err %v, want ErrMismatch", tc.name, err)
		}
	}
}

// gpuType and poolCluster are the shared test clusters of internal/simtest.
var gpuType = simtest.GPUType

// ownerSpec is one owner's private pool: Nodes nodes of GPN GPUs each.
type ownerSpec struct {
	Name  string
	Nodes int
	GPN   int
}

var poolCluster = simtest.PoolCluster[ownerSpec]
