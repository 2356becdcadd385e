package main

import (
	"fmt"

	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/sim"
)

// largeJobs is what one policy's world offers large jobs: the JSON document's large_jobs, one per
// policy in the order run.
type largeJobs struct {
	Policy              string `json:"policy"`
	LargestFeasibleGPUs int    `json:"largest_feasible_gpus"`
	// Jobs infeasible under fragmented that completed under this policy, and their GPU-hours;
	// absent for fragmented itself and when fragmented was not run.
	FarmOnlyJobs     *int     `json:"farm_only_jobs,omitempty"`
	FarmOnlyGPUHours *float64 `json:"farm_only_gpu_hours,omitempty"`
	// Latent demand (scenario latent_large), present when the workload has any.
	Latent *sim.LatentJobs `json:"latent,omitempty"`
}

// largeJobsOf annotates finished runs; the fragmented run, when there is one, is the reference for
// farm-only demand.
func largeJobsOf(b *scenarios.Built, res []*sim.Result) ([]largeJobs, error) {
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
	out := make([]largeJobs, len(res))
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

// largeJobRows are the table rows for large jobs.
func largeJobRows(ls []largeJobs) []tableRow {
	by := map[string]*largeJobs{}
	for i := range ls {
		by[ls[i].Policy] = &ls[i]
	}
	cell := func(f func(l *largeJobs) string) func(r *sim.Result) string {
		return func(r *sim.Result) string {
			if l := by[r.Name]; l != nil {
				return f(l)
			}
			return "-"
		}
	}
	rows := []tableRow{
		{"largest job (GPUs)", cell(func(l *largeJobs) string { return thousands(float64(l.LargestFeasibleGPUs), 0) })},
		{"farm-only demand (GPU-h)", cell(func(l *largeJobs) string {
			if l.FarmOnlyGPUHours == nil {
				return "-"
			}
			return thousands(*l.FarmOnlyGPUHours, 0)
		})},
	}
	if len(ls) > 0 && ls[0].Latent != nil {
		rows = append(rows,
			tableRow{"latent jobs run / submitted", cell(func(l *largeJobs) string {
				return fmt.Sprintf("%s/%s", thousands(float64(l.Latent.Completed), 0), thousands(float64(l.Latent.Submitted), 0))
			})},
			tableRow{"latent demand run (GPU-h)", cell(func(l *largeJobs) string { return thousands(l.Latent.CompletedGPUHours, 0) })},
			tableRow{"latent demand infeasible (GPU-h)", cell(func(l *largeJobs) string { return thousands(l.Latent.InfeasibleGPUHours, 0) })},
		)
	}
	return rows
}
