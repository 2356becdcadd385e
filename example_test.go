package gpuplan_test

import (
	"fmt"

	"github.com/gpuplan/gpuplan"
)

// A planner's inputs are a cluster (who holds which GPUs where, and the farm they could share)
// and a workload (who asks for how many GPUs, when, for how long). Validate lists every problem
// before any simulation runs.
func Example() {
	c := &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{{Name: "h100", TDPW: 700, IdleW: 70, BusyW: 500, MinLimit: 0.3}},
		Sites:    []gpuplan.Site{{Name: "lab", PUE: 1.6}, {Name: "farm", PUE: 1.2}},
		Owners: []gpuplan.Owner{
			{Name: "kim", Site: "lab", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 8, GPUType: "h100"}}},
			{Name: "lee", Site: "lab", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 4, GPUType: "h100"}}},
		},
		Farm: gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{{Count: 2, GPUsPerNode: 8, GPUType: "h100"}}},
	}
	w := &gpuplan.Workload{}
	w.Jobs = append(w.Jobs,
		gpuplan.Job{ID: "train", Owner: w.OwnerIndex("kim"), Group: -1, GPUs: 16, Duration: 3600},
		gpuplan.Job{ID: "eval", Owner: w.OwnerIndex("lee"), Group: -1, Submit: 60, GPUs: 2, Duration: -1})
	fmt.Println("cluster:", c.Validate())
	fmt.Println("farm GPUs:", c.Farm.GPUs(), "kim holds:", c.Owners[0].GPUs())
	fmt.Println("workload:", w.Validate())
	// Output:
	// cluster: <nil>
	// farm GPUs: 16 kim holds: 8
	// workload: gpuplan: invalid workload: job "eval" (row 1): duration_s -1 must be between 0 and 3155760000 (100 years)
}
