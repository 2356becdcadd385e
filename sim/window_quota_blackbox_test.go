package sim_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// quotaWindowCase is one steady-state window over a hand-derived quota schedule and the
// preemption and guarantee figures it must report, per owner.
type quotaWindowCase struct {
	name        string
	measure     sim.Measure
	preemptions map[string]int
	lostGPUS    map[string]float64 // GPU-seconds
	violations  map[string]int
	workGPUS    float64 // GPU-seconds of work delivered in the window (Result.GPUHours)
}

// TestQuotaWindowHandSchedules: preemption figures over steady-state windows, on two schedules
// derived by hand. The farm is 4 GPUs, pool placement, owners a and b.
//
// Preemptions (quotas a 2, b 2; checkpoints every 10 s of useful work, restart overhead 5 s). j0
// (a, 4 GPUs, 100 s) borrows the farm at 0; b's 2-GPU jobs, in quota, preempt it on arrival:
//   - at 25 (j1, 20 s): 25 s done, 20 saved; lost the tail [20, 25]: 4*5 = 20 GPU-s. j1 runs
//     [25, 45]; j0 needs 5 + 80 = 85 s and restarts at 45.
//   - at 63 (j2, 10 s): 18 s done, of them 5 overhead [45, 50] and 13 useful; saved 30 (10 more),
//     so the tail [60, 63] is lost: 4*(5+3) = 32 GPU-s. j2 runs [63, 73]; j0 needs 5 + 70 = 75 s
//     and restarts at 73.
//   - at 100 (j3, 10 s): 27 s done: overhead [73, 78], 22 useful, saved 50 (20 more), tail
//     [98, 100]: 4*(5+2) = 28 GPU-s. j3 runs [100, 110]; j0 needs 5 + 50 = 55 s: [110, 165],
//     whose overhead [110, 115] is lost too: 20 GPU-s.
//
// Work is delivered where it is done: j0's runs keep [0, 20], [50, 60] and [78, 98] (checkpointed,
// 4 GPU-s per second) and its last run delivers [115, 165]; j1, j2 and j3 deliver 2 GPU-s per
// second of their runs. Every second a GPU runs is delivered or lost, so in every window
// delivered + lost is the GPU time allocated (utilization*GPUs*window).
//
// The whole run loses 100 GPU-s in 3 preemptions. A window counts the preemptions that happen in
// [from, to) and the lost GPU-seconds inside [from, to]: every lost span above is at full speed,
// 4 GPU-s per second. Nobody waits in quota: no violation.
//
// Violations (quotas a 4, b 4: nobody borrows, nothing to preempt; grace 60 s). j0 (a, 4, 100 s)
// runs [0, 100]. j1 (b, submitted at 10, 4 GPUs, 100 s) is in quota at once and starts at 100: 90
// s > 60, a violation. j2 (a, 120, 4, 10 s) is in quota at 120 (a holds nothing) and starts when
// j1 ends at 200: 80 s, a violation. j3 (b, 130, 4, 10 s) is over quota until j1 ends (b holds 4),
// its clock starts at 200 and it starts at 210: 10 s, none. A window counts the violations of the
// jobs submitted in it, wherever they start.
func TestQuotaWindowHandSchedules(t *testing.T) {
	two := []ownerSpec{{"a", 1, 2}, {"b", 1, 2}}
	c := poolCluster(two, 1, 4)
	names := []string{"a", "b"}
	schedules := []struct {
		name       string
		jobs       []jobSpec
		opt        sim.Options
		start, end []float64
		windows    []quotaWindowCase
	}{
		{
			name:  "preemptions",
			jobs:  []jobSpec{{"a", 0, 4, 100, 0}, {"b", 25, 2, 20, 0}, {"b", 63, 2, 10, 0}, {"b", 100, 2, 10, 0}},
			opt:   sim.Options{Placement: sim.PlacementPool, Quota: sim.Quota{CheckpointS: 10, RestartOverheadS: 5}},
			start: []float64{110, 25, 63, 100}, end: []float64{165, 45, 73, 110},
			windows: []quotaWindowCase{
				{name: "whole run", preemptions: map[string]int{"a": 3}, lostGPUS: map[string]float64{"a": 100}, workGPUS: 480},
				// Everything: a window past the end equals the whole run.
				{name: "0..1000", measure: sim.Measure{ToS: 1000}, preemptions: map[string]int{"a": 3}, lostGPUS: map[string]float64{"a": 100}, workGPUS: 480},
				// Only the preemption at 63: its overhead and tail (32), the third run's overhead
				// (20) and [98, 99] of its tail (4).
				{name: "30..99", measure: sim.Measure{FromS: 30, ToS: 99}, preemptions: map[string]int{"a": 1}, lostGPUS: map[string]float64{"a": 56}, workGPUS: 170},
				// All three preemptions; [22, 25] of the first tail (12), 32, 28, and [110, 112]
				// of the last overhead (8).
				{name: "22..112", measure: sim.Measure{FromS: 22, ToS: 112}, preemptions: map[string]int{"a": 3}, lostGPUS: map[string]float64{"a": 80}, workGPUS: 200},
				// Preemptions at 63 and 100, not 110's overhead: 32 + 28.
				{name: "26..110", measure: sim.Measure{FromS: 26, ToS: 110}, preemptions: map[string]int{"a": 2}, lostGPUS: map[string]float64{"a": 60}, workGPUS: 198},
				// The window ends at the first preemption: it is not counted, its lost tail is.
				{name: "0..25", measure: sim.Measure{ToS: 25}, lostGPUS: map[string]float64{"a": 20}, workGPUS: 80},
				// The window starts at it: counted, while its tail lies before the window.
				{name: "25..end", measure: sim.Measure{FromS: 25}, preemptions: map[string]int{"a": 3}, lostGPUS: map[string]float64{"a": 80}, workGPUS: 400},
				// Drain only: the last restart's overhead.
				{name: "101..end", measure: sim.Measure{FromS: 101}, lostGPUS: map[string]float64{"a": 20}, workGPUS: 218},
				// Between losses: nothing.
				{name: "79..97", measure: sim.Measure{FromS: 79, ToS: 97}, workGPUS: 72},
			},
		},
		{
			name:  "violations",
			jobs:  []jobSpec{{"a", 0, 4, 100, 0}, {"b", 10, 4, 100, 0}, {"a", 120, 4, 10, 0}, {"b", 130, 4, 10, 0}},
			opt:   sim.Options{Placement: sim.PlacementPool, Quota: sim.Quota{Quotas: map[string]int{"a": 4, "b": 4}}},
			start: []float64{0, 100, 200, 210}, end: []float64{100, 200, 210, 220},
			windows: []quotaWindowCase{
				{name: "whole run", violations: map[string]int{"a": 1, "b": 1}, workGPUS: 880},
				// j1's violation happens at 100, but j1 was submitted at 10: it is this window's.
				{name: "0..100", measure: sim.Measure{ToS: 100}, violations: map[string]int{"b": 1}, workGPUS: 400},
				{name: "100..end", measure: sim.Measure{FromS: 100}, violations: map[string]int{"a": 1}, workGPUS: 480},
				{name: "11..125", measure: sim.Measure{FromS: 11, ToS: 125}, violations: map[string]int{"a": 1}, workGPUS: 456},
				{name: "125..end", measure: sim.Measure{FromS: 125}, workGPUS: 380},
			},
		},
	}
	const tol = 1e-12 // relative, on GPU-hours; counts are exact
	for _, s := range schedules {
		w := workload(names, s.jobs)
		for _, wc := range s.windows {
			t.Run(s.name+"/"+wc.name, func(t *testing.T) {
				opt := s.opt
				opt.Measure = wc.measure
				r := run(t, c, w, "quota", opt)
				checkTimes(t, r, s.start, s.end, 1e-9)
				var pre, viol int
				var lost float64
				for _, name := range names {
					row := ownerRow(t, r, name)
					if row.Preemptions != wc.preemptions[name] {
						t.Errorf("owner %s: %d preemptions, want %d", name, row.Preemptions, wc.preemptions[name])
					}
					if want := wc.lostGPUS[name] / 3600; !near(row.LostGPUHours, want, tol) {
						t.Errorf("owner %s: lost %v GPU-h, want %v", name, row.LostGPUHours, want)
					}
					if row.GuaranteeViolations != wc.violations[name] {
						t.Errorf("owner %s: %d violations, want %d", name, row.GuaranteeViolations, wc.violations[name])
					}
					pre += wc.preemptions[name]
					viol += wc.violations[name]
					lost += wc.lostGPUS[name]
				}
				if r.Preemptions != pre {
					t.Errorf("preemptions %d, want %d", r.Preemptions, pre)
				}
				if !near(r.LostGPUHours, lost/3600, tol) {
					t.Errorf("lost %v GPU-h, want %v", r.LostGPUHours, lost/3600)
				}
				if r.GuaranteeViolations != viol {
					t.Errorf("violations %d, want %d", r.GuaranteeViolations, viol)
				}
				if !near(r.GPUHours, wc.workGPUS/3600, tol) {
					t.Errorf("delivered %v GPU-h, want %v", r.GPUHours, wc.workGPUS/3600)
				}
				if ran := r.Utilization * float64(r.GPUs) * r.WindowS / 3600; !near(r.GPUHours+r.LostGPUHours, ran, tol) {
					t.Errorf("delivered %v + lost %v GPU-h, but %v GPU-h allocated", r.GPUHours, r.LostGPUHours, ran)
				}
			})
		}
	}
}

// quotaFigures are a result's preemption figures, total and per owner (owners in Workload order).
type quotaFigures struct {
	pre, viol       int
	lost            float64 // GPU-hours
	ownPre, ownViol []int
	ownLost         []float64
}

func figuresOf(r *sim.Result) quotaFigures {
	f := quotaFigures{pre: r.Preemptions, viol: r.GuaranteeViolations, lost: r.LostGPUHours}
	for _, o := range r.Owners {
		f.ownPre = append(f.ownPre, o.Preemptions)
		f.ownViol = append(f.ownViol, o.GuaranteeViolations)
		f.ownLost = append(f.ownLost, o.LostGPUHours)
	}
	return f
}

// TestQuotaWindowInvariants, on random contended quota runs (three owners guaranteed 7 GPUs each of
// a 16-GPU farm, so that both preemptions and violations happen; checkpoints and restart
// overheads; with and without a throttling power cap):
//   - a window that covers the whole run gives exactly the whole run's figures, bit for bit;
//   - per-owner figures sum to the totals in every window (counts exactly, GPU-hours within 1e-9
//     relative);
//   - two adjacent windows [0, m) and [m, end) add up to the whole run: preemptions and violations
//     exactly (each event, each measured job, is in exactly one), lost GPU-hours within 1e-9
//     relative (an integral split at m);
//   - so do delivered GPU-hours (within 1e-9 relative);
//   - delivered plus lost GPU time is the GPU time allocated in every window at full speed (within
//     1e-9 relative), and at most that under the throttling cap (work runs slower than time).
func TestQuotaWindowInvariants(t *testing.T) {
	names := []string{"a", "b", "c"}
	owners := []ownerSpec{{"a", 1, 4}, {"b", 1, 6}, {"c", 1, 6}}
	const relTol = 1e-9
	for _, capped := range []bool{false, true} {
		for _, seed := range []uint64{1, 2, 3, 4} {
			t.Run(fmt.Sprintf("capped=%v/seed%d", capped, seed), func(t *testing.T) {
				c := poolCluster(owners, 2, 8)
				if capped {
					// 16 GPUs at 500 W busy, 70 W idle, PUE 1.3: about 10.4 kW all busy; 6 kW throttles.
					c.Sites[1].CapW, c.Sites[1].CapMode = 6000, gpuplan.CapThrottle
					c.GPUTypes[0].Perf = []gpuplan.PerfPoint{{F: 0.3, Perf: 0.3}, {F: 0.5, Perf: 0.6}, {F: 1, Perf: 1}}
				}
				// Load about 1.3: jobs of 1 to 8 GPUs (4.5 on average) for 20 s + about 300 s, one
				// every 70 s on average.
				rng := rand.New(rand.NewPCG(seed, 0x3a1d))
				w := &gpuplan.Workload{Owners: names}
				at := 0.0
				for i := range 800 {
					at += math.Round(rng.ExpFloat64() * 70)
					w.Jobs = append(w.Jobs, gpuplan.Job{ID: jobID(i), Owner: int32(rng.IntN(len(names))), Group: -1, Submit: at,
						GPUs: 1 + int32(rng.IntN(8)), Duration: 20 + math.Round(rng.ExpFloat64()*300)})
				}
				opt := sim.Options{Placement: sim.PlacementPool, Quota: sim.Quota{
					Quotas: map[string]int{"a": 7, "b": 7, "c": 7}, CheckpointS: 30, RestartOverheadS: 7, GraceS: 20}}
				whole := run(t, c, w, "quota", opt)
				if whole.Preemptions < 10 || whole.GuaranteeViolations < 5 {
					t.Fatalf("too little contention to test: %d preemptions, %d violations", whole.Preemptions, whole.GuaranteeViolations)
				}
				if capped && !(whole.CapTimeShare > 0.1) {
					t.Fatalf("the cap binds %.3g of the time: the throttled case tests nothing", whole.CapTimeShare)
				}
				t.Logf("%d preemptions, %d violations, %v GPU-h lost, cap time %v", whole.Preemptions, whole.GuaranteeViolations, whole.LostGPUHours, whole.CapTimeShare)
				all := figuresOf(whole)
				checkOwnerSums(t, "whole run", all, relTol)

				cover := opt
				cover.Measure = sim.Measure{ToS: whole.MakespanS + 1}
				if got := figuresOf(run(t, c, w, "quota", cover)); !equalFigures(got, all) {
					t.Errorf("a window covering the run: %+v, the whole run %+v", got, all)
				}

				for range 5 {
					m := math.Round(rng.Float64() * whole.MakespanS)
					if m == 0 {
						continue
					}
					o1, o2 := opt, opt
					o1.Measure = sim.Measure{ToS: m}
					o2.Measure = sim.Measure{FromS: m}
					r1, r2 := run(t, c, w, "quota", o1), run(t, c, w, "quota", o2)
					f1, f2 := figuresOf(r1), figuresOf(r2)
					checkOwnerSums(t, fmt.Sprintf("0..%g", m), f1, relTol)
					checkOwnerSums(t, fmt.Sprintf("%g..end", m), f2, relTol)
					if f1.pre+f2.pre != all.pre || f1.viol+f2.viol != all.viol || !near(f1.lost+f2.lost, all.lost, relTol) {
						t.Errorf("split at %g: %d+%d preemptions, %d+%d violations, %v+%v GPU-h lost; whole run %d, %d, %v",
							m, f1.pre, f2.pre, f1.viol, f2.viol, f1.lost, f2.lost, all.pre, all.viol, all.lost)
					}
					for i, name := range names {
						if f1.ownPre[i]+f2.ownPre[i] != all.ownPre[i] || f1.ownViol[i]+f2.ownViol[i] != all.ownViol[i] ||
							!near(f1.ownLost[i]+f2.ownLost[i], all.ownLost[i], relTol) {
							t.Errorf("split at %g, owner %s: halves do not add up to the whole run", m, name)
						}
					}
					if !near(r1.GPUHours+r2.GPUHours, whole.GPUHours, relTol) {
						t.Errorf("split at %g: %v + %v GPU-h delivered, whole run %v", m, r1.GPUHours, r2.GPUHours, whole.GPUHours)
					}
					for _, r := range []*sim.Result{whole, r1, r2} {
						ran := r.Utilization * float64(r.GPUs) * r.WindowS / 3600
						if got := r.GPUHours + r.LostGPUHours; !capped && !near(got, ran, relTol) || got > ran*(1+relTol) {
							t.Errorf("window %+v: %v GPU-h delivered + %v lost against %v allocated", r.Window, r.GPUHours, r.LostGPUHours, ran)
						}
					}
				}
			})
		}
	}
}

func checkOwnerSums(t *testing.T, what string, f quotaFigures, tol float64) {
	t.Helper()
	var pre, viol int
	var lost float64
	for i := range f.ownPre {
		pre += f.ownPre[i]
		viol += f.ownViol[i]
		lost += f.ownLost[i]
	}
	if pre != f.pre || viol != f.viol || !near(lost, f.lost, tol) {
		t.Errorf("%s: owners sum to %d preemptions, %d violations, %v GPU-h lost; totals %d, %d, %v",
			what, pre, viol, lost, f.pre, f.viol, f.lost)
	}
}

func equalFigures(a, b quotaFigures) bool {
	if a.pre != b.pre || a.viol != b.viol || a.lost != b.lost || len(a.ownPre) != len(b.ownPre) {
		return false
	}
	for i := range a.ownPre {
		if a.ownPre[i] != b.ownPre[i] || a.ownViol[i] != b.ownViol[i] || a.ownLost[i] != b.ownLost[i] {
			return false
		}
	}
	return true
}
