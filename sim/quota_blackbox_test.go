package sim_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// TestQuotaHandSchedules: preemption, checkpoint loss, victim order and guarantee violations on
// small farms with pool placement, every time derived by hand in the case's comment.
func TestQuotaHandSchedules(t *testing.T) {
	pool := sim.Options{Placement: sim.PlacementPool}
	two := []ownerSpec{{"a", 1, 2}, {"b", 1, 2}} // quotas a 2, b 2
	borrowThenReclaim := []jobSpec{
		{"a", 0, 4, 100, 0}, // j0: a over quota (4 > 2), borrows the whole farm at 0
		{"b", 10, 2, 50, 0}, // j1: b in quota, no room: j0 is preempted at 10
	}
	cases := []struct {
		name        string
		c           *gpuplan.Cluster
		jobs        []jobSpec
		opt         sim.Options
		start, end  []float64
		preemptions int
		lostGPUS    float64 // GPU-seconds
		violations  map[string]int
	}{
		{
			// j1 starts at 10 and ends at 60. j0 ran 10 s without a checkpoint: it loses 4*10 = 40
			// GPU-s and restarts from scratch (100 s) when j1 frees the GPUs at 60: [60, 160].
			name: "preempt without checkpoints", c: poolCluster(two, 1, 4), jobs: borrowThenReclaim, opt: pool,
			start: []float64{60, 10}, end: []float64{160, 60}, preemptions: 1, lostGPUS: 40,
		},
		{
			// Checkpoints every 3 s of useful work: at 10 the last was at 9, so 4*(10-9) = 4 GPU-s
			// are lost; the restart needs 5 s overhead + 91 s left = 96 s: [60, 156]. The overhead
			// is lost too: 4*5 = 20. Lost 24 GPU-s.
			name: "checkpoint and restart overhead", c: poolCluster(two, 1, 4), jobs: borrowThenReclaim,
			opt:   sim.Options{Placement: sim.PlacementPool, Quota: sim.Quota{CheckpointS: 3, RestartOverheadS: 5}},
			start: []float64{60, 10}, end: []float64{156, 60}, preemptions: 1, lostGPUS: 24,
		},
		{
			// Checkpoints every 10 s, restart overhead 5 s. j1 preempts j0 at 12: 12 s useful, 10
			// saved, lost 4*2 = 8; j0 needs 5 + 90 = 95 s and restarts when j1 ends at 32. j2
			// preempts it again at 34, 2 s into its overhead: nothing more saved, lost 4*2 = 8.
			// j2 runs [34, 44]; j0 restarts at 44 for 95 s: [44, 139], its overhead lost 4*5 = 20.
			// Lost 36 GPU-s.
			name: "preempted again during the restart overhead", c: poolCluster(two, 1, 4),
			jobs:  []jobSpec{{"a", 0, 4, 100, 0}, {"b", 12, 2, 20, 0}, {"b", 34, 2, 10, 0}},
			opt:   sim.Options{Placement: sim.PlacementPool, Quota: sim.Quota{CheckpointS: 10, RestartOverheadS: 5}},
			start: []float64{44, 12, 34}, end: []float64{139, 32, 44}, preemptions: 2, lostGPUS: 36,
		},
		{
			// Quotas a 2, b 2, c 4 on 8 GPUs. j0 (a, 3) and j1 (b, 3) borrow at 0 and 1; j2 (b, 2)
			// borrows at 2 (b is blocked past its quota). At 5, j3 (c, 4, in quota) finds 0 free;
			// excess a 1, b 3: b's most recent job j2 goes first (frees 2, b's excess 1); then a and b
			// tie at 1 and a, the lower owner, loses j0 (frees 3): 5 >= 4. j3 runs [5, 15]. Lost
			// 2*3 + 3*5 = 21 GPU-s. At 15, 5 GPUs free: j0 (a, over quota) then j2 start, [15, 115].
			name: "victim order: most over quota, then most recent", opt: pool,
			c:     poolCluster([]ownerSpec{{"a", 1, 2}, {"b", 1, 2}, {"c", 1, 4}}, 1, 8),
			jobs:  []jobSpec{{"a", 0, 3, 100, 0}, {"b", 1, 3, 100, 0}, {"b", 2, 2, 100, 0}, {"c", 5, 4, 10, 0}},
			start: []float64{15, 1, 15, 5}, end: []float64{115, 101, 115, 15}, preemptions: 2, lostGPUS: 21,
		},
		{
			// Quotas a 2, b 2, c 4 on 8 GPUs. j0 (a, 3) and j1 (b, 3) borrow at 0 and 1. At 2, j2
			// (c, 4, in quota) finds 2 free; a and b are both 1 over quota from the start, and a,
			// the lower owner, loses j0 (frees 3): 5 >= 4. j2 runs [2, 12]; j0 lost 3*2 = 6 GPU-s
			// and restarts when j2 ends: [12, 112].
			name: "victim order: a tie from the start goes to the lower owner", opt: pool,
			c:     poolCluster([]ownerSpec{{"a", 1, 2}, {"b", 1, 2}, {"c", 1, 4}}, 1, 8),
			jobs:  []jobSpec{{"a", 0, 3, 100, 0}, {"b", 1, 3, 100, 0}, {"c", 2, 4, 10, 0}},
			start: []float64{12, 1, 2}, end: []float64{112, 101, 12}, preemptions: 1, lostGPUS: 6,
		},
		{
			// Quotas 4 and 4 on a 4-GPU farm: both in quota, nobody borrows, nothing to preempt.
			// j1 waits from 10 to 100: 90 s > 60 s grace, one violation for b.
			name: "guarantee violation", c: poolCluster(two, 1, 4), opt: sim.Options{Placement: sim.PlacementPool, Quota: sim.Quota{Quotas: map[string]int{"a": 4, "b": 4}}},
			jobs:  []jobSpec{{"a", 0, 4, 100, 0}, {"b", 10, 4, 10, 0}},
			start: []float64{0, 100}, end: []float64{100, 110}, violations: map[string]int{"b": 1},
		},
		{
			// The same with a 100 s grace: no violation.
			name: "wait within grace", c: poolCluster(two, 1, 4), opt: sim.Options{Placement: sim.PlacementPool, Quota: sim.Quota{Quotas: map[string]int{"a": 4, "b": 4}, GraceS: 100}},
			jobs:  []jobSpec{{"a", 0, 4, 100, 0}, {"b", 10, 4, 10, 0}},
			start: []float64{0, 100}, end: []float64{100, 110},
		},
		{
			// Without borrowing j0 (4 GPUs, quota 2) can never run: infeasible. j1 runs at once.
			name: "no borrowing", c: poolCluster(two, 1, 4), jobs: borrowThenReclaim,
			opt:   sim.Options{Placement: sim.PlacementPool, Quota: sim.Quota{NoBorrow: true}},
			start: []float64{nan, 10}, end: []float64{nan, 60},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var names []string
			for _, o := range tc.c.Owners {
				names = append(names, o.Name)
			}
			r := run(t, tc.c, workload(names, tc.jobs), "quota", tc.opt)
			checkTimes(t, r, tc.start, tc.end, 1e-9)
			if r.Preemptions != tc.preemptions {
				t.Errorf("preemptions %d, want %d", r.Preemptions, tc.preemptions)
			}
			if !near(r.LostGPUHours, tc.lostGPUS/3600, 1e-12) {
				t.Errorf("lost %v GPU-h, want %v", r.LostGPUHours, tc.lostGPUS/3600)
			}
			total := 0
			for _, name := range names {
				row := ownerRow(t, r, name)
				total += row.GuaranteeViolations
				if row.GuaranteeViolations != tc.violations[name] {
					t.Errorf("owner %s: %d violations, want %d", name, row.GuaranteeViolations, tc.violations[name])
				}
			}
			if r.GuaranteeViolations != total {
				t.Errorf("%d violations in total, owners sum to %d", r.GuaranteeViolations, total)
			}
		})
	}
}

// randomJobs draws n jobs over the given owners: sizes up to maxG, integer submits (ties) and
// durations (zero-length jobs included).
func randomJobs(seed uint64, owners []string, n int, maxG int, gap float64) *gpuplan.Workload {
	rng := rand.New(rand.NewPCG(seed, 0x9407a))
	w := &gpuplan.Workload{Owners: owners}
	t := 0.0
	for i := range n {
		t += math.Round(rng.ExpFloat64() * gap)
		w.Jobs = append(w.Jobs, gpuplan.Job{ID: jobID(i), Owner: int32(rng.IntN(len(owners))), Group: -1, Submit: t,
			GPUs: int32(rng.IntN(maxG + 1)), Duration: math.Round(rng.ExpFloat64() * 60)})
	}
	return w
}

func sameTimes(t *testing.T, got, want *sim.Result) {
	t.Helper()
	bad := 0
	for i := range want.Start {
		same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
		if !same(got.Start[i], want.Start[i]) || !same(got.End[i], want.End[i]) {
			if bad++; bad <= 5 {
				t.Errorf("job %d: %s runs [%v, %v], %s [%v, %v]", i, got.Name, got.Start[i], got.End[i], want.Name, want.Start[i], want.End[i])
			}
		}
	}
	if got.Jobs != want.Jobs {
		t.Errorf("jobs %+v, %s has %+v", got.Jobs, want.Name, want.Jobs)
	}
}

// TestQuotaNoBorrowEqualsFragmented: without borrowing every owner runs first-come-first-served
// within their quota, which on a farm as large as the labs is their private pool: the same start
// and end for every job (infeasible ones included), whatever the load.
func TestQuotaNoBorrowEqualsFragmented(t *testing.T) {
	owners := []ownerSpec{{"a", 1, 2}, {"b", 2, 4}, {"c", 1, 8}, {"d", 3, 1}}
	c := poolCluster(owners, 1, 2+8+8+3)
	names := []string{"a", "b", "c", "d"}
	opt := sim.Options{Placement: sim.PlacementPool}
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		for _, gap := range []float64{2, 10} {
			t.Run(fmt.Sprintf("seed%d/gap%g", seed, gap), func(t *testing.T) {
				w := randomJobs(seed, names, 600, 9, gap)
				frag := run(t, c, w, "fragmented", opt)
				noBorrow := opt
				noBorrow.Quota.NoBorrow = true
				q := run(t, c, w, "quota", noBorrow)
				sameTimes(t, q, frag)
				if q.Preemptions != 0 {
					t.Errorf("%d preemptions without borrowing", q.Preemptions)
				}
			})
		}
	}
}

// TestQuotaNonBindingEqualsEasy: when every owner's quota covers all they ever ask for (running
// and waiting together), no job is ever over quota, nobody borrows, and quota decides exactly as
// easy, with either placement and over-estimates.
func TestQuotaNonBindingEqualsEasy(t *testing.T) {
	owners := []ownerSpec{{"a", 1, 2}, {"b", 1, 2}, {"c", 1, 2}}
	c := poolCluster(owners, 3, 8) // 24 GPUs
	names := []string{"a", "b", "c"}
	huge := map[string]int{"a": 1 << 30, "b": 1 << 30, "c": 1 << 30} // beyond any backlog
	for _, opt := range []sim.Options{
		{Placement: sim.PlacementPool, Quota: sim.Quota{Quotas: huge}},
		{Placement: sim.PlacementNodes, Quota: sim.Quota{Quotas: huge}},
		{Placement: sim.PlacementNodes, EstimateFactor: 1.5, Quota: sim.Quota{Quotas: huge}},
	} {
		for _, seed := range []uint64{1, 2, 3} {
			t.Run(fmt.Sprintf("placement%d/factor%g/seed%d", opt.Placement, opt.EstimateFactor, seed), func(t *testing.T) {
				w := randomJobs(seed, names, 800, 20, 3)
				sameTimes(t, run(t, c, w, "quota", opt), run(t, c, w, "easy", opt))
			})
		}
	}
}

// TestQuotaOptionsInvalid: bad quota and fair-share options are ErrInvalidOptions naming the field
// or owner.
func TestQuotaOptionsInvalid(t *testing.T) {
	c := poolCluster([]ownerSpec{{"a", 1, 2}}, 1, 2)
	w := workload([]string{"a"}, []jobSpec{{"a", 0, 1, 1, 0}})
	cases := []struct {
		name    string
		opt     sim.Options
		mention string
	}{
		{"negative checkpoint", sim.Options{Quota: sim.Quota{CheckpointS: -1}}, "checkpoint_s"},
		{"NaN overhead", sim.Options{Quota: sim.Quota{RestartOverheadS: math.NaN()}}, "restart_overhead_s"},
		{"infinite half-life", sim.Options{FairShare: sim.FairShare{HalfLifeS: math.Inf(1)}}, "fairshare_half_life_s"},
		{"negative grace", sim.Options{Quota: sim.Quota{GraceS: -3}}, "quota_grace_s"},
		{"quota for a stranger", sim.Options{Quota: sim.Quota{Quotas: map[string]int{"zed": 1}}}, "zed"},
		{"negative quota", sim.Options{Quota: sim.Quota{Quotas: map[string]int{"a": -1}}}, `"a"`},
		{"NaN share", sim.Options{FairShare: sim.FairShare{Shares: map[string]float64{"a": math.NaN()}}}, `"a"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, policy := range []string{"quota", "fairshare"} {
				_, err := sim.Run(c, w, policy, tc.opt)
				if !errors.Is(err, sim.ErrInvalidOptions) || !strings.Contains(fmt.Sprint(err), tc.mention) {
					t.Errorf("%s: error %v, want ErrInvalidOptions mentioning %s", policy, err, tc.mention)
				}
			}
		})
	}
}
