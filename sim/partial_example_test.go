package sim_test

import (
	"fmt"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// Partial consolidation: alice and bob move their 2 GPUs each to a 4-GPU farm, carol keeps hers in
// her lab (Lab). Under fifo, alice's three 2-GPU jobs of an hour share the farm (two start at
// once, the third at 1 h), while carol's two jobs queue in her own 2-GPU pool as they would
// fragmented. The run holds 6 GPUs: the farm's 4 and carol's 2.
func ExampleRun_partial() {
	gpu := gpuplan.GPUType{Name: "h100", TDPW: 700, IdleW: 70, BusyW: 500, MinLimit: 0.3}
	node := func(g int) []gpuplan.NodeGroup {
		return []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: g, GPUType: "h100"}}
	}
	c := &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{gpu},
		Sites:    []gpuplan.Site{{Name: "lab", PUE: 1.8}, {Name: "farm", PUE: 1.3}},
		Owners: []gpuplan.Owner{
			{Name: "alice", Site: "lab", Nodes: node(2)},
			{Name: "bob", Site: "lab", Nodes: node(2)},
			{Name: "carol", Site: "lab", Nodes: node(2), Lab: true},
		},
		Farm: gpuplan.Farm{Site: "farm", Nodes: node(4)},
	}
	w := &gpuplan.Workload{Owners: []string{"alice", "bob", "carol"}}
	for i, o := range []int32{0, 0, 0, 2, 2} {
		w.Jobs = append(w.Jobs, gpuplan.Job{ID: fmt.Sprint(w.Owners[o][:1], i), Owner: o, Group: -1, GPUs: 2, Duration: 3600})
	}
	r, err := sim.Run(c, w, "fifo", sim.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d GPUs\n", r.GPUs)
	for i, j := range w.Jobs {
		fmt.Printf("%s (%s) starts at %.0f h\n", j.ID, w.Owners[j.Owner], r.Start[i]/3600)
	}
	// Output:
	// 6 GPUs
	// a0 (alice) starts at 0 h
	// a1 (alice) starts at 0 h
	// a2 (alice) starts at 1 h
	// c3 (carol) starts at 0 h
	// c4 (carol) starts at 1 h
}
