package planner_test

import (
	"fmt"

	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/scenarios"
)

// A sweep over the share of owners consolidated, three seeds per point: the farm policy's p95
// wait with its 95% interval, and the fragmented world's on the same demand. Three runs of a
// small case give wide intervals, and a Student t interval is symmetric: it may reach below 0
// for a metric that cannot (a report may show such a bound as 0).
func ExampleSweep() {
	s, err := scenarios.Builtin("small")
	if err != nil {
		panic(err)
	}
	axis, err := planner.ParseAxis("farm_share=0,0.5,1")
	if err != nil {
		panic(err)
	}
	pts, err := planner.Sweep(&planner.ScenarioModel{Base: s}, []planner.Axis{axis},
		planner.Options{Seeds: planner.Seeds(s.Seed, 3)})
	if err != nil {
		panic(err)
	}
	for _, p := range pts {
		w, f := p.Metrics[planner.MetricWaitP95], p.Metrics[planner.MetricFragWaitP95]
		fmt.Printf("farm_share %.1f: p95 wait %5.1f h [%5.1f, %5.1f], fragmented %5.1f h\n",
			p.Params[planner.KeyFarmShare], w.Mean/3600, w.Lo/3600, w.Hi/3600, f.Mean/3600)
	}
	// Output:
	// farm_share 0.0: p95 wait  62.2 h [ -4.1, 128.5], fragmented  62.2 h
	// farm_share 0.5: p95 wait  47.3 h [-23.0, 117.6], fragmented  62.2 h
	// farm_share 1.0: p95 wait   3.4 h [ -5.4,  12.2], fragmented  62.2 h
}
