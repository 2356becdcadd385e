package planner_test

import (
	"errors"
	"math"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/sim"
)

var nan = math.NaN()

// Four jobs: a (16 GPUs, 2 h) and b (4 GPUs, 1 h, latent) are infeasible in the fragmented world
// and run on the farm; c (latent, 64 GPUs, 3 h) runs nowhere; d runs in both.
func largeJobsWorkload() (*gpuplan.Workload, *sim.Result, *sim.Result) {
	w := &gpuplan.Workload{Owners: []string{"alice"}, Jobs: []gpuplan.Job{
		{ID: "a", GPUs: 16, Duration: 7200},
		{ID: "b", GPUs: 4, Duration: 3600, Latent: true},
		{ID: "c", GPUs: 64, Duration: 10800, Latent: true},
		{ID: "d", GPUs: 1, Duration: 1800},
	}}
	frag := &sim.Result{Name: "fragmented", Start: []float64{nan, nan, nan, 0}, End: []float64{nan, nan, nan, 1800}}
	farm := &sim.Result{Name: "easy", Start: []float64{0, 0, nan, 0}, End: []float64{7200, 3600, nan, 1800}}
	return w, frag, farm
}

func TestFarmOnly(t *testing.T) {
	w, frag, farm := largeJobsWorkload()
	tests := []struct {
		name     string
		other    *sim.Result
		jobs     int
		gpuHours float64
	}{
		{"farm", farm, 2, 16*2 + 4*1},
		{"fragmented against itself", frag, 0, 0},
	}
	for _, tc := range tests {
		jobs, gh, err := planner.FarmOnly(w, frag, tc.other)
		if err != nil || jobs != tc.jobs || math.Abs(gh-tc.gpuHours) > 1e-9 {
			t.Errorf("%s: %d jobs, %v GPU-h, %v; want %d, %v", tc.name, jobs, gh, err, tc.jobs, tc.gpuHours)
		}
	}
	if _, _, err := planner.FarmOnly(w, frag, &sim.Result{Name: "short"}); !errors.Is(err, planner.ErrMismatch) {
		t.Errorf("mismatched result: err %v", err)
	}
}

func TestLatent(t *testing.T) {
	w, frag, farm := largeJobsWorkload()
	tests := []struct {
		name string
		r    *sim.Result
		want planner.LatentJobs
	}{
		// b: 4 GPU-h, c: 192 GPU-h.
		{"fragmented", frag, planner.LatentJobs{Submitted: 2, GPUHours: 196, Infeasible: 2, InfeasibleGPUHours: 196}},
		{"farm", farm, planner.LatentJobs{Submitted: 2, GPUHours: 196, Completed: 1, CompletedGPUHours: 4, Infeasible: 1, InfeasibleGPUHours: 192}},
	}
	for _, tc := range tests {
		got, err := planner.Latent(w, tc.r)
		if err != nil || got != tc.want { // whole GPU-hours: exact
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	if _, err := planner.Latent(nil, farm); !errors.Is(err, planner.ErrMismatch) {
		t.Errorf("nil workload: err %v", err)
	}
}

// largeCluster: alice holds 2 GPUs (one node), bob 8 (two nodes of 4), both at the lab; the farm
// has three nodes of 8. GPUs draw 70 W idle and 500 W busy (TDP 700, min limit 0.3), nodes nothing,
// PUE 1, so a site's admission sum is 70 W per GPU it holds plus 430 W per GPU of the job (at full
// limit) or min(500, 0.3 x 700) - 70 = 140 W (throttling to the floor).
func largeCluster(labCapW, farmCapW float64, mode gpuplan.CapMode) *gpuplan.Cluster {
	node := func(n, gpn int) []gpuplan.NodeGroup {
		return []gpuplan.NodeGroup{{Count: n, GPUsPerNode: gpn, GPUType: "g"}}
	}
	site := func(name string, capW float64) gpuplan.Site {
		s := gpuplan.Site{Name: name, PUE: 1, CapW: capW}
		if capW > 0 {
			s.CapMode = mode
		}
		return s
	}
	return &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{{Name: "g", TDPW: 700, IdleW: 70, BusyW: 500, MinLimit: 0.3}},
		Sites:    []gpuplan.Site{site("lab", labCapW), site("farm", farmCapW)},
		Owners:   []gpuplan.Owner{{Name: "alice", Site: "lab", Nodes: node(1, 2)}, {Name: "bob", Site: "lab", Nodes: node(2, 4)}},
		Farm:     gpuplan.Farm{Site: "farm", Nodes: node(3, 8)},
	}
}

func TestLargestFeasible(t *testing.T) {
	noOwners := largeCluster(0, 0, gpuplan.CapNone)
	noOwners.Owners = nil
	tests := []struct {
		name      string
		c         *gpuplan.Cluster
		policy    string
		placement sim.Placement
		want      int
	}{
		{"fragmented: bob's pool", largeCluster(0, 0, gpuplan.CapNone), "fragmented", sim.PlacementDefault, 8},
		{"farm, pool placement", largeCluster(0, 0, gpuplan.CapNone), "fifo", sim.PlacementPool, 24},
		{"farm, node placement", largeCluster(0, 0, gpuplan.CapNone), "easy", sim.PlacementNodes, 24},
		// Queue cap 24 x 70 + 10 x 430 = 5,980 W: ten GPUs fit, eleven (6,410 W) do not, on whole
		// nodes as in one pool.
		{"farm cap, queue, pool", largeCluster(0, 5980, gpuplan.CapQueue), "easy", sim.PlacementPool, 10},
		{"farm cap, queue, nodes", largeCluster(0, 5980, gpuplan.CapQueue), "fifo", sim.PlacementNodes, 10},
		// Throttling to the floor: 1,680 + 24 x 140 = 5,040 W fits, so the whole farm.
		{"farm cap, throttle", largeCluster(0, 5980, gpuplan.CapThrottle), "easy", sim.PlacementPool, 24},
		// Lab cap 10 x 70 + 5 x 430 = 2,850 W: bob's pool holds 8 but only 5 can draw at once.
		{"lab cap, queue", largeCluster(2850, 0, gpuplan.CapQueue), "fragmented", sim.PlacementDefault, 5},
		{"lab cap leaves the farm alone", largeCluster(2850, 0, gpuplan.CapQueue), "fifo", sim.PlacementDefault, 24},
		{"no owners: fragmented is empty", noOwners, "fragmented", sim.PlacementDefault, 0},
		{"no owners: the farm remains", noOwners, "easy", sim.PlacementDefault, 24},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := planner.LargestFeasible(tc.c, tc.policy, sim.Options{Placement: tc.placement})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("largest feasible %d, want %d", got, tc.want)
			}
		})
	}
	if _, err := planner.LargestFeasible(largeCluster(0, 0, gpuplan.CapNone), "lottery", sim.Options{}); !errors.Is(err, sim.ErrUnknownPolicy) {
		t.Errorf("unknown policy: err %v", err)
	}
	bad := largeCluster(0, 0, gpuplan.CapNone)
	bad.Sites[0].PUE = 0.5
	if _, err := planner.LargestFeasible(bad, "fragmented", sim.Options{}); !errors.Is(err, gpuplan.ErrInvalidCluster) {
		t.Errorf("invalid cluster: err %v", err)
	}
}

// The answer agrees with a real run: a job of that size runs, one GPU more is infeasible.
func TestLargestFeasibleAgreesWithRun(t *testing.T) {
	c := largeCluster(2850, 5980, gpuplan.CapQueue)
	for _, policy := range []string{"fragmented", "fifo", "easy"} {
		l, err := planner.LargestFeasible(c, policy, sim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		w := &gpuplan.Workload{Owners: []string{"alice", "bob"}}
		for o := range 2 {
			for _, g := range []int{l, l + 1} {
				w.Jobs = append(w.Jobs, gpuplan.Job{ID: "x", Owner: int32(o), Group: -1, GPUs: int32(g), Duration: 60})
			}
		}
		r, err := sim.Run(c, w, policy, sim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		someFit := !math.IsNaN(r.Start[0]) || !math.IsNaN(r.Start[2])
		noneBigger := math.IsNaN(r.Start[1]) && math.IsNaN(r.Start[3])
		if !someFit || !noneBigger {
			t.Errorf("%s: largest %d, but starts %v", policy, l, r.Start)
		}
	}
}
