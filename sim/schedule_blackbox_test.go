package sim_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// farmOf is a cluster with one owner "a" holding the whole farm: nodes nodes of gpn GPUs.
func farmOf(nodes, gpn int) *gpuplan.Cluster {
	return poolCluster([]ownerSpec{{Name: "a", Nodes: nodes, GPN: gpn}}, nodes, gpn)
}

var (
	pool  = sim.Options{Placement: sim.PlacementPool}
	nodes = sim.Options{Placement: sim.PlacementNodes}
)

// TestHandSchedules replays tiny workloads whose schedules were worked out by hand (derivations in
// the comments; "free" counts free GPUs, J<i> is the i-th job of the table).
func TestHandSchedules(t *testing.T) {
	// Head-of-line blocking: J1 (4 GPUs) heads the queue while J0 holds 3 of 4 GPUs.
	hol := []jobSpec{
		{"a", 0, 3, 10, 0}, // J0
		{"a", 1, 4, 5, 0},  // J1
		{"a", 2, 1, 1, 0},  // J2
	}
	// EASY's "extra GPUs" rule, 6 GPUs.
	extra := []jobSpec{
		{"a", 0, 2, 10, 0},  // J0
		{"a", 0, 2, 20, 0},  // J1
		{"a", 1, 3, 5, 0},   // J2
		{"a", 2, 1, 100, 0}, // J3
		{"a", 2, 1, 100, 0}, // J4
		{"a", 2, 1, 8, 0},   // J5
	}
	// EASY with an over-estimate, 4 GPUs.
	estimate := []jobSpec{
		{"a", 0, 3, 10, 0}, // J0
		{"a", 1, 4, 5, 0},  // J1
		{"a", 2, 1, 9, 0},  // J2
	}
	// EASY's shadow counts every job ending at s, 6 GPUs; two input orders of the jobs ending at 10.
	shadowTie := []jobSpec{
		{"a", 0, 3, 10, 0},  // J0
		{"a", 0, 1, 10, 0},  // J1
		{"a", 0, 1, 30, 0},  // J2
		{"a", 1, 4, 5, 0},   // J3
		{"a", 2, 1, 100, 0}, // J4
	}
	shadowTieSwapped := slices.Clone(shadowTie)
	shadowTieSwapped[0], shadowTieSwapped[1] = shadowTieSwapped[1], shadowTieSwapped[0]
	// Ties and unsorted input, 2 GPUs: the first row is submitted after the second.
	ties := []jobSpec{
		{"a", 10, 1, 3, 0}, // J0
		{"a", 0, 2, 10, 0}, // J1
		{"a", 10, 2, 5, 0}, // J2
	}
	// Zero-length jobs, 2 GPUs.
	zero := []jobSpec{
		{"a", 0, 2, 10, 0}, // J0
		{"a", 5, 2, 0, 0},  // J1
		{"a", 6, 2, 4, 0},  // J2
		{"a", 20, 1, 0, 0}, // J3
	}
	// Best fit, 3 nodes of 4 GPUs.
	bestFit := []jobSpec{
		{"a", 0, 2, 100, 0}, // J0
		{"a", 0, 3, 100, 0}, // J1
		{"a", 0, 1, 100, 0}, // J2
		{"a", 1, 2, 10, 0},  // J3
		{"a", 2, 4, 10, 0},  // J4
	}
	// Whole nodes, 4 nodes of 2 GPUs: eight 1-GPU jobs pair up on the nodes, the short ones leave
	// one free GPU per node, then a 4-GPU job arrives.
	whole := []jobSpec{
		{"a", 0, 1, 100, 0}, // J0
		{"a", 0, 1, 10, 0},  // J1
		{"a", 0, 1, 100, 0}, // J2
		{"a", 0, 1, 10, 0},  // J3
		{"a", 0, 1, 50, 0},  // J4
		{"a", 0, 1, 10, 0},  // J5
		{"a", 0, 1, 60, 0},  // J6
		{"a", 0, 1, 10, 0},  // J7
		{"a", 11, 4, 5, 0},  // J8
	}
	// Two owners with 2 GPUs each; the farm pools the 4.
	twoOwners := poolCluster([]ownerSpec{{"a", 1, 2}, {"b", 1, 2}}, 1, 4)
	isolation := []jobSpec{
		{"a", 0, 2, 10, 0}, // J0
		{"a", 1, 1, 5, 0},  // J1
		{"b", 2, 2, 3, 0},  // J2
		{"a", 3, 3, 1, 0},  // J3: more than a's 2 GPUs
	}

	cases := []struct {
		name      string
		cluster   *gpuplan.Cluster
		owners    []string
		jobs      []jobSpec
		policy    string
		opt       sim.Options
		start     []float64
		end       []float64
		infeas    int
		infeasGPH float64 // GPU-hours of infeasible jobs
		tol       float64
	}{
		{
			// t=0 J0 starts (free 1). t=1 J1 needs 4: waits. t=2 J2 would fit but is behind J1.
			// t=10 J0 ends, J1 runs 10..15; t=15 J2 runs 15..16.
			name: "fifo head-of-line blocking", cluster: farmOf(1, 4), jobs: hol, policy: "fifo", opt: pool,
			start: []float64{0, 10, 15}, end: []float64{10, 15, 16},
		},
		{
			// t=2: head J1 blocked; shadow s = 10 (J0's end frees 4), extra = 0. J2 fits and
			// 2 + 1 <= 10: backfilled 2..3. t=10: J1 runs 10..15.
			name: "easy backfills a short job", cluster: farmOf(1, 4), jobs: hol, policy: "easy", opt: pool,
			start: []float64{0, 10, 2}, end: []float64{10, 15, 3},
		},
		{
			// t=0 J0, J1 start (free 2). t=1 J2 (3) blocked. t=2 pass: head J2, s = 10 (J0 ends:
			// free 4), extra = 4 - 3 = 1. J3 fits, 2+100 > 10 but 1 <= extra: starts, extra 0,
			// free 1. J4 fits, 102 > 10 and 1 > extra: stays. J5 fits and 2+8 = 10 <= s: starts
			// (free 0). t=10 J0, J5 end (free 3): J2 runs 10..15. t=15: J4 runs 15..115.
			name: "easy extra rule allows one long job and forbids the next", cluster: farmOf(1, 6),
			jobs: extra, policy: "easy", opt: pool,
			start: []float64{0, 0, 10, 2, 15, 2}, end: []float64{10, 20, 15, 102, 115, 10},
		},
		{
			// t=0 J0, J1, J2 start (free 1). t=2 pass: head J3 (4) blocked. J0 and J1 both end at
			// 10: s = 10 with free 1 + 3 + 1 = 5 at s, extra = 1 (stopping at the first job that
			// makes 4 free would give extra 0). J4: 102 > 10 but 1 <= extra: starts 2..102.
			// t=10: free 4, J3 runs 10..15.
			name: "easy shadow counts all jobs ending at s", cluster: farmOf(1, 6), jobs: shadowTie,
			policy: "easy", opt: pool,
			start: []float64{0, 0, 0, 10, 2}, end: []float64{10, 10, 30, 15, 102},
		},
		{
			// The same with the 1-GPU job listed first.
			name: "easy shadow counts all jobs ending at s, swapped", cluster: farmOf(1, 6), jobs: shadowTieSwapped,
			policy: "easy", opt: pool,
			start: []float64{0, 0, 0, 10, 2}, end: []float64{10, 10, 30, 15, 102},
		},
		{
			// Same jobs, strict FIFO: J2 10..15 (free 1), J3 10..110 (free 0), t=15 J2 ends:
			// J4 15..115, J5 15..23.
			name: "fifo on the extra-rule jobs", cluster: farmOf(1, 6), jobs: extra, policy: "fifo", opt: pool,
			start: []float64{0, 0, 10, 10, 15, 15}, end: []float64{10, 20, 15, 110, 115, 23},
		},
		{
			// Estimates = durations. t=2: s = 10, extra = 0; J2: 2 + 9 = 11 > 10 and 1 > 0: waits.
			// t=10 J1 runs 10..15; t=15 J2 runs 15..24.
			name: "easy estimate factor 1", cluster: farmOf(1, 4), jobs: estimate, policy: "easy", opt: pool,
			start: []float64{0, 10, 15}, end: []float64{10, 15, 24},
		},
		{
			// Estimates = 2 x durations. t=2: J0's estimated end 0 + 20 = 20 = s, extra = 0; J2's
			// estimate 2 + 18 = 20 <= 20: backfilled, really running 2..11. t=10 J0 really ends
			// (free 3 < 4). t=11 J2 ends: J1 runs 11..16 — the over-estimate delayed the head.
			name: "easy estimate factor 2", cluster: farmOf(1, 4), jobs: estimate, policy: "easy",
			opt:   sim.Options{Placement: sim.PlacementPool, EstimateFactor: 2},
			start: []float64{0, 11, 2}, end: []float64{10, 16, 11},
		},
		{
			// Queue order J1 (t=0), J0 (t=10, row 0), J2 (t=10, row 2). t=10: J1's completion
			// frees 2 before the pass; J0 runs 10..13 (free 1); J2 needs 2: waits. t=13 J2 13..18.
			name: "ties and unsorted input", cluster: farmOf(1, 2), jobs: ties, policy: "fifo", opt: pool,
			start: []float64{10, 0, 13}, end: []float64{13, 10, 18},
		},
		{
			// t=10 J0 ends; the pass starts J1 (zero length) and J2 finds free 0. J1 completes at
			// 10 in a new batch, whose pass starts J2 at 10..14. t=20 J3 starts and ends at 20.
			name: "zero-length jobs fifo", cluster: farmOf(1, 2), jobs: zero, policy: "fifo", opt: pool,
			start: []float64{0, 10, 10, 20}, end: []float64{10, 10, 14, 20},
		},
		{
			// As above: at the t=10 pass J2 cannot backfill (no GPU free), the t=10 batch for J1's
			// completion starts it.
			name: "zero-length jobs easy", cluster: farmOf(1, 2), jobs: zero, policy: "easy", opt: pool,
			start: []float64{0, 10, 10, 20}, end: []float64{10, 10, 14, 20},
		},
		{
			// Free GPUs per node, whatever the tie-breaks: J0 on X (4->2); J1 (3) on a 4-free
			// node Y (4->1); J2 (1): X 2, Y 1, Z 4, fullest that fits is Y (->0); J3 (2): X 2,
			// Z 4 -> X (->0); J4 (4) takes Z at t=2. A first- or worst-fit choice for J2 would
			// leave no whole node and J4 would wait until 100.
			name: "nodes best fit", cluster: farmOf(3, 4), jobs: bestFit, policy: "fifo", opt: nodes,
			start: []float64{0, 0, 0, 1, 2}, end: []float64{100, 100, 100, 11, 12},
		},
		{
			// Best fit pairs J0-J1, J2-J3, J4-J5, J6-J7 on nodes A..D. t=10: the short jobs end,
			// leaving 1 free GPU on every node (4 free, no whole node). J8 (4 GPUs > 2 per node)
			// needs 2 whole free nodes: C at 50 (J4 ends), D at 60 (J6 ends): J8 runs 60..65.
			name: "nodes large job waits for whole nodes", cluster: farmOf(4, 2), jobs: whole, policy: "fifo",
			opt:   nodes,
			start: []float64{0, 0, 0, 0, 0, 0, 0, 0, 60}, end: []float64{100, 10, 100, 10, 50, 10, 60, 10, 65},
		},
		{
			// Pool placement ignores nodes: 4 GPUs are free at t=11, J8 runs 11..16.
			name: "pool placement ignores fragments", cluster: farmOf(4, 2), jobs: whole, policy: "fifo",
			opt:   pool,
			start: []float64{0, 0, 0, 0, 0, 0, 0, 0, 11}, end: []float64{100, 10, 100, 10, 50, 10, 60, 10, 16},
		},
		{
			// J0 asks 5 of 4 GPUs: infeasible at arrival, 5 x 3600 s = 5 GPU-hours; J1 runs at once.
			name: "infeasible pool", cluster: farmOf(1, 4),
			jobs:   []jobSpec{{"a", 0, 5, 3600, 0}, {"a", 1, 1, 1, 0}},
			policy: "fifo", opt: pool,
			start: []float64{nan, 1}, end: []float64{nan, 2}, infeas: 1, infeasGPH: 5,
		},
		{
			// 2 nodes of 4: J0 (9 GPUs) exceeds all nodes: infeasible, 9 x 7200 s = 18 GPU-hours.
			// J1 takes both whole nodes 0..10; J2 (6 GPUs, two whole nodes) runs 10..20.
			name: "infeasible nodes", cluster: farmOf(2, 4),
			jobs:   []jobSpec{{"a", 0, 9, 7200, 0}, {"a", 0, 8, 10, 0}, {"a", 1, 6, 10, 0}},
			policy: "fifo", opt: nodes,
			start: []float64{nan, 0, 10}, end: []float64{nan, 10, 20}, infeas: 1, infeasGPH: 18,
		},
		{
			// a's pool: J0 0..10, J1 waits for it 10..15 although b's GPUs are idle; b: J2 2..5;
			// J3 (3 > a's 2 GPUs) infeasible, 3 GPU-seconds, and blocks nobody.
			name: "fragmented pools are isolated", cluster: twoOwners, jobs: isolation, policy: "fragmented",
			start: []float64{0, 10, 2, nan}, end: []float64{10, 15, 5, nan}, infeas: 1, infeasGPH: 3.0 / 3600,
		},
		{
			// One pool of 4: J0 0..10 (free 2), J1 1..6 (free 1), J2 (2) waits until J1 ends:
			// 6..9; J3 (3) after J2: at 9 free 2, at 10 free 4: 10..11.
			name: "fifo pools the same jobs", cluster: twoOwners, jobs: isolation, policy: "fifo", opt: pool,
			start: []float64{0, 1, 6, 10}, end: []float64{10, 6, 9, 11},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			owners := tc.owners
			if owners == nil {
				for _, o := range tc.cluster.Owners {
					owners = append(owners, o.Name)
				}
			}
			w := workload(owners, tc.jobs)
			r := run(t, tc.cluster, w, tc.policy, tc.opt)
			tol := tc.tol
			if tol == 0 {
				tol = 1e-9
			}
			checkTimes(t, r, tc.start, tc.end, tol)
			if r.Jobs.Submitted != len(tc.jobs) || r.Jobs.Infeasible != tc.infeas ||
				r.Jobs.Completed != len(tc.jobs)-tc.infeas {
				t.Errorf("jobs = %+v, want %d submitted, %d infeasible, %d completed",
					r.Jobs, len(tc.jobs), tc.infeas, len(tc.jobs)-tc.infeas)
			}
			if !near(r.Jobs.InfeasibleGPUHours, tc.infeasGPH, 1e-9) {
				t.Errorf("infeasible GPU-hours = %g, want %g", r.Jobs.InfeasibleGPUHours, tc.infeasGPH)
			}
		})
	}
}

// TestFragmentedInfeasiblePerOwner: the infeasible job of the isolation case is a's.
func TestFragmentedInfeasiblePerOwner(t *testing.T) {
	c := poolCluster([]ownerSpec{{"a", 1, 2}, {"b", 1, 2}}, 1, 4)
	w := workload([]string{"a", "b"}, []jobSpec{{"a", 0, 2, 10, 0}, {"a", 3, 3, 1, 0}, {"b", 2, 2, 3, 0}})
	r := run(t, c, w, "fragmented", sim.Options{})
	if a, b := ownerRow(t, r, "a"), ownerRow(t, r, "b"); a.Infeasible != 1 || b.Infeasible != 0 {
		t.Errorf("infeasible per owner a=%d b=%d, want 1 and 0", a.Infeasible, b.Infeasible)
	}
}

// TestHandMetrics checks the summary metrics of a tiny fragmented run against values worked out by
// hand. Owners a and b hold 1 GPU each.
//
//	a: J0 t0 d4 -> 0..4 (wait 0); J1 t1 d3 -> 4..7 (3); J2 t2 d6 -> 7..13 (5)
//	b: J3 t3 d20 -> 3..23 (0); J4 t5 d5 -> 23..28 (18); J5 t100 d5 -> 100..105 (0)
//
// Waits sorted [0 0 0 3 5 18]: mean 26/6; numpy p50 at index 2.5 = 1.5, p95 at 4.75 =
// 5 + 0.75*13 = 14.75, p99 at 4.95 = 5 + 0.95*13 = 17.35, max 18.
// Window 0..105, 2 GPUs, 43 GPU-seconds busy: utilization 43/210.
// Bounded slowdown max(1, (w+d)/max(d,10)): J0 4/10 -> 1, J1 6/10 -> 1, J2 11/10 = 1.1, J3 20/20 = 1,
// J4 23/10 = 2.3, J5 5/10 -> 1: mean 7.4/6.
// Owner a: waits [0 3 5], mean 8/3, p95 at index 1.9 = 3 + 0.9*2 = 4.8, slowdown 3.1/3, 13 GPU-s.
// Owner b: waits [0 18 0], mean 6, p95 = 0.9*18 = 16.2, slowdown 4.3/3, 30 GPU-s.
// Jain's index of (3.1/3, 4.3/3) = (7.4/3)^2 / (2 ((3.1/3)^2 + (4.3/3)^2)) = 54.76 / 56.2.
func TestHandMetrics(t *testing.T) {
	c := poolCluster([]ownerSpec{{"a", 1, 1}, {"b", 1, 1}}, 1, 2)
	w := workload([]string{"a", "b"}, []jobSpec{
		{"a", 0, 1, 4, 0}, {"a", 1, 1, 3, 0}, {"a", 2, 1, 6, 0},
		{"b", 3, 1, 20, 0}, {"b", 5, 1, 5, 0}, {"b", 100, 1, 5, 0},
	})
	r := run(t, c, w, "fragmented", sim.Options{})
	const tol = 1e-9
	checkTimes(t, r, []float64{0, 4, 7, 3, 23, 100}, []float64{4, 7, 13, 23, 28, 105}, tol)

	// The numpy-style percentile helper agrees with the hand values, so the cross-check below
	// is not circular.
	waits := []float64{0, 3, 5, 0, 18, 0}
	for _, q := range []struct{ q, want float64 }{{0.5, 1.5}, {0.95, 14.75}, {0.99, 17.35}} {
		if got := numpyPercentile(waits, q.q); !near(got, q.want, tol) {
			t.Fatalf("numpyPercentile(%g) = %g, want %g", q.q, got, q.want)
		}
	}

	checks := []struct {
		name      string
		got, want float64
	}{
		{"wait mean", r.WaitS.Mean, 26.0 / 6},
		{"wait p50", r.WaitS.P50, 1.5},
		{"wait p95", r.WaitS.P95, 14.75},
		{"wait p99", r.WaitS.P99, 17.35},
		{"wait max", r.WaitS.Max, 18},
		{"utilization", r.Utilization, 43.0 / 210},
		{"window", r.WindowS, 105},
		{"GPU-hours", r.GPUHours, 43.0 / 3600},
		{"mean bounded slowdown", r.MeanBoundedSlowdown, 7.4 / 6},
		{"Jain", r.JainSlowdown, 54.76 / 56.2},
		{"GPUs", float64(r.GPUs), 2},
	}
	a, b := ownerRow(t, r, "a"), ownerRow(t, r, "b")
	checks = append(checks, []struct {
		name      string
		got, want float64
	}{
		{"a jobs", float64(a.Jobs), 3},
		{"a mean wait", a.MeanWaitS, 8.0 / 3},
		{"a p95 wait", a.P95WaitS, 4.8},
		{"a slowdown", a.MeanBoundedSlowdown, 3.1 / 3},
		{"a GPU-hours", a.GPUHours, 13.0 / 3600},
		{"b jobs", float64(b.Jobs), 3},
		{"b mean wait", b.MeanWaitS, 6},
		{"b p95 wait", b.P95WaitS, 16.2},
		{"b slowdown", b.MeanBoundedSlowdown, 4.3 / 3},
		{"b GPU-hours", b.GPUHours, 30.0 / 3600},
	}...)
	for _, ck := range checks {
		if !near(ck.got, ck.want, tol) {
			t.Errorf("%s = %.12g, want %.12g", ck.name, ck.got, ck.want)
		}
	}
}

// TestMetricsMatchPerJobTimes cross-checks the summary metrics of random runs against the per-job
// times the same run reports, with the formulas of design §5 written independently here.
func TestMetricsMatchPerJobTimes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	w := &gpuplan.Workload{Owners: []string{"a", "b", "c"}}
	for i := range 3000 {
		w.Jobs = append(w.Jobs, gpuplan.Job{
			ID: jobID(i), Owner: int32(rng.IntN(3)), Group: -1, Submit: math.Round(rng.Float64() * 20000),
			GPUs: []int32{1, 1, 2, 4, 8, 16}[rng.IntN(6)], Duration: math.Round(rng.ExpFloat64() * 30),
		})
	}
	// The window opens at the earliest submit; make that a feasible job so that it does not matter
	// whether infeasible submits count. Rounding makes ties and zero-length jobs common.
	w.Jobs[0].Submit, w.Jobs[0].GPUs = -1, 1
	c := poolCluster([]ownerSpec{{"a", 2, 4}, {"b", 2, 4}, {"c", 1, 8}}, 3, 8)
	for _, policy := range []string{"fragmented", "fifo", "easy"} {
		t.Run(policy, func(t *testing.T) {
			r := run(t, c, w, policy, pool)
			var waits, sd []float64
			first, last := math.Inf(1), math.Inf(-1)
			var busy, infGPH float64
			for i, j := range w.Jobs {
				first = math.Min(first, j.Submit)
				if math.IsNaN(r.Start[i]) {
					infGPH += float64(j.GPUs) * j.Duration / 3600
					continue
				}
				if r.Start[i] < j.Submit || r.End[i] != r.Start[i]+j.Duration {
					t.Fatalf("job %d: submit %g, runs [%g, %g], duration %g", i, j.Submit, r.Start[i], r.End[i], j.Duration)
				}
				wait := r.Start[i] - j.Submit
				waits = append(waits, wait)
				sd = append(sd, math.Max(1, (wait+j.Duration)/math.Max(j.Duration, 10)))
				busy += float64(j.GPUs) * j.Duration
				last = math.Max(last, r.End[i])
			}
			window := last - first
			checks := []struct {
				name      string
				got, want float64
			}{
				{"completed", float64(r.Jobs.Completed), float64(len(waits))},
				{"infeasible GPU-hours", r.Jobs.InfeasibleGPUHours, infGPH},
				{"mean", r.WaitS.Mean, mean(waits)},
				{"p50", r.WaitS.P50, numpyPercentile(waits, 0.5)},
				{"p95", r.WaitS.P95, numpyPercentile(waits, 0.95)},
				{"p99", r.WaitS.P99, numpyPercentile(waits, 0.99)},
				{"max", r.WaitS.Max, slices.Max(waits)},
				{"window", r.WindowS, window},
				{"utilization", r.Utilization, busy / (24 * window)},
				{"slowdown", r.MeanBoundedSlowdown, mean(sd)},
			}
			for _, ck := range checks {
				if !near(ck.got, ck.want, 1e-9) {
					t.Errorf("%s = %.12g, want %.12g", ck.name, ck.got, ck.want)
				}
			}
			// Every GPU count over time stays within the pool: 24 GPUs on the farm.
			if policy != "fragmented" {
				checkCapacity(t, w, r, 24)
			}
			checkOwnerRows(t, w, r)
			pue := 1.3
			if policy == "fragmented" {
				pue = 1.8
			}
			checkTimeline(t, w, r, 24, pue)
		})
	}
}

// checkOwnerRows recomputes each owner's row from the per-job times: infeasible count, mean and
// p95 wait, mean bounded slowdown and GPU-hours over completed jobs; and Jain's index of the
// owners' mean bounded slowdowns.
func checkOwnerRows(t *testing.T, w *gpuplan.Workload, r *sim.Result) {
	t.Helper()
	var sds []float64
	for o, name := range w.Owners {
		var waits, sd []float64
		var gpuh float64
		infeasible := 0
		for i, j := range w.Jobs {
			if j.Owner != int32(o) {
				continue
			}
			if math.IsNaN(r.Start[i]) {
				infeasible++
				continue
			}
			wait := r.Start[i] - j.Submit
			waits = append(waits, wait)
			sd = append(sd, math.Max(1, (wait+j.Duration)/math.Max(j.Duration, 10)))
			gpuh += float64(j.GPUs) * j.Duration / 3600
		}
		row := ownerRow(t, r, name)
		if row.Infeasible != infeasible {
			t.Errorf("%s: owner %s infeasible %d, want %d", r.Name, name, row.Infeasible, infeasible)
		}
		for _, ck := range []struct {
			what      string
			got, want float64
		}{
			{"mean wait", row.MeanWaitS, mean(waits)},
			{"p95 wait", row.P95WaitS, numpyPercentile(waits, 0.95)},
			{"slowdown", row.MeanBoundedSlowdown, mean(sd)},
			{"GPU-hours", row.GPUHours, gpuh},
		} {
			if !near(ck.got, ck.want, 1e-9) {
				t.Errorf("%s: owner %s %s = %.12g, want %.12g", r.Name, name, ck.what, ck.got, ck.want)
			}
		}
		sds = append(sds, mean(sd))
	}
	var sum, sq float64
	for _, x := range sds {
		sum += x
		sq += x * x
	}
	if jain := sum * sum / (float64(len(sds)) * sq); !near(r.JainSlowdown, jain, 1e-9) {
		t.Errorf("%s: Jain index %.12g, want %.12g", r.Name, r.JainSlowdown, jain)
	}
}

// checkTimeline recomputes the timeline samples of an uncapped run from the per-job times, taking
// each sample as the state after everything at its instant happened: GPUs busy (start <= T < end),
// jobs queued (submit <= T < start) and facility power PUE * (all GPUs idle + busy GPUs' extra).
// Samples must lie in the window, in order, ending at the last completion.
func checkTimeline(t *testing.T, w *gpuplan.Workload, r *sim.Result, gpus int, pue float64) {
	t.Helper()
	g := gpuType()
	tl := r.Timeline
	if len(tl.T) != 500 || len(tl.Utilization) != 500 || len(tl.Queued) != 500 || len(tl.PowerKW) != 500 {
		t.Fatalf("%s: timeline lengths %d/%d/%d/%d, want the default 500", r.Name,
			len(tl.T), len(tl.Utilization), len(tl.Queued), len(tl.PowerKW))
	}
	if !near(tl.T[len(tl.T)-1]-tl.T[0], r.WindowS, 1e-9) || !slices.IsSorted(tl.T) {
		t.Errorf("%s: timeline spans [%g, %g], window %g", r.Name, tl.T[0], tl.T[len(tl.T)-1], r.WindowS)
	}
	bad := 0
	for k, at := range tl.T {
		var busy, queued int
		for i, j := range w.Jobs {
			if math.IsNaN(r.Start[i]) {
				continue
			}
			if r.Start[i] <= at && at < r.End[i] {
				busy += int(j.GPUs)
			}
			if j.Submit <= at && at < r.Start[i] {
				queued++
			}
		}
		powerKW := pue * (float64(gpus)*g.IdleW + float64(busy)*(g.BusyW-g.IdleW)) / 1000
		if !near(tl.Utilization[k], float64(busy)/float64(gpus), 1e-9) || tl.Queued[k] != queued ||
			!near(tl.PowerKW[k], powerKW, 1e-9) || tl.LimitFrac[k] != 1 {
			if bad < 3 {
				t.Errorf("%s: sample %d at t=%g: utilization %g queued %d power %g kW limit %g; want %g, %d, %g, 1",
					r.Name, k, at, tl.Utilization[k], tl.Queued[k], tl.PowerKW[k], tl.LimitFrac[k],
					float64(busy)/float64(gpus), queued, powerKW)
			}
			bad++
		}
	}
}

// checkCapacity sweeps the per-job intervals and fails if more than size GPUs are ever in use
// (an end at t frees its GPUs before a start at t uses them).
func checkCapacity(t *testing.T, w *gpuplan.Workload, r *sim.Result, size int32) {
	t.Helper()
	type ev struct {
		t float64
		d int32
	}
	var evs []ev
	for i, j := range w.Jobs {
		if !math.IsNaN(r.Start[i]) && j.Duration > 0 {
			evs = append(evs, ev{r.Start[i], j.GPUs}, ev{r.End[i], -j.GPUs})
		}
	}
	slices.SortFunc(evs, func(a, b ev) int {
		if a.t != b.t {
			if a.t < b.t {
				return -1
			}
			return 1
		}
		return int(a.d - b.d) // ends (negative) first
	})
	var used int32
	for _, e := range evs {
		used += e.d
		if used > size {
			t.Fatalf("%s: %d GPUs in use at t=%g, pool has %d", r.Name, used, e.t, size)
		}
	}
}

// TestSameInputSameBytes: two runs of the same input give byte-identical JSON and per-job times.
func TestSameInputSameBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	w := &gpuplan.Workload{Owners: []string{"x", "y"}}
	for i := range 2000 {
		w.Jobs = append(w.Jobs, gpuplan.Job{
			ID: jobID(i), Owner: int32(rng.IntN(2)), Group: -1, Submit: rng.Float64() * 5000,
			GPUs: int32(1 + rng.IntN(4)), Duration: rng.ExpFloat64() * 20,
		})
	}
	c := poolCluster([]ownerSpec{{"x", 1, 4}, {"y", 1, 4}}, 2, 4)
	for _, policy := range sim.Policies() {
		var prev []byte
		var prevStart []float64
		for range 2 {
			r := run(t, c, w, policy, sim.Options{})
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatalf("%s: %v", policy, err)
			}
			if prev != nil && (!bytes.Equal(b, prev) || !slices.Equal(r.Start, prevStart)) {
				t.Errorf("%s: two runs of the same input differ", policy)
			}
			prev, prevStart = b, r.Start
		}
	}
}

// TestPoliciesAndBadInput: the three design policies are offered; bad input is an error that
// matches the package's sentinel and names the offending part, never a panic.
func TestPoliciesAndBadInput(t *testing.T) {
	for _, p := range []string{"fragmented", "fifo", "easy"} {
		if !slices.Contains(sim.Policies(), p) {
			t.Errorf("Policies() = %v lacks %q", sim.Policies(), p)
		}
	}
	good := func() *gpuplan.Workload { return workload([]string{"a"}, []jobSpec{{"a", 0, 1, 1, 0}}) }
	cases := []struct {
		name    string
		cluster *gpuplan.Cluster
		w       *gpuplan.Workload
		policy  string
		want    error
		mention string // substring the message must contain
	}{
		{"unknown policy", farmOf(1, 1), good(), "no-such-policy", sim.ErrUnknownPolicy, "no-such-policy"},
		{"unknown owner", farmOf(1, 1), workload([]string{"zed"}, []jobSpec{{"zed", 0, 1, 1, 0}}), "fifo",
			sim.ErrUnknownOwner, "zed"},
		{"negative duration", farmOf(1, 1), workload([]string{"a"}, []jobSpec{{"a", 0, 1, 1, 0}, {"a", 0, 1, -5, 0}}),
			"fifo", gpuplan.ErrInvalidWorkload, "j1"},
		{"NaN submit", farmOf(1, 1), workload([]string{"a"}, []jobSpec{{"a", math.NaN(), 1, 1, 0}}),
			"easy", gpuplan.ErrInvalidWorkload, "j0"},
		{"PUE below 1", func() *gpuplan.Cluster { c := farmOf(1, 1); c.Sites[1].PUE = 0.5; return c }(), good(),
			"fifo", gpuplan.ErrInvalidCluster, "farm"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := sim.Run(tc.cluster, tc.w, tc.policy, sim.Options{})
			if err == nil {
				t.Fatalf("no error, result %+v", r)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("error %q does not match %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
		})
	}
}

// refEASY is an independent, deliberately plain reference for design §5's EASY on one pool of size
// GPUs with pool placement and no cap: batches of simultaneous events (completions, then arrivals in
// queue order), one pass per batch, zero-length jobs completing in a later batch at the same time.
// It is quadratic and only meant for small workloads. Infeasible jobs get NaN.
func refEASY(jobs []gpuplan.Job, size int32, factor float64) []float64 {
	if factor == 0 {
		factor = 1
	}
	type run struct {
		end, est float64
		gpus     int32
	}
	start := make([]float64, len(jobs))
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case jobs[a].Submit < jobs[b].Submit:
			return -1
		case jobs[a].Submit > jobs[b].Submit:
			return 1
		}
		return 0
	})
	var running []run
	var queue []int
	free := size
	next := 0 // next arrival in order
	for next < len(order) || len(queue) > 0 || len(running) > 0 {
		t := math.Inf(1)
		if next < len(order) {
			t = jobs[order[next]].Submit
		}
		for _, r := range running {
			t = math.Min(t, r.end)
		}
		kept := running[:0]
		for _, r := range running {
			if r.end <= t {
				free += r.gpus
			} else {
				kept = append(kept, r)
			}
		}
		running = kept
		for next < len(order) && jobs[order[next]].Submit <= t {
			i := order[next]
			next++
			if jobs[i].GPUs > size {
				start[i] = math.NaN()
				continue
			}
			queue = append(queue, i)
		}
		begin := func(k int) {
			i := queue[k]
			start[i] = t
			free -= jobs[i].GPUs
			running = append(running, run{t + jobs[i].Duration, t + factor*jobs[i].Duration, jobs[i].GPUs})
			queue = slices.Delete(queue, k, k+1)
		}
		for len(queue) > 0 && jobs[queue[0]].GPUs <= free {
			begin(0)
		}
		if len(queue) == 0 {
			continue
		}
		need := jobs[queue[0]].GPUs
		byEst := slices.Clone(running)
		slices.SortFunc(byEst, func(a, b run) int {
			switch {
			case a.est < b.est:
				return -1
			case a.est > b.est:
				return 1
			}
			return 0
		})
		s, acc := math.Inf(1), free
		for _, r := range byEst {
			if r.est > s {
				break
			}
			acc += r.gpus
			if math.IsInf(s, 1) && acc >= need {
				s = r.est
			}
		}
		extra := acc - need
		for k := 1; k < len(queue); {
			j := jobs[queue[k]]
			if j.GPUs <= free {
				if t+factor*j.Duration <= s {
					begin(k)
					continue
				}
				if j.GPUs <= extra {
					extra -= j.GPUs
					begin(k)
					continue
				}
			}
			k++
		}
	}
	return start
}

// TestEASYMatchesReference compares the engine's easy schedule with refEASY, job by job and
// exactly, on random workloads with integer times (many ties), zero-length jobs and infeasible
// jobs, for estimate factors 1 and 2.
func TestEASYMatchesReference(t *testing.T) {
	sizes := []int32{1, 1, 1, 2, 3, 4, 6, 8, 13} // 13 > 12: infeasible
	for _, factor := range []float64{1, 2} {
		for seed := range uint64(4) {
			rng := rand.New(rand.NewPCG(seed, 17))
			w := &gpuplan.Workload{Owners: []string{"a"}}
			for i := range 1500 {
				w.Jobs = append(w.Jobs, gpuplan.Job{
					ID: jobID(i), Group: -1, Submit: float64(rng.IntN(3000)),
					GPUs: sizes[rng.IntN(len(sizes))], Duration: float64(rng.IntN(40)),
				})
			}
			want := refEASY(w.Jobs, 12, factor)
			r := run(t, farmOf(2, 6), w, "easy", sim.Options{Placement: sim.PlacementPool, EstimateFactor: factor})
			bad := 0
			for i, j := range w.Jobs {
				ok := r.Start[i] == want[i] && r.End[i] == want[i]+j.Duration
				if math.IsNaN(want[i]) {
					ok = math.IsNaN(r.Start[i])
				}
				if !ok {
					if bad < 5 {
						t.Errorf("factor %g seed %d: job %d (%d GPUs, submit %g, d %g) starts %g, reference %g",
							factor, seed, i, j.GPUs, j.Submit, j.Duration, r.Start[i], want[i])
					}
					bad++
				}
			}
			if bad > 0 {
				t.Errorf("factor %g seed %d: %d of %d jobs differ", factor, seed, bad, len(w.Jobs))
			}
		}
	}
}
