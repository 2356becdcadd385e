package planner

import (
	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/sim"
)

// LargeJobs is what one policy's world offers large jobs: the results document's large_jobs, one
// per policy in the order run.
type LargeJobs struct {
	Policy              string `json:"policy"`
	LargestFeasibleGPUs int    `json:"largest_feasible_gpus"`
	// Jobs infeasible under fragmented that completed under this policy, and their GPU-hours;
	// absent for fragmented itself and when fragmented was not run.
	FarmOnlyJobs     *int     `json:"farm_only_jobs,omitempty"`
	FarmOnlyGPUHours *float64 `json:"farm_only_gpu_hours,omitempty"`
	// Latent demand (scenario latent_large), present when the workload has any.
	Latent *sim.LatentJobs `json:"latent,omitempty"`
}

// LargeJobsOf annotates finished runs of b; the fragmented run, when there is one, is the
// reference for farm-only demand. The largest feasible job is asked of the engine
// (sim.LargestFeasible), which alone knows its feasibility rules.
func LargeJobsOf(b *scenarios.Built, res []*sim.Result) ([]LargeJobs, error) {
	var frag *sim.Result
	for _, r := range res {
		if r.Name == "fragmented" {
			frag = r
		}
	}
	latent := false
	for i := range b.Workload.Jobs {
		latent = latent || b.Workload.Jobs[i].Latent
	}
	out := make([]LargeJobs, len(res))
	for i, r := range res {
		l := &out[i]
		l.Policy = r.Name
		var err error
		if l.LargestFeasibleGPUs, err = sim.LargestFeasible(b.Cluster, r.Name, b.Options); err != nil {
			return nil, err
		}
		if frag != nil && r != frag {
			jobs, gh, err := sim.FarmOnly(b.Workload, frag, r)
			if err != nil {
				return nil, err
			}
			l.FarmOnlyJobs, l.FarmOnlyGPUHours = &jobs, &gh
		}
		if latent {
			lj, err := sim.Latent(b.Workload, r)
			if err != nil {
				return nil, err
			}
			l.Latent = &lj
		}
	}
	return out, nil
}
