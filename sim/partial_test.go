package sim_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// Partial consolidation: owners marked Lab keep their private pools in the farm world.

// partialFarmPolicies is every policy that runs on the farm.
func partialFarmPolicies() []string {
	return slices.DeleteFunc(sim.Policies(), func(p string) bool { return p == "fragmented" })
}

// partialCluster: lab owners A (2 GPUs) and B (1 GPU), consolidated owners C and D (2 GPUs each),
// and a farm of one 4-GPU node. GPUs draw 10 W idle and 50 W busy; every lab node adds 20 W at
// PUE 2, the farm node 30 W at PUE 1.5.
func partialCluster() *gpuplan.Cluster {
	g := func(gpus int, nodeW float64) []gpuplan.NodeGroup {
		return []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: gpus, GPUType: "g", NodeW: nodeW}}
	}
	return &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{{Name: "g", TDPW: 100, IdleW: 10, BusyW: 50, MinLimit: 0.5}},
		Sites:    []gpuplan.Site{{Name: "lab", PUE: 2}, {Name: "farm", PUE: 1.5}},
		Owners: []gpuplan.Owner{
			{Name: "A", Site: "lab", Nodes: g(2, 20), Lab: true},
			{Name: "B", Site: "lab", Nodes: g(1, 20), Lab: true},
			{Name: "C", Site: "lab", Nodes: g(2, 20)},
			{Name: "D", Site: "lab", Nodes: g(2, 20)},
		},
		Farm: gpuplan.Farm{Site: "farm", Nodes: g(4, 30)},
	}
}

// TestPartialHandSchedule derives every start by hand (jobs j0..j6 as listed):
//
//	j0 A 2 GPUs 10 s at 0, j1 A 1 GPU 5 s at 1: A's 2 GPUs hold j0 until 10, so j1 runs [10, 15]
//	whatever the farm policy. j2 B 1 GPU 4 s at 0 runs [0, 4]; j3 B 2 GPUs at 2 is infeasible
//	(B keeps 1 GPU) although the farm has 4. j4 C 3 GPUs 10 s at 0 runs on the farm [0, 10] (C
//	alone could never run it). j5 D 2 GPUs 5 s at 1 finds 1 GPU free and waits for 10: [10, 15].
//	j6 D 1 GPU 3 s at 2: fifo keeps it behind j5 and starts both at 10 ([10, 13]); easy reserves
//	10 for j5 and, since 2 + 3 <= 10, backfills j6 at once ([2, 5]); fairshare orders D (no use
//	yet) first, which is the queue order here, so it backfills like easy. quota: D is within its
//	quota of 2 with j5, C holds 3 against a quota of 2, so at 1 C's j4 is preempted (no
//	checkpoint: its work is lost) and j5 runs [1, 6]; at 2 j4 (3 GPUs, over quota) heads the
//	queue and cannot start, its shadow is 6 (j5's end), and j6 (over quota too: D holds 2) fits
//	in 2 + 3 <= 6 and runs [2, 5]; at 6 j4 restarts: [6, 16].
//
// The fragmented run of the same cluster is the check that lab owners are untouched: A and B
// as above, j4 infeasible (3 > 2 GPUs), D's jobs in turn: j5 [1, 6], j6 [6, 9].
//
// Energy (fifo and easy, window [0, 15]): lab IT = 3 GPUs x 10 W x 15 s idle + 29 busy GPU-s x
// 40 W + 2 nodes x 20 W x 15 s = 450 + 1160 + 600 = 2210 J; farm IT = 4 x 10 x 15 + 43 GPU-s x
// 40 + 30 x 15 = 600 + 1720 + 450 = 2770 J; facility 2 x 2210 + 1.5 x 2770 = 8575 J. quota
// (window [0, 16], j4's lost second of 3 GPUs included): lab 480 + 1160 + 640 = 2280 J, farm
// 640 + 46 x 40 + 480 = 2960 J, facility 9000 J. Peak: fifo 665 W over [0, 4) (lab 2 x 190 W,
// farm 1.5 x 190 W); easy 725 W over [2, 4) (farm 1.5 x 230 W with j4 and j6 running).
func TestPartialHandSchedule(t *testing.T) {
	c := partialCluster()
	w := workload([]string{"A", "B", "C", "D"}, []jobSpec{
		{Owner: "A", Submit: 0, GPUs: 2, Duration: 10},
		{Owner: "A", Submit: 1, GPUs: 1, Duration: 5},
		{Owner: "B", Submit: 0, GPUs: 1, Duration: 4},
		{Owner: "B", Submit: 2, GPUs: 2, Duration: 1},
		{Owner: "C", Submit: 0, GPUs: 3, Duration: 10},
		{Owner: "D", Submit: 1, GPUs: 2, Duration: 5},
		{Owner: "D", Submit: 2, GPUs: 1, Duration: 3},
	})
	lab := [][2]float64{{0, 10}, {10, 15}, {0, 4}, {nan, nan}}
	cases := []struct {
		policy       string
		farm         [][2]float64 // j4, j5, j6
		facilityJ    float64      // 0: not checked
		peakW        float64
		infeasible   int
		tol, energyT float64
	}{
		{"fragmented", [][2]float64{{nan, nan}, {1, 6}, {6, 9}}, 0, 0, 2, 0, 0},
		{"fifo", [][2]float64{{0, 10}, {10, 15}, {10, 13}}, 8575, 665, 1, 0, 1e-9},
		{"easy", [][2]float64{{0, 10}, {10, 15}, {2, 5}}, 8575, 725, 1, 0, 1e-9},
		{"fairshare", [][2]float64{{0, 10}, {10, 15}, {2, 5}}, 8575, 725, 1, 0, 1e-9},
		{"quota", [][2]float64{{6, 16}, {1, 6}, {2, 5}}, 9000, 0, 1, 0, 1e-9},
	}
	for _, tc := range cases {
		t.Run(tc.policy, func(t *testing.T) {
			if !slices.Contains(sim.Policies(), tc.policy) {
				t.Fatalf("no policy %s: the case would never run", tc.policy)
			}
			r := run(t, c, w, tc.policy, sim.Options{})
			var ws, we []float64
			for _, x := range append(slices.Clone(lab), tc.farm...) {
				ws, we = append(ws, x[0]), append(we, x[1])
			}
			checkTimes(t, r, ws, we, tc.tol)
			if r.Jobs.Infeasible != tc.infeasible {
				t.Errorf("%d infeasible, want %d", r.Jobs.Infeasible, tc.infeasible)
			}
			if tc.policy != "fragmented" {
				if r.GPUs != 2+1+4 {
					t.Errorf("%d GPUs, want 7 (labs A and B, farm)", r.GPUs)
				}
				if want := 2.0 / 3600; !near(r.Jobs.InfeasibleGPUHours, want, 1e-12) {
					t.Errorf("infeasible GPU-hours %v, want %v (j3 only)", r.Jobs.InfeasibleGPUHours, want)
				}
			}
			if tc.facilityJ > 0 && !near(r.EnergyKWh.Facility*3.6e6, tc.facilityJ, tc.energyT) {
				t.Errorf("facility energy %v J, want %v J", r.EnergyKWh.Facility*3.6e6, tc.facilityJ)
			}
			if tc.peakW > 0 && !near(r.PeakPowerKW*1000, tc.peakW, 1e-9) {
				t.Errorf("peak %v W, want %v W", r.PeakPowerKW*1000, tc.peakW)
			}
		})
	}
}

// partialRandomCluster: three lab sites (lab1 capped, shared by o0..o2; lab2 and lab3 uncapped), two GPU
// types, and a 24-GPU farm. lab marks the owners that keep their pools.
func partialRandomCluster(lab []bool, farmCap float64, mode gpuplan.CapMode, idleOff float64) *gpuplan.Cluster {
	c := &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{
			{Name: "a", TDPW: 400, IdleW: 40, BusyW: 300, MinLimit: 0.5,
				Perf: []gpuplan.PerfPoint{{F: 0.5, Perf: 0.7}, {F: 0.8, Perf: 0.95}, {F: 1, Perf: 1}}},
			{Name: "b", TDPW: 300, IdleW: 30, BusyW: 200, MinLimit: 0.5},
		},
		Sites: []gpuplan.Site{
			{Name: "lab1", PUE: 1.8, CapW: 2500, CapMode: mode},
			{Name: "lab2", PUE: 1.6},
			{Name: "lab3", PUE: 1.7},
			{Name: "farm", PUE: 1.2, CapW: farmCap, CapMode: mode},
		},
		Farm: gpuplan.Farm{Site: "farm", IdleOffS: idleOff, BootS: 2 * idleOff, Nodes: []gpuplan.NodeGroup{
			{Count: 2, GPUsPerNode: 8, GPUType: "a", NodeW: 300}, {Count: 2, GPUsPerNode: 4, GPUType: "b", NodeW: 150}}},
	}
	sites := []string{"lab1", "lab1", "lab1", "lab2", "lab2", "lab3"}
	for i, s := range sites {
		gt := "a"
		if i%2 == 1 {
			gt = "b"
		}
		c.Owners = append(c.Owners, gpuplan.Owner{Name: fmt.Sprintf("o%d", i), Site: s, Lab: lab[i],
			Nodes: []gpuplan.NodeGroup{{Count: 1 + i%2, GPUsPerNode: 2 + i%3, GPUType: gt, NodeW: 50}}})
	}
	if mode == gpuplan.CapNone {
		for i := range c.Sites {
			c.Sites[i].CapW = 0
		}
	}
	return c
}

// partialRandomWorkload: n jobs of owners o0..o5, integer times (ties, zero-length jobs), sizes up to
// beyond the farm, some with their own draw.
func partialRandomWorkload(seed uint64, n int) *gpuplan.Workload {
	rng := rand.New(rand.NewPCG(seed, 0xfa53))
	w := &gpuplan.Workload{Owners: []string{"o0", "o1", "o2", "o3", "o4", "o5"}}
	sizes := []int32{0, 1, 1, 1, 2, 2, 3, 4, 6, 8, 12, 30}
	t := 0.0
	for i := range n {
		t += math.Round(rng.ExpFloat64() * 6)
		j := gpuplan.Job{ID: fmt.Sprint("j", i), Owner: int32(rng.IntN(6)), Group: -1, Submit: t,
			GPUs: sizes[rng.IntN(len(sizes))], Duration: math.Round(rng.ExpFloat64() * 50)}
		if rng.IntN(5) == 0 {
			j.PowerW = float64(50 + rng.IntN(300))
		}
		w.Jobs = append(w.Jobs, j)
	}
	return w
}

type partialCase struct {
	name string
	opt  sim.Options
	cap  float64
	mode gpuplan.CapMode
	off  float64
}

func partialCases() []partialCase {
	return []partialCase{
		{"default", sim.Options{}, 0, gpuplan.CapNone, 0},
		{"pool", sim.Options{Placement: sim.PlacementPool}, 0, gpuplan.CapNone, 0},
		{"nodes-queue", sim.Options{Placement: sim.PlacementNodes}, 6000, gpuplan.CapQueue, 0},
		{"nodes-throttle-poweroff", sim.Options{Placement: sim.PlacementNodes, EstimateFactor: 1.5}, 6000, gpuplan.CapThrottle, 15},
	}
}

func partialSameTimes(t *testing.T, what string, got, want *sim.Result, jobs []int) {
	t.Helper()
	bad := 0
	for _, i := range jobs {
		gs, ge, ws, we := got.Start[i], got.End[i], want.Start[i], want.End[i]
		if (gs != ws && !(math.IsNaN(gs) && math.IsNaN(ws))) || (ge != we && !(math.IsNaN(ge) && math.IsNaN(we))) {
			if bad++; bad <= 5 {
				t.Errorf("%s: job %d runs [%v, %v], want [%v, %v]", what, i, gs, ge, ws, we)
			}
		}
	}
}

// Every owner Lab: each farm policy's schedule, energy and power are the fragmented run's
// exactly, whatever the placement, caps (a capped lab site shared by three owners) and power-off
// (the farm, holding no GPUs, is left out).
func TestPartialAllLabIsFragmented(t *testing.T) {
	all := []bool{true, true, true, true, true, true}
	w := partialRandomWorkload(1, 400)
	every := make([]int, len(w.Jobs))
	for i := range every {
		every[i] = i
	}
	for _, pc := range partialCases() {
		c := partialRandomCluster(all, pc.cap, pc.mode, pc.off)
		c.Farm.Nodes = nil
		frag := run(t, c, w, "fragmented", pc.opt)
		for _, p := range partialFarmPolicies() {
			t.Run(pc.name+"/"+p, func(t *testing.T) {
				r := run(t, c, w, p, pc.opt)
				partialSameTimes(t, p, r, frag, every)
				if r.GPUs != frag.GPUs || r.EnergyKWh != frag.EnergyKWh || r.PeakPowerKW != frag.PeakPowerKW ||
					r.CapTimeShare != frag.CapTimeShare || r.Jobs != frag.Jobs || r.Utilization != frag.Utilization {
					t.Errorf("GPUs %d energy %+v peak %v cap share %v jobs %+v util %v; fragmented %d %+v %v %v %+v %v",
						r.GPUs, r.EnergyKWh, r.PeakPowerKW, r.CapTimeShare, r.Jobs, r.Utilization,
						frag.GPUs, frag.EnergyKWh, frag.PeakPowerKW, frag.CapTimeShare, frag.Jobs, frag.Utilization)
				}
			})
		}
	}
}

// Owners o3..o5 keep their pools (lab2 and lab3, no consolidated owner there), o0..o2 are
// consolidated. Under every farm policy the lab owners' jobs run as in the fragmented world, and
// the consolidated owners' jobs as on a farm that has only them (their jobs alone, no labs).
func TestPartialSplitsWorlds(t *testing.T) {
	lab := []bool{false, false, false, true, true, true}
	w := partialRandomWorkload(2, 400)
	var labJobs, farmJobs []int
	farmOnly := &gpuplan.Workload{Owners: w.Owners}
	for i, j := range w.Jobs {
		if lab[j.Owner] {
			labJobs = append(labJobs, i)
		} else {
			farmJobs = append(farmJobs, i)
			farmOnly.Jobs = append(farmOnly.Jobs, j)
		}
	}
	for _, pc := range partialCases() {
		c := partialRandomCluster(lab, pc.cap, pc.mode, pc.off)
		frag := run(t, c, w, "fragmented", pc.opt)
		pure := partialRandomCluster(make([]bool, 6), pc.cap, pc.mode, pc.off)
		pure.Owners = pure.Owners[:3]
		pure.Sites = slices.DeleteFunc(pure.Sites, func(s gpuplan.Site) bool { return s.Name != "lab1" && s.Name != "farm" })
		farmOnly.Owners = []string{"o0", "o1", "o2"}
		for _, p := range partialFarmPolicies() {
			t.Run(pc.name+"/"+p, func(t *testing.T) {
				r := run(t, c, w, p, pc.opt)
				partialSameTimes(t, p+" lab owners", r, frag, labJobs)
				fr := run(t, pure, farmOnly, p, pc.opt)
				got := &sim.Result{}
				for _, i := range farmJobs {
					got.Start, got.End = append(got.Start, r.Start[i]), append(got.End, r.End[i])
				}
				seq := make([]int, len(farmJobs))
				for i := range seq {
					seq[i] = i
				}
				partialSameTimes(t, p+" consolidated owners", got, fr, seq)
				var labGPUs int
				for _, o := range c.Owners {
					if o.Lab {
						for _, g := range o.Nodes {
							labGPUs += g.Count * g.GPUsPerNode
						}
					}
				}
				if r.GPUs != labGPUs+24 {
					t.Errorf("%d GPUs, want %d in labs + 24 in the farm", r.GPUs, labGPUs)
				}
			})
		}
	}
}

// A farm without GPUs while some owners are consolidated: their GPU jobs are infeasible, their
// zero-GPU jobs run at once, and lab owners are untouched.
func TestPartialEmptyFarm(t *testing.T) {
	c := partialCluster()
	c.Farm.Nodes = nil
	w := workload([]string{"A", "C"}, []jobSpec{
		{Owner: "A", Submit: 0, GPUs: 2, Duration: 10},
		{Owner: "C", Submit: 1, GPUs: 1, Duration: 5},
		{Owner: "C", Submit: 2, GPUs: 0, Duration: 5},
		{Owner: "A", Submit: 3, GPUs: 1, Duration: 5},
	})
	for _, p := range partialFarmPolicies() {
		r := run(t, c, w, p, sim.Options{})
		checkTimes(t, r, []float64{0, nan, 2, 10}, []float64{10, nan, 7, 15}, 0)
		if r.Jobs.Infeasible != 1 || r.GPUs != 3 {
			t.Errorf("%s: %d infeasible, %d GPUs; want 1 and 3 (A's and B's)", p, r.Jobs.Infeasible, r.GPUs)
		}
	}
}
