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
