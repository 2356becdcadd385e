package sim_test

import (
	"fmt"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// Two researchers hold 2 GPUs each. Alice submits three 2-GPU jobs of an hour at once, Bob one
// 1-GPU job. Kept apart, Alice's jobs queue behind each other while Bob's spare GPU idles
// (waits 0, 1 h, 2 h and 0: mean 0.75 h; 7 GPU-hours over 4 GPUs x 3 h = 58.3%). Pooled in a
// 4-GPU farm under fifo, two of her jobs start at once, and her third job and Bob's start at 1 h
// (waits 0, 0, 1 h, 1 h: mean 0.5 h; the farm is done after 2 h). Both worlds are measured over
// the same 3 h, the farm idling in its last hour: the same 7 GPU-hours on the same 4 GPUs give
// the same 58.3%; what consolidation buys here is shorter waits and the spare hour.
func ExampleRun() {
	gpu := gpuplan.GPUType{Name: "h100", TDPW: 700, IdleW: 70, BusyW: 500, MinLimit: 0.3}
	node := []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 2, GPUType: "h100", NodeW: 150}}
	c := &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{gpu},
		Sites:    []gpuplan.Site{{Name: "lab", PUE: 1.8}, {Name: "farm", PUE: 1.3}},
		Owners:   []gpuplan.Owner{{Name: "alice", Site: "lab", Nodes: node}, {Name: "bob", Site: "lab", Nodes: node}},
		Farm:     gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 4, GPUType: "h100", NodeW: 300}}},
	}
	w := &gpuplan.Workload{Owners: []string{"alice", "bob"}}
	for i, g := range []int32{2, 2, 2} {
		w.Jobs = append(w.Jobs, gpuplan.Job{ID: fmt.Sprint("a", i), Owner: 0, Group: -1, GPUs: g, Duration: 3600})
	}
	w.Jobs = append(w.Jobs, gpuplan.Job{ID: "b0", Owner: 1, Group: -1, GPUs: 1, Duration: 3600})

	results, err := sim.RunAll(c, w, []string{"fragmented", "fifo"}, sim.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range results {
		fmt.Printf("%s: mean wait %.2f h, max %.2f h, utilization %.1f%%, done after %.0f h of %.0f h\n",
			r.Name, r.WaitS.Mean/3600, r.WaitS.Max/3600, 100*r.Utilization, r.MakespanS/3600, r.WindowS/3600)
	}
	// Output:
	// fragmented: mean wait 0.75 h, max 2.00 h, utilization 58.3%, done after 3 h of 3 h
	// fifo: mean wait 0.50 h, max 1.00 h, utilization 58.3%, done after 2 h of 3 h
}
