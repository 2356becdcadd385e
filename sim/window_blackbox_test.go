package sim_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// The two-world case measured by hand. Alice and Bob hold 2 GPUs each at a lab (PUE 1.5, one
// 2-GPU node each drawing 100 W beyond its GPUs); the farm is one 4-GPU node (200 W) at PUE 1.2.
// A GPU idles at 50 W and draws 300 W busy. Alice submits three 2-GPU jobs of 1 h at 0 and a
// 1-GPU job of 30 min at 1.5 h; Bob a 1-GPU job of 1 h at 0.
//
// fragmented: a0 [0, 1h], a1 [1h, 2h], a2 [2h, 3h], a3 waits for a2: [3h, 3.5h]; b0 [0, 1h].
// fifo:       a0, a1 [0, 1h]; a2, b0 [1h, 2h] (head-of-line); a3 [1.5h, 2h].
// The farm is done at 2 h, fragmented at 3.5 h: both are measured over [0, 3.5 h].
const (
	wIdle, wBusy       = 50.0, 300.0
	labNodeW, farmNdW  = 100.0, 200.0
	labPUE, farmPUE    = 1.5, 1.2
	krwPerKWh, krwKWMo = 200.0, 7000.0
	kgPerKWh           = 0.5
	hourS              = 3600.0
	monthS             = 30.44 * 86400
)

type twoWorldJob struct {
	owner        int32
	submit, dur  float64
	gpus         int32
	startF, endF float64 // fragmented
	startP, endP float64 // fifo on the farm
}

var twoWorldJobs = []twoWorldJob{
	{0, 0, hourS, 2, 0, hourS, 0, hourS},
	{0, 0, hourS, 2, hourS, 2 * hourS, 0, hourS},
	{0, 0, hourS, 2, 2 * hourS, 3 * hourS, hourS, 2 * hourS},
	{1, 0, hourS, 1, 0, hourS, hourS, 2 * hourS},
	{0, 1.5 * hourS, 0.5 * hourS, 1, 3 * hourS, 3.5 * hourS, 1.5 * hourS, 2 * hourS},
}

func twoWorldCase(idleOffS float64) (*gpuplan.Cluster, *gpuplan.Workload) {
	gpu := gpuplan.GPUType{Name: "g", TDPW: 400, IdleW: wIdle, BusyW: wBusy, MinLimit: 0.5}
	lab := []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 2, GPUType: "g", NodeW: labNodeW}}
	c := &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{gpu},
		Sites:    []gpuplan.Site{{Name: "lab", PUE: labPUE}, {Name: "farm", PUE: farmPUE}},
		Owners:   []gpuplan.Owner{{Name: "alice", Site: "lab", Nodes: lab}, {Name: "bob", Site: "lab", Nodes: lab}},
		Farm:     gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 4, GPUType: "g", NodeW: farmNdW}}, IdleOffS: idleOffS},
	}
	w := &gpuplan.Workload{Owners: []string{"alice", "bob"}}
	for i, j := range twoWorldJobs {
		w.Jobs = append(w.Jobs, gpuplan.Job{ID: fmt.Sprint("j", i), Owner: j.owner, Group: -1, Submit: j.submit, GPUs: j.gpus, Duration: j.dur})
	}
	return c, w
}

// twoWorldForm is one world's figures over [a, b] from the schedule: IT energy is
// idle*G*T + (busy-idle)*sum(g*d) + node*N*T with d each run's overlap with the window and T the
// time the nodes are powered in it, facility energy that times PUE.
type twoWorldForm struct {
	itKWh, facKWh, util, gpuH, costKRW, kgCO2, peakKW float64
	jobs                                              int
	meanWait                                          float64
}

func closed(farm bool, a, b, poweredTo float64) twoWorldForm {
	G, N, nodeW, pue := 4.0, 2.0, labNodeW, labPUE
	if farm {
		N, nodeW, pue = 1, farmNdW, farmPUE
	}
	T := b - a
	powered := min(b, poweredTo) - a
	var gd float64
	var waits []float64
	for _, j := range twoWorldJobs {
		st, en := j.startF, j.endF
		if farm {
			st, en = j.startP, j.endP
		}
		gd += float64(j.gpus) * max(0, min(en, b)-max(st, a))
		if j.submit >= a && (b >= 3.5*hourS || j.submit < b) {
			waits = append(waits, st-j.submit)
		}
	}
	it := (wIdle*G*powered + (wBusy-wIdle)*gd + nodeW*N*powered) / 3.6e6
	// The peak is at the start in both worlds, and again later in the farm: fragmented runs 3 of
	// its 4 GPUs at 0, the farm all 4.
	busyAtPeak := 3.0
	if farm {
		busyAtPeak = 4
	}
	peakKW := pue * (wIdle*G + (wBusy-wIdle)*busyAtPeak + nodeW*N) / 1000
	cf := twoWorldForm{itKWh: it, facKWh: pue * it, util: gd / (G * T), gpuH: gd / 3600, peakKW: peakKW, jobs: len(waits)}
	cf.costKRW = cf.facKWh*krwPerKWh + krwKWMo*peakKW*T/monthS
	cf.kgCO2 = cf.facKWh * kgPerKWh
	if len(waits) > 0 {
		cf.meanWait = mean(waits)
	}
	return cf
}

func TestWindowClosedForm(t *testing.T) {
	const end = 3.5 * hourS
	prices := sim.Prices{KRWPerKWh: krwPerKWh, KRWPerKWMonth: krwKWMo, KgCO2PerKWh: kgPerKWh}
	cases := []struct {
		name     string
		measure  sim.Measure
		idleOffS float64
		a, b     float64 // the window, absolute
		offAt    float64 // the farm node powers off then (never: +Inf)
		steady   bool
		tol      float64
	}{
		{"common window", sim.Measure{}, 0, 0, end, math.Inf(1), false, 1e-12},
		{"steady state", sim.Measure{FromS: 1800, ToS: 9000}, 0, 1800, 9000, math.Inf(1), true, 1e-12},
		{"steady state to the end", sim.Measure{FromS: 1800}, 0, 1800, end, math.Inf(1), true, 1e-12},
		{"window beyond the last completion", sim.Measure{FromS: 1800, ToS: 5 * hourS}, 0, 1800, 5 * hourS, math.Inf(1), true, 1e-12},
		// The farm's node powers off 10 min after its last job: it draws nothing from 2 h 10 min.
		{"common window, power-off", sim.Measure{}, 600, 0, end, 2*hourS + 600, false, 1e-12},
		{"steady state, power-off", sim.Measure{FromS: 1800, ToS: 9000}, 600, 1800, 9000, 2*hourS + 600, true, 1e-12},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, w := twoWorldCase(tc.idleOffS)
			opt := sim.Options{Placement: sim.PlacementPool, Prices: prices, Measure: tc.measure}
			if tc.idleOffS > 0 {
				opt.Placement = sim.PlacementNodes
			}
			rs, err := sim.RunAll(c, w, []string{"fragmented", "fifo"}, opt)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range rs {
				farm := i == 1
				poweredTo := math.Inf(1)
				if farm {
					poweredTo = tc.offAt
				}
				want := closed(farm, tc.a, tc.b, poweredTo)
				makespan := end
				if farm {
					makespan = 2 * hourS
				}
				for _, x := range []struct {
					what      string
					got, want float64
				}{
					{"window_s", r.WindowS, tc.b - tc.a},
					{"makespan_s", r.MakespanS, makespan},
					{"from_s", r.Window.FromS, tc.a},
					{"to_s", r.Window.ToS, tc.b},
					{"IT energy", r.EnergyKWh.IT, want.itKWh},
					{"facility energy", r.EnergyKWh.Facility, want.facKWh},
					{"utilization", r.Utilization, want.util},
					{"GPU-hours", r.GPUHours, want.gpuH},
					{"peak kW", r.PeakPowerKW, want.peakKW},
					{"cost", r.CostKRW, want.costKRW},
					{"emissions", r.EmissionsKgCO2, want.kgCO2},
					{"kWh per GPU-hour", *r.KWhPerGPUHour, want.facKWh / want.gpuH},
					{"KRW per GPU-hour", *r.KRWPerGPUHour, want.costKRW / want.gpuH},
					{"jobs measured", float64(r.Jobs.Submitted), float64(want.jobs)},
					{"mean wait", r.WaitS.Mean, want.meanWait},
				} {
					if !near(x.got, x.want, tc.tol) {
						t.Errorf("%s: %s %.12g, want %.12g", r.Name, x.what, x.got, x.want)
					}
				}
				if r.Window.SteadyState != tc.steady {
					t.Errorf("%s: steady state %v, want %v", r.Name, r.Window.SteadyState, tc.steady)
				}
				// The timeline spans the window and its power never exceeds the peak.
				tl := r.Timeline
				if tl.T[0] != tc.a || tl.T[len(tl.T)-1] != tc.b || slices.Max(tl.PowerKW) > r.PeakPowerKW*(1+1e-12) {
					t.Errorf("%s: timeline [%g, %g] max %g kW, window [%g, %g] peak %g kW", r.Name, tl.T[0], tl.T[len(tl.T)-1], slices.Max(tl.PowerKW), tc.a, tc.b, r.PeakPowerKW)
				}
			}
		})
	}
}

// TestWindowSharedAcrossPolicies checks, on random workloads, that every policy of a RunAll is
// measured over one window that ends at the latest makespan, and that measuring a world over a
// longer window adds exactly its idle draw for the extra time.
func TestWindowSharedAcrossPolicies(t *testing.T) {
	for seed := range uint64(5) {
		rng := rand.New(rand.NewPCG(seed, 7))
		c, w := twoWorldCase(0)
		w.Jobs = nil
		for i := range 60 {
			w.Jobs = append(w.Jobs, gpuplan.Job{ID: fmt.Sprint("j", i), Owner: int32(rng.IntN(2)), Group: -1,
				Submit: float64(rng.IntN(20)) * 600, GPUs: int32(1 + rng.IntN(2)), Duration: float64(1+rng.IntN(12)) * 300})
		}
		opt := sim.Options{Placement: sim.PlacementPool}
		rs, err := sim.RunAll(c, w, sim.Policies(), opt)
		if err != nil {
			t.Fatal(err)
		}
		var longest float64
		for _, r := range rs {
			longest = max(longest, r.MakespanS)
		}
		for _, r := range rs {
			if r.WindowS != longest || r.Window.ToS != longest || r.Window.FromS != 0 {
				t.Errorf("seed %d %s: window %g [%g, %g], want [0, %g]", seed, r.Name, r.WindowS, r.Window.FromS, r.Window.ToS, longest)
			}
			alone, err := sim.Run(c, w, r.Name, opt)
			if err != nil {
				t.Fatal(err)
			}
			if alone.WindowS != alone.MakespanS || alone.MakespanS != r.MakespanS {
				t.Errorf("seed %d %s: alone window %g makespan %g, together makespan %g", seed, r.Name, alone.WindowS, alone.MakespanS, r.MakespanS)
			}
			// Idle IT draw of the world: every GPU idle, every node on.
			idleW := 4*wIdle + 2*labNodeW
			if r.Name != "fragmented" {
				idleW = 4*wIdle + farmNdW
			}
			extra := idleW * (r.WindowS - alone.WindowS) / 3.6e6
			if !near(r.EnergyKWh.IT, alone.EnergyKWh.IT+extra, 1e-9) {
				t.Errorf("seed %d %s: IT energy %g, alone %g + idle %g", seed, r.Name, r.EnergyKWh.IT, alone.EnergyKWh.IT, extra)
			}
			if !near(r.Utilization*r.WindowS, alone.Utilization*alone.WindowS, 1e-9) || r.GPUHours != alone.GPUHours {
				t.Errorf("seed %d %s: busy GPU-seconds differ: %g vs %g", seed, r.Name, r.Utilization*r.WindowS, alone.Utilization*alone.WindowS)
			}
		}
	}
}

// TestWaitCDF checks wait_cdf_s against numpy's percentiles over the measured jobs, and its ends
// against the summary.
func TestWaitCDF(t *testing.T) {
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 11))
		c, w := twoWorldCase(0)
		w.Jobs = nil
		n := 40 + rng.IntN(400)
		for i := range n {
			w.Jobs = append(w.Jobs, gpuplan.Job{ID: fmt.Sprint("j", i), Owner: int32(rng.IntN(2)), Group: -1,
				Submit: rng.Float64() * 40 * hourS, GPUs: int32(1 + rng.IntN(2)), Duration: rng.ExpFloat64() * hourS})
		}
		slices.SortFunc(w.Jobs, func(a, b gpuplan.Job) int { return cmp.Compare(a.Submit, b.Submit) })
		m := sim.Measure{FromS: 5 * hourS, ToS: 30 * hourS}
		r := run(t, c, w, "fragmented", sim.Options{Placement: sim.PlacementPool, Measure: m})
		var waits []float64
		for i, j := range w.Jobs {
			if s := j.Submit - w.Jobs[0].Submit; s >= m.FromS && s < m.ToS && !math.IsNaN(r.Start[i]) {
				waits = append(waits, r.Start[i]-j.Submit)
			}
		}
		if len(r.WaitCDFS) != 101 || r.Jobs.Completed != len(waits) {
			t.Fatalf("seed %d: %d percentiles over %d jobs, want 101 over %d", seed, len(r.WaitCDFS), r.Jobs.Completed, len(waits))
		}
		for q, got := range r.WaitCDFS {
			if want := numpyPercentile(waits, float64(q)/100); !near(got, want, 1e-9) {
				t.Errorf("seed %d: p%d %g, want %g", seed, q, got, want)
			}
		}
		if r.WaitCDFS[100] != r.WaitS.Max || r.WaitCDFS[95] != r.WaitS.P95 || !slices.IsSorted(r.WaitCDFS) {
			t.Errorf("seed %d: cdf ends %g, %g against max %g, p95 %g", seed, r.WaitCDFS[100], r.WaitCDFS[95], r.WaitS.Max, r.WaitS.P95)
		}
	}
}

// TestResultJSONNulls checks that figures with no input behind them are null in JSON, and that
// power_cap_kw sums the caps of the sites a world uses.
func TestResultJSONNulls(t *testing.T) {
	c, w := twoWorldCase(0)
	c.Sites[1].CapW, c.Sites[1].CapMode = 5000, gpuplan.CapQueue
	cases := []struct {
		name           string
		prices         sim.Prices
		policy         string
		cost, co2, cap bool // not null
		capKW          float64
	}{
		{"no prices, lab", sim.Prices{}, "fragmented", false, false, false, 0},
		{"energy price only, farm", sim.Prices{KRWPerKWh: 100}, "fifo", true, false, true, 5},
		{"grid factor only", sim.Prices{KgCO2PerKWh: 0.4}, "fifo", false, true, true, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, c, w, tc.policy, sim.Options{Placement: sim.PlacementPool, Prices: tc.prices})
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			for _, k := range []struct {
				key  string
				want bool
			}{{"cost_krw", tc.cost}, {"krw_per_gpu_hour", tc.cost}, {"emissions_kg_co2", tc.co2}, {"power_cap_kw", tc.cap}, {"kwh_per_gpu_hour", true}} {
				v, ok := m[k.key]
				if !ok || (v != nil) != k.want {
					t.Errorf("%s = %v (present %v), want non-null %v", k.key, v, ok, k.want)
				}
			}
			if tc.cap && m["power_cap_kw"] != tc.capKW {
				t.Errorf("power_cap_kw %v, want %v", m["power_cap_kw"], tc.capKW)
			}
			if cdf, _ := m["wait_cdf_s"].([]any); len(cdf) != 101 {
				t.Errorf("wait_cdf_s has %d values, want 101", len(cdf))
			}
		})
	}
}

func TestMeasureValidation(t *testing.T) {
	c, w := twoWorldCase(0)
	for _, m := range []sim.Measure{{FromS: -1}, {FromS: 10, ToS: 10}, {FromS: 10, ToS: 5}, {ToS: math.Inf(1)}, {FromS: math.NaN()}} {
		if _, err := sim.Run(c, w, "fifo", sim.Options{Measure: m}); err == nil {
			t.Errorf("measure %+v accepted", m)
		}
	}
}
