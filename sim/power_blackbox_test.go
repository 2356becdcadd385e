package sim_test

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// powerGPU has round numbers so that every power figure below is exact: busy 800 W, idle 100 W,
// TDP 1000 W, and perf(f) linear through (0.3, 0.3), (0.5, 0.6), (1, 1).
func powerGPU(minLimit float64) gpuplan.GPUType {
	return gpuplan.GPUType{Name: "p", TDPW: 1000, IdleW: 100, BusyW: 800, MinLimit: minLimit,
		Perf: []gpuplan.PerfPoint{{F: 0.3, Perf: 0.3}, {F: 0.5, Perf: 0.6}, {F: 1, Perf: 1}}}
}

// powerFarm is one farm node of gpus GPUs (node draw nodeW) at a site with the given PUE and cap;
// owner "a" holds the same GPUs in a lab.
func powerFarm(gpus int, nodeW, pue, capW float64, mode gpuplan.CapMode, minLimit float64) *gpuplan.Cluster {
	return &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{powerGPU(minLimit)},
		Sites:    []gpuplan.Site{{Name: "lab", PUE: 2}, {Name: "farm", PUE: pue, CapW: capW, CapMode: mode}},
		Owners: []gpuplan.Owner{{Name: "a", Site: "lab", Nodes: []gpuplan.NodeGroup{
			{Count: 1, GPUsPerNode: gpus, GPUType: "p", NodeW: nodeW}}}},
		Farm: gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: gpus, GPUType: "p", NodeW: nodeW}}},
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
		cluster    *gpuplan.Cluster
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
			cluster: powerFarm(4, 200, 1.5, 0, gpuplan.CapNone, 0.3), policy: "fifo",
			jobs:  []jobSpec{{"a", 0, 2, 100, 0}, {"a", 0, 1, 50, 1200}, {"a", 50, 1, 100, 300}},
			start: []float64{0, 0, 50}, end: []float64{100, 50, 150},
			itJ: 295000, facJ: 442500, peakW: 4350, capShare: 0,
		},
		{
			// Queue: J1 at 10 would take the site to 2150 > 2025 W: waits for J0's end at 100.
			// 1275 W all along, 0..200: facility 255000 J, IT 255000/1.25 = 204000 J.
			name:    "cap queue waits",
			cluster: powerFarm(2, 120, 1.25, 2025, gpuplan.CapQueue, 0.3), policy: "fifo",
			jobs: two, start: []float64{0, 100}, end: []float64{100, 200},
			itJ: 204000, facJ: 255000, peakW: 1275, capShare: -1,
		},
		{
			// Queue: a 250 W job fits beside J0: 1.25*(800+250+120) = 1462.5 W, runs 10..110.
			// Alone afterwards: 1.25*(250+100+120) = 587.5 W. Facility 1275*10 + 1462.5*90 +
			// 587.5*10 = 150250 J, IT 120200 J.
			name:    "cap queue admits a light job",
			cluster: powerFarm(2, 120, 1.25, 2025, gpuplan.CapQueue, 0.3), policy: "fifo",
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
			cluster: powerFarm(2, 120, 1.25, 2025, gpuplan.CapThrottle, 0.3), policy: "fifo",
			jobs: two, start: []float64{0, 10}, end: []float64{122.5, 132.5},
			itJ: 202650, facJ: 253312.5, peakW: 2025, capShare: 112.5 / 132.5,
		},
		{
			// Same under easy: nothing waits, so the schedule is the same.
			name:    "cap throttle easy",
			cluster: powerFarm(2, 120, 1.25, 2025, gpuplan.CapThrottle, 0.3), policy: "easy",
			jobs: two, start: []float64{0, 10}, end: []float64{122.5, 132.5},
			itJ: 202650, facJ: 253312.5, peakW: 2025, capShare: 112.5 / 132.5,
		},
		{
			// Throttle with a 500 W job: cap 1712.5 W = 1.25*(750 + 500 + 120), so f = 0.75 limits
			// only J0 (800 -> 750 W); J1's 500 W is under 0.75*1000. Both run at perf 0.8, so the
			// times are those of the case above. Alone, J1 draws 1.25*(500+100+120) = 900 W.
			// Facility 1275*10 + 1712.5*112.5 + 900*10 = 214406.25 J, IT 171525 J.
			name:    "cap throttle mixed draws",
			cluster: powerFarm(2, 120, 1.25, 1712.5, gpuplan.CapThrottle, 0.3), policy: "fifo",
			jobs:  []jobSpec{{"a", 0, 1, 100, 0}, {"a", 10, 1, 100, 500}},
			start: []float64{0, 10}, end: []float64{122.5, 132.5},
			itJ: 171525, facJ: 214406.25, peakW: 1712.5, capShare: 112.5 / 132.5,
		},
		{
			// Throttle on a 3-GPU node, cap 2025 W = 1.25 * 1620 W. Three busy GPUs need
			// 3000 f + 120 <= 1620: f = 0.5, perf 0.6. J0 (50 s) ends at 50/0.6; then two busy and
			// one idle need 2000 f + 220 <= 1620: f = 0.7, perf 0.6 + 0.2/0.5*0.4 = 0.76, and J1,
			// J2 finish their last 50 s at 50/0.6 + 50/0.76. The site sits at 2025 W all along.
			name:    "cap throttle partial recovery",
			cluster: powerFarm(3, 120, 1.25, 2025, gpuplan.CapThrottle, 0.3), policy: "fifo",
			jobs:  []jobSpec{{"a", 0, 1, 50, 0}, {"a", 0, 1, 100, 0}, {"a", 0, 1, 100, 0}},
			start: []float64{0, 0, 0}, end: []float64{50 / 0.6, 50/0.6 + 50/0.76, 50/0.6 + 50/0.76},
			itJ: 1620 * (50/0.6 + 50/0.76), facJ: 2025 * (50/0.6 + 50/0.76), peakW: 2025, capShare: 1,
		},
		{
			// Throttle with minimum limit 0.8: at f = 0.8 two jobs draw 1.25*(1600+120) > 2025 W,
			// so J1 waits for J0 as under queue: same energy as "cap queue waits".
			name:    "cap throttle below minimum waits",
			cluster: powerFarm(2, 120, 1.25, 2025, gpuplan.CapThrottle, 0.8), policy: "fifo",
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
	c := powerFarm(2, 120, 1.25, 2025, gpuplan.CapThrottle, 0.3)
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
	ng := []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 2, GPUType: "p", NodeW: 100}}
	c := &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{powerGPU(0.3)},
		Sites:    []gpuplan.Site{{Name: "lab", PUE: 2}, {Name: "farm", PUE: 1.3}},
		Owners:   []gpuplan.Owner{{Name: "a", Site: "lab", Nodes: ng}, {Name: "b", Site: "lab", Nodes: ng}},
		Farm:     gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{{Count: 2, GPUsPerNode: 2, GPUType: "p", NodeW: 100}}},
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

// randomPowerWorkload draws jobs with continuous times (no ties, no zero lengths) and mixed draws:
// 0 (the type's busy draw), below busy, above busy and above TDP.
func randomPowerWorkload(seed uint64, n int) *gpuplan.Workload {
	rng := rand.New(rand.NewPCG(seed, 5))
	w := &gpuplan.Workload{Owners: []string{"a", "b", "c"}}
	draws := []float64{0, 0, 300, 650, 900, 1200}
	t := 0.0
	for i := range n {
		t += rng.ExpFloat64() * 4
		w.Jobs = append(w.Jobs, gpuplan.Job{ID: jobID(i), Owner: int32(rng.IntN(3)), Group: -1, Submit: t,
			GPUs: int32(1 + rng.IntN(4)), Duration: 1 + 20*rng.ExpFloat64(), PowerW: draws[rng.IntN(len(draws))]})
	}
	return w
}

// powerFleet: owners a, b, c with one 4-GPU workstation each (node 150 W) in a lab of PUE 1.8; a
// farm of 3 nodes of 4 GPUs (node 200 W) at PUE 1.4 with the given cap.
func powerFleet(capW float64, mode gpuplan.CapMode) *gpuplan.Cluster {
	ws := []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 4, GPUType: "p", NodeW: 150}}
	return &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{powerGPU(0.3)},
		Sites:    []gpuplan.Site{{Name: "lab", PUE: 1.8}, {Name: "farm", PUE: 1.4, CapW: capW, CapMode: mode}},
		Owners:   []gpuplan.Owner{{Name: "a", Site: "lab", Nodes: ws}, {Name: "b", Site: "lab", Nodes: ws}, {Name: "c", Site: "lab", Nodes: ws}},
		Farm:     gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{{Count: 3, GPUsPerNode: 4, GPUType: "p", NodeW: 200}}},
	}
}

// flatPower integrates facility power over a run's window from its per-job times, for runs at full
// power limit (no cap, or a queue cap): power = PUE * (node draw + idle draw of every GPU + the
// extra draw min(job draw or busy, TDP) - idle of each busy GPU). It returns energy in joules and
// the peak in watts.
func flatPower(w *gpuplan.Workload, r *sim.Result, pue, baseW float64) (energyJ, peakW float64) {
	g := powerGPU(0.3)
	type ev struct{ t, dw float64 }
	var evs []ev
	first, last := math.Inf(1), math.Inf(-1)
	for i, j := range w.Jobs {
		first = math.Min(first, j.Submit)
		if math.IsNaN(r.Start[i]) {
			continue
		}
		last = math.Max(last, r.End[i])
		draw := j.PowerW
		if draw == 0 {
			draw = g.BusyW
		}
		dw := float64(j.GPUs) * (math.Min(draw, g.TDPW) - g.IdleW)
		evs = append(evs, ev{r.Start[i], dw}, ev{r.End[i], -dw})
	}
	slices.SortFunc(evs, func(a, b ev) int {
		if a.t != b.t {
			return cmp.Compare(a.t, b.t)
		}
		return cmp.Compare(a.dw, b.dw) // ends before starts
	})
	p, prev := baseW, first
	peakW = baseW
	for _, e := range evs {
		energyJ += pue * p * (e.t - prev)
		prev = e.t
		p += e.dw
		peakW = math.Max(peakW, p)
	}
	energyJ += pue * p * (last - prev)
	return energyJ, pue * peakW
}

// TestEnergyMatchesPerJobTimes: without a cap, and with a queue cap (which never lowers the power
// limit), energy and peak follow from the per-job times alone. Under the queue cap the power
// computed from those times must also never exceed the cap.
func TestEnergyMatchesPerJobTimes(t *testing.T) {
	w := randomPowerWorkload(3, 3000)
	farmBase := 3*200 + 12*100.0       // farm nodes + idle GPUs, W
	labBase := 3*150 + 12*100.0        // three workstations + idle GPUs, W
	const capW = 1.4 * (600 + 8*900.0) // a queue cap a little below 8 GPUs busy at 1000 W
	cases := []struct {
		name    string
		cluster *gpuplan.Cluster
		policy  string
		pue     float64
		base    float64
		capW    float64
	}{
		{"fragmented", powerFleet(0, gpuplan.CapNone), "fragmented", 1.8, labBase, 0},
		{"fifo", powerFleet(0, gpuplan.CapNone), "fifo", 1.4, farmBase, 0},
		{"easy", powerFleet(0, gpuplan.CapNone), "easy", 1.4, farmBase, 0},
		{"fifo queue cap", powerFleet(capW, gpuplan.CapQueue), "fifo", 1.4, farmBase, capW},
		{"easy queue cap", powerFleet(capW, gpuplan.CapQueue), "easy", 1.4, farmBase, capW},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.cluster, w, tc.policy, sim.Options{Placement: sim.PlacementPool})
			for i, j := range w.Jobs {
				if !math.IsNaN(r.Start[i]) && r.End[i] != r.Start[i]+j.Duration {
					t.Fatalf("job %d runs [%g, %g] for duration %g at full power limit", i, r.Start[i], r.End[i], j.Duration)
				}
			}
			e, peak := flatPower(w, r, tc.pue, tc.base)
			if !near(r.EnergyKWh.Facility, e/joulesPerKWh, 1e-9) {
				t.Errorf("facility energy %.12g kWh, per-job times give %.12g", r.EnergyKWh.Facility, e/joulesPerKWh)
			}
			if !near(r.EnergyKWh.IT, e/tc.pue/joulesPerKWh, 1e-9) {
				t.Errorf("IT energy %.12g kWh, per-job times give %.12g", r.EnergyKWh.IT, e/tc.pue/joulesPerKWh)
			}
			if !near(r.PeakPowerKW, peak/1000, 1e-9) {
				t.Errorf("peak %.12g kW, per-job times give %.12g", r.PeakPowerKW, peak/1000)
			}
			if tc.capW > 0 && peak > tc.capW*(1+1e-12) {
				t.Errorf("power reaches %g W over the %g W cap", peak, tc.capW)
			}
		})
	}
}

// TestThrottleInvariants: under a throttle cap power never exceeds the cap, no job runs faster
// than at full speed or slower than at perf(min limit) = 0.3, and energy is at most cap x window.
func TestThrottleInvariants(t *testing.T) {
	w := randomPowerWorkload(4, 3000)
	const capW = 1.4 * (600 + 6*800.0 + 6*100)
	for _, policy := range []string{"fifo", "easy"} {
		t.Run(policy, func(t *testing.T) {
			r := run(t, powerFleet(capW, gpuplan.CapThrottle), w, policy, sim.Options{Placement: sim.PlacementNodes})
			for i, j := range w.Jobs {
				if math.IsNaN(r.Start[i]) {
					continue
				}
				// Throttled progress is summed across rate changes: allow rounding at the scale of
				// the absolute times.
				slack := 1e-9 * math.Max(1, math.Abs(r.End[i]))
				took := r.End[i] - r.Start[i]
				if took < j.Duration-slack || took > j.Duration/0.3+slack {
					t.Fatalf("job %d took %g s for %g s of work", i, took, j.Duration)
				}
			}
			if r.PeakPowerKW > capW/1000*(1+1e-12) {
				t.Errorf("peak %g kW above the %g kW cap", r.PeakPowerKW, capW/1000)
			}
			if r.EnergyKWh.Facility > capW*r.WindowS/joulesPerKWh*(1+1e-12) {
				t.Errorf("energy %g kWh above cap x window", r.EnergyKWh.Facility)
			}
			if r.CapTimeShare <= 0 || r.CapTimeShare > 1 {
				t.Errorf("cap time share %g: this cap binds, so it must be in (0, 1]", r.CapTimeShare)
			}
			for k, p := range r.Timeline.PowerKW {
				if p > capW/1000*(1+1e-12) {
					t.Errorf("timeline power %g kW at t=%g above the cap", p, r.Timeline.T[k])
				}
			}
		})
	}
}

// TestLabCapSharedByOwners: a cap belongs to a site, so under fragmented the owners in one lab
// share it. Owners a and b each hold one 1-GPU node (no node draw) in a lab of PUE 1; a runs
// 0..100, b submits at 10. One busy + one idle GPU draw 900 W, two busy 1600 W.
func TestLabCapSharedByOwners(t *testing.T) {
	cases := []struct {
		name       string
		capW       float64
		mode       gpuplan.CapMode
		start, end []float64
		facJ       float64
	}{
		// Queue, cap 1000 W: b would take the lab to 1600 W, so it waits for a's end although its
		// own GPU is idle: 100..200 at 900 W throughout, 180000 J.
		{"queue", 1000, gpuplan.CapQueue, []float64{0, 100}, []float64{100, 200}, 180000},
		// Throttle, cap 1500 W = 2 x 750 W: f = 0.75, perf 0.8 for both owners from 10. a ends at
		// 10 + 90/0.8 = 122.5, b has 10 s left then: 132.5. 900*10 + 1500*112.5 + 900*10 = 186750 J.
		{"throttle", 1500, gpuplan.CapThrottle, []float64{0, 10}, []float64{122.5, 132.5}, 186750},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			one := []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 1, GPUType: "p"}}
			c := &gpuplan.Cluster{
				GPUTypes: []gpuplan.GPUType{powerGPU(0.3)},
				Sites:    []gpuplan.Site{{Name: "lab", PUE: 1, CapW: tc.capW, CapMode: tc.mode}, {Name: "farm", PUE: 1.3}},
				Owners:   []gpuplan.Owner{{Name: "a", Site: "lab", Nodes: one}, {Name: "b", Site: "lab", Nodes: one}},
				Farm:     gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 2, GPUType: "p"}}},
			}
			w := workload([]string{"a", "b"}, []jobSpec{{"a", 0, 1, 100, 0}, {"b", 10, 1, 100, 0}})
			r := run(t, c, w, "fragmented", sim.Options{})
			checkTimes(t, r, tc.start, tc.end, 1e-9)
			if !near(r.EnergyKWh.Facility, tc.facJ/joulesPerKWh, 1e-9) {
				t.Errorf("facility energy %.12g kWh, want %.12g", r.EnergyKWh.Facility, tc.facJ/joulesPerKWh)
			}
		})
	}
}
