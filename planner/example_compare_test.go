package planner_test

import (
	"fmt"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/planner"

	"github.com/gpuplan/gpuplan/sim"
)

// Alice holds 2 GPUs and submits two 2-GPU jobs of an hour at once; Bob holds 2 and submits one
// 1-GPU job of an hour a minute later. Kept apart, Alice's second job waits an hour and Bob's none.
// Pooled in a 4-GPU farm under fifo, both of Alice's start at once and Bob's waits 59 minutes for
// them: Alice is better off, Bob worse. Bob cannot run a 4-GPU job on his own, but can on the farm.
func ExampleCompare() {
	gpu := gpuplan.GPUType{Name: "h100", TDPW: 700, IdleW: 70, BusyW: 500, MinLimit: 0.3}
	node := []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 2, GPUType: "h100"}}
	c := &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{gpu},
		Sites:    []gpuplan.Site{{Name: "lab", PUE: 1.8}, {Name: "farm", PUE: 1.3}},
		Owners:   []gpuplan.Owner{{Name: "alice", Site: "lab", Nodes: node}, {Name: "bob", Site: "lab", Nodes: node}},
		Farm:     gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 4, GPUType: "h100"}}},
	}
	w := &gpuplan.Workload{Owners: []string{"alice", "bob"}, Jobs: []gpuplan.Job{
		{ID: "a1", Owner: 0, Group: -1, GPUs: 2, Duration: 3600},
		{ID: "a2", Owner: 0, Group: -1, GPUs: 2, Duration: 3600},
		{ID: "b1", Owner: 1, Group: -1, Submit: 60, GPUs: 1, Duration: 3600},
	}}
	res, err := sim.RunAll(c, w, []string{"fragmented", "fifo"}, sim.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	cmp, err := planner.Compare(w, res[0], res[1], planner.CompareOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s against %s: %d better, %d worse, %d unchanged; worst off %v\n",
		cmp.Policy, cmp.Baseline, cmp.Better, cmp.Worse, cmp.Unchanged, cmp.Worst)
	for _, o := range cmp.Owners {
		fmt.Printf("%s: mean wait %+.0f min (%s)\n", o.Owner, o.DeltaMeanWaitS/60, o.Verdict)
	}
	for _, p := range []string{"fragmented", "fifo"} {
		l, _ := planner.LargestFeasible(c, p, sim.Options{})
		fmt.Printf("largest job %s: %d GPUs\n", p, l)
	}
	// Output:
	// fifo against fragmented: 1 better, 1 worse, 0 unchanged; worst off [bob]
	// alice: mean wait -30 min (better)
	// bob: mean wait +59 min (worse)
	// largest job fragmented: 2 GPUs
	// largest job fifo: 4 GPUs
}
