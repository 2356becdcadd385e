package main

import (
	"fmt"

	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/sim"
)

// largeJobRows are the table rows for large jobs.
func largeJobRows(ls []planner.LargeJobs) []tableRow {
	by := map[string]*planner.LargeJobs{}
	for i := range ls {
		by[ls[i].Policy] = &ls[i]
	}
	cell := func(f func(l *planner.LargeJobs) string) func(r *sim.Result) string {
		return func(r *sim.Result) string {
			if l := by[r.Name]; l != nil {
				return f(l)
			}
			return "-"
		}
	}
	rows := []tableRow{
		{"largest job (GPUs)", cell(func(l *planner.LargeJobs) string { return thousands(float64(l.LargestFeasibleGPUs), 0) })},
		{"farm-only demand (GPU-h)", cell(func(l *planner.LargeJobs) string {
			if l.FarmOnlyGPUHours == nil {
				return "-"
			}
			return thousands(*l.FarmOnlyGPUHours, 0)
		})},
	}
	if len(ls) > 0 && ls[0].Latent != nil {
		rows = append(rows,
			tableRow{"latent jobs run / submitted", cell(func(l *planner.LargeJobs) string {
				return fmt.Sprintf("%s/%s", thousands(float64(l.Latent.Completed), 0), thousands(float64(l.Latent.Submitted), 0))
			})},
			tableRow{"latent demand run (GPU-h)", cell(func(l *planner.LargeJobs) string { return thousands(l.Latent.CompletedGPUHours, 0) })},
			tableRow{"latent demand infeasible (GPU-h)", cell(func(l *planner.LargeJobs) string { return thousands(l.Latent.InfeasibleGPUHours, 0) })},
		)
	}
	return rows
}
