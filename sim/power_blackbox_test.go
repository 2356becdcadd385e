package sim_test

import (
	"testing"

	"github.com/gpuplan/gpuplan/sim"
)

// powerGPU has round numbers so that every power figure below is exact: busy 800 W, idle 100 W,
// TDP 1000 W, and perf(f) linear through (0.3, 0.3), (0.5, 0.6), (1, 1).
func powerGPU(minLimit float64) sim.GPUType {
	return sim.GPUType{Name: "p", TDPW: 1000, IdleW: 100, BusyW: 800, MinLimit: minLimit,
		Perf: []sim.PerfPoint{{F: 0.3, Perf: 0.3}, {F: 0.5, Perf: 0.6}, {F: 1, Perf: 1}}}
}

// powerFarm is one farm node of gpus GPUs (node draw nodeW) at a site with the given PUE and cap;
// owner "a" holds the same GPUs in a lab.
func powerFarm(gpus int, nodeW, pue, capW float64, mode sim.CapMode, minLimit float64) *sim.Cluster {
	return &sim.Cluster{
		GPUTypes: []sim.GPUType{powerGPU(minLimit)},
		Sites:    []sim.Site{{Name: "lab", PUE: 2}, {Name: "farm", PUE: pue, CapW: capW, CapMode: mode}},
		Owners: []sim.Owner{{Name: "a", Site: "lab", Nodes: []sim.NodeGroup{
			{Count: 1, GPUsPerNode: gpus, GPUType: "p", NodeW: nodeW}}}},
		Farm: sim.Farm{Site: "farm", Nodes: []sim.NodeGroup{{Count: 1, GPUsPerNode: gpus, GPUType: "p", NodeW: nodeW}}},
	}
}

const joulesPerKWh = 3.6e6

// TestHandPower checks energy, peak power and the cap share of tiny runs worked out by hand.
// Facility power = PUE * (GPU draw + node draw); a busy GPU draws min(job power or busy, f * TDP),
// an idle one 100 W. Energies are in joules in the derivations.
func TestHandPower(t *testing.T) {
	prices := sim.Prices{KRWPerKWh: 200, KgCO2PerKWh: 0.5}
	// Cap cases: one node of 2 GPUs, node 120 W, PUE 1.25. One busy + one idle GPU:
	// 1.25 * (800 + 100 + 120) = 1275 W. Two busy at f = 1: 1.25 * (1600 + 120) = 2150 W.
	// Cap 2025 W = 1.25 * (2 * 750 + 120): two 800 W jobs fit at f = 0.75.
	two := []jobSpec{{"a", 0, 1, 100, 0}, {"a", 10, 1, 100, 0}}
	cases := []struct {
		name       string
		cluster    *sim.Cluster
		policy     string
		jobs       []jobSpec
		start, end []float64
		itJ, facJ  float64 // energy in joules over the window
		peakW      float64
		capShare   float64 // < 0: not asserted
	}{
		{
			// No cap. 4 GPUs, node 200 W, PUE 1.5. J0 2 GPUs 0..100 at 800 W; J1 1 GPU 0..50 asks
			// 1200 W, capped by TDP at 1000 W; J2 (300 W) arrives at 50 as J1 ends and runs 50..150.
			// IT: 0-50 1600+1000+100+200 = 2900; 50-100 1600+300+100+200 = 2200;
			// 100-150 300+3*100+200 = 800. IT = 50*5900 = 295000 J, facility 1.5x = 442500 J,
			// peak 1.5*2900 = 4350 W.
			name:    "no cap farm",
			cluster: powerFarm(4, 200, 1.5, 0, sim.CapNone, 0.3), policy: "fifo",
			jobs:  []jobSpec{{"a", 0, 2, 100, 0}, {"a", 0, 1, 50, 1200}, {"a", 50, 1, 100, 300}},
			start: []float64{0, 0, 50}, end: []float64{100, 50, 150},
			itJ: 295000, facJ: 442500, peakW: 4350, capShare: 0,
		},
		{
			// Queue: J1 at 10 would take the site to 2150 > 2025 W: waits for J0's end at 100.
			// 1275 W all along, 0..200: facility 255000 J, IT 255000/1.25 = 204000 J.
			name:    "cap queue waits",
			cluster: powerFarm(2, 120, 1.25, 2025, sim.CapQueue, 0.3), policy: "fifo",
			jobs: two, start: []float64{0, 100}, end: []float64{100, 200},
			itJ: 204000, facJ: 255000, peakW: 1275, capShare: -1,
		},
		{
			// Queue: a 250 W job fits beside J0: 1.25*(800+250+120) = 1462.5 W, runs 10..110.
			// Alone afterwards: 1.25*(250+100+120) = 587.5 W. Facility 1275*10 + 1462.5*90 +
			// 587.5*10 = 150250 J, IT 120200 J.
			name:    "cap queue admits a light job",
			cluster: powerFarm(2, 120, 1.25, 2025, sim.CapQueue, 0.3), policy: "fifo",
			jobs:  []jobSpec{{"a", 0, 1, 100, 0}, {"a", 10, 1, 100, 250}},
			start: []float64{0, 10}, end: []float64{100, 110},
			itJ: 120200, facJ: 150250, peakW: 1462.5, capShare: -1,
		},
		{
			// Throttle: at 10 the site lowers f to 0.75 (2 * 750 W, 2025 W exactly), both jobs run
			// at perf(0.75) = 0.6 + 0.25/0.5*0.4 = 0.8. J0 has 90 s of work left: ends at
			// 10 + 90/0.8 = 122.5. J1 did 112.5*0.8 = 90 by then; alone at f = 1 (1275 W) it
			// ends at 132.5. Facility 1275*10 + 2025*112.5 + 1275*10 = 253312.5 J, IT /1.25 =
			// 202650 J, peak 2025 W, at the cap 112.5 of 132.5 s.
			name:    "cap throttle",
			cluster: powerFarm(2, 120, 1.25, 2025, sim.CapThrottle, 0.3), policy: "fifo",
			jobs: two, start: []float64{0, 10}, end: []float64{122.5, 132.5},
			itJ: 202650, facJ: 253312.5, peakW: 2025, capShare: 112.5 / 132.5,
		},
		{
			// Same under easy: nothing waits, so the schedule is the same.
			name:    "cap throttle easy",
			cluster: powerFarm(2, 120, 1.25, 2025, sim.CapThrottle, 0.3), policy: "easy",
			jobs: two, start: []float64{0, 10}, end: []float64{122.5, 132.5},
			itJ: 202650, facJ: 253312.5, peakW: 2025, capShare: 112.5 / 132.5,
		},
		{
			// Throttle with a 500 W job: cap 1712.5 W = 1.25*(750 + 500 + 120), so f = 0.75 limits
			// only J0 (800 -> 750 W); J1's 500 W is under 0.75*1000. Both run at perf 0.8, so the
			// times are those of the case above. Alone, J1 draws 1.25*(500+100+120) = 900 W.
			// Facility 1275*10 + 1712.5*112.5 + 900*10 = 214406.25 J, IT 171525 J.
			name:    "cap throttle mixed draws",
			cluster: powerFarm(2, 120, 1.25, 1712.5, sim.CapThrottle, 0.3), policy: "fifo",
			jobs:  []jobSpec{{"a", 0, 1, 100, 0}, {"a", 10, 1, 100, 500}},
			start: []float64{0, 10}, end: []float64{122.5, 132.5},
			itJ: 171525, facJ: 214406.25, peakW: 1712.5, capShare: 112.5 / 132.5,
		},
		{
			// Throttle with minimum limit 0.8: at f = 0.8 two jobs draw 1.25*(1600+120) > 2025 W,
			// so J1 waits for J0 as under queue: same energy as "cap queue waits".
			name:    "cap throttle below minimum waits",
			cluster: powerFarm(2, 120, 1.25, 2025, sim.CapThrottle, 0.8), policy: "fifo",
			jobs: two, start: []float64{0, 100}, end: []float64{100, 200},
			itJ: 204000, facJ: 255000, peakW: 1275, capShare: -1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := workload([]string{"a"}, tc.jobs)
			r := run(t, tc.cluster, w, tc.policy, sim.Options{Prices: prices})
			checkTimes(t, r, tc.start, tc.end, 1e-9)
			checks := []struct {
				name      string
				got, want float64
			}{
				{"IT kWh", r.EnergyKWh.IT, tc.itJ / joulesPerKWh},
				{"facility kWh", r.EnergyKWh.Facility, tc.facJ / joulesPerKWh},
				{"peak kW", r.PeakPowerKW, tc.peakW / 1000},
				{"cost KRW", r.CostKRW, 200 * tc.facJ / joulesPerKWh},
				{"emissions kg", r.EmissionsKgCO2, 0.5 * tc.facJ / joulesPerKWh},
			}
			if tc.capShare >= 0 {
				checks = append(checks, struct {
					name      string
					got, want float64
				}{"cap time share", r.CapTimeShare, tc.capShare})
			}
			for _, ck := range checks {
				if !near(ck.got, ck.want, 1e-9) {
					t.Errorf("%s = %.12g, want %.12g", ck.name, ck.got, ck.want)
				}
			}
		})
	}
}

// TestThrottleTimeline: the sampled power-limit fraction of the throttle case stays in [0.75, 1]
// and reaches 0.75 (the site is throttled for 85% of the window), and sampled power never
// exceeds the 2025 W cap.
func TestThrottleTimeline(t *testing.T) {
	c := powerFarm(2, 120, 1.25, 2025, sim.CapThrottle, 0.3)
	w := workload([]string{"a"}, []jobSpec{{"a", 0, 1, 100, 0}, {"a", 10, 1, 100, 0}})
	r := run(t, c, w, "fifo", sim.Options{TimelinePoints: 100})
	tl := r.Timeline
	if len(tl.T) == 0 || len(tl.LimitFrac) != len(tl.T) || len(tl.PowerKW) != len(tl.T) {
		t.Fatalf("timeline has %d times, %d limit fractions, %d powers", len(tl.T), len(tl.LimitFrac), len(tl.PowerKW))
	}
	lowest := 1.0
	for i, f := range tl.LimitFrac {
		if f < 0.75-1e-9 || f > 1+1e-9 {
			t.Errorf("limit fraction %g at t=%g outside [0.75, 1]", f, tl.T[i])
		}
		lowest = min(lowest, f)
		if tl.PowerKW[i] > 2.025+1e-9 {
			t.Errorf("power %g kW at t=%g above the cap", tl.PowerKW[i], tl.T[i])
		}
	}
	if !near(lowest, 0.75, 1e-9) {
		t.Errorf("lowest sampled limit fraction %g, want 0.75", lowest)
	}
}

// TestFragmentedEnergy: under fragmented every owner's lab counts, idle or not, with the lab PUE.
// Owners a and b have one node of 2 GPUs (node 100 W) each, lab PUE 2. a runs 1 GPU 0..100, b runs
// 1 GPU 50..100. IT 0-50: a 800+100+100 + b 2*100+100 = 1300 W; 50-100: 1000 + 1000 = 2000 W.
// IT = 65000 + 100000 = 165000 J, facility 330000 J, peak 2 * 2000 = 4000 W.
func TestFragmentedEnergy(t *testing.T) {
	ng := []sim.NodeGroup{{Count: 1, GPUsPerNode: 2, GPUType: "p", NodeW: 100}}
	c := &sim.Cluster{
		GPUTypes: []sim.GPUType{powerGPU(0.3)},
		Sites:    []sim.Site{{Name: "lab", PUE: 2}, {Name: "farm", PUE: 1.3}},
		Owners:   []sim.Owner{{Name: "a", Site: "lab", Nodes: ng}, {Name: "b", Site: "lab", Nodes: ng}},
		Farm:     sim.Farm{Site: "farm", Nodes: []sim.NodeGroup{{Count: 2, GPUsPerNode: 2, GPUType: "p", NodeW: 100}}},
	}
	w := workload([]string{"a", "b"}, []jobSpec{{"a", 0, 1, 100, 0}, {"b", 50, 1, 50, 0}})
	r := run(t, c, w, "fragmented", sim.Options{})
	checkTimes(t, r, []float64{0, 50}, []float64{100, 100}, 1e-9)
	for _, ck := range []struct {
		name      string
		got, want float64
	}{
		{"IT kWh", r.EnergyKWh.IT, 165000 / joulesPerKWh},
		{"facility kWh", r.EnergyKWh.Facility, 330000 / joulesPerKWh},
		{"peak kW", r.PeakPowerKW, 4},
		{"cap time share", r.CapTimeShare, 0},
	} {
		if !near(ck.got, ck.want, 1e-9) {
			t.Errorf("%s = %.12g, want %.12g", ck.name, ck.got, ck.want)
		}
	}
}
