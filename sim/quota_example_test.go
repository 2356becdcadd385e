package sim_test

import (
	"fmt"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// Owner a borrows the whole 4-GPU farm beyond their 2-GPU quota; when b's in-quota job arrives
// at 10, a's job is preempted (no checkpoints: its 10 s are lost, 4 GPUs x 10 s) and restarts
// from scratch when b's job ends at 60.
func Example_quota() {
	g := gpuplan.GPUType{Name: "g", TDPW: 700, IdleW: 70, BusyW: 500, MinLimit: 0.3}
	c := &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{g},
		Sites:    []gpuplan.Site{{Name: "lab", PUE: 1.5}, {Name: "farm", PUE: 1.2}},
		Owners: []gpuplan.Owner{
			{Name: "a", Site: "lab", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 2, GPUType: "g"}}},
			{Name: "b", Site: "lab", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 2, GPUType: "g"}}},
		},
		Farm: gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 4, GPUType: "g"}}},
	}
	w := &gpuplan.Workload{Owners: []string{"a", "b"}, Jobs: []gpuplan.Job{
		{ID: "big", Owner: 0, Group: -1, Submit: 0, GPUs: 4, Duration: 100},
		{ID: "mine", Owner: 1, Group: -1, Submit: 10, GPUs: 2, Duration: 50},
	}}
	r, err := sim.Run(c, w, "quota", sim.Options{Placement: sim.PlacementPool})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, j := range w.Jobs {
		fmt.Printf("%s: [%g, %g]\n", j.ID, r.Start[i], r.End[i])
	}
	fmt.Printf("preemptions %d, lost %.0f GPU-s\n", r.Preemptions, r.LostGPUHours*3600)
	// Output:
	// big: [60, 160]
	// mine: [10, 60]
	// preemptions 1, lost 40 GPU-s
}
