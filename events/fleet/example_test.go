package fleet_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/fleet"
	"github.com/gpuplan/gpuplan/events/projection"
)

// Two owners' GPUs publish what they run into a log; a projection of the log gives the jobs
// back on the one-minute sample grid, and the pools the fleet was built from. Each node's
// collector samples its fake GPUs every minute from the epoch until 4 batches after the last
// process ends (kim's at 5400 s, batch 89): 94 batches a node, plus an inventory and an
// ownership event per node.
func Example() {
	pools := []gpuplan.Pool{
		{Owner: "kim", GPUs: 8, GPUsPerNode: 8, GPUType: "H100", Site: "lab-1"},
		{Owner: "lee", GPUs: 4, GPUsPerNode: 4, GPUType: "A100", Site: "lab-2"},
	}
	w := &gpuplan.Workload{}
	add := func(owner string, submit float64, gpus int32, dur float64) {
		w.Jobs = append(w.Jobs, gpuplan.Job{ID: fmt.Sprint("j", len(w.Jobs)), Owner: w.OwnerIndex(owner), Group: -1,
			Submit: submit, GPUs: gpus, Duration: dur, Util: 0.8, PowerW: 550})
	}
	add("kim", 0, 8, 3600)  // the whole node for an hour
	add("kim", 90, 4, 1800) // waits for the first (FIFO) and starts at 3600
	add("lee", 30, 2, 600)  // starts at once
	add("lee", 65, 1, 20)   // 65..85 s: between the batches at 60 and 120, never seen

	f, err := fleet.New(pools, fleet.Options{})
	if err != nil {
		panic(err)
	}
	var log events.MemStore
	emit, flush := fleet.Appending(context.Background(), &log, 0)
	r, err := f.Run(w, nil, emit)
	if err != nil {
		panic(err)
	}
	if err := flush(); err != nil {
		panic(err)
	}
	fmt.Printf("%d nodes, %d events (%d batches), %d jobs never seen\n", r.Nodes, r.Events, r.Batches, r.Invisible)

	p := projection.New(projection.Options{Epoch: fleet.DefaultEpoch})
	_ = log.Replay(context.Background(), time.Time{}, time.Time{}, nil, func(e events.Event) error { return p.Add(e) })
	pw, st := p.Workload()
	for _, j := range pw.Jobs {
		fmt.Printf("%s: submit %5.0f s, %d GPUs for %4.0f s, util %.2f, %.0f W\n",
			pw.Owners[j.Owner], j.Submit, j.GPUs, j.Duration, j.Util, j.PowerW)
	}
	fmt.Println("open jobs:", st.Open)
	pp, _ := p.Ownership().Pools(time.Time{})
	fmt.Printf("%+v\n", pp)
	// Output:
	// 2 nodes, 192 events (188 batches), 1 jobs never seen
	// kim: submit     0 s, 8 GPUs for 3600 s, util 0.80, 550 W
	// lee: submit    60 s, 2 GPUs for  600 s, util 0.80, 550 W
	// kim: submit  3600 s, 4 GPUs for 1800 s, util 0.80, 550 W
	// open jobs: 0
	// [{Owner:kim GPUs:8 GPUsPerNode:8 GPUType:H100 Site:lab-1} {Owner:lee GPUs:4 GPUsPerNode:4 GPUType:A100 Site:lab-2}]
}
