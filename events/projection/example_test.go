package projection_test

import (
	"fmt"
	"time"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/projection"
)

// A node's GPUs belong to alice; kim runs one process on two GPUs for three minutes, and the
// node reports for another four minutes after it ends. The projection gives one finished job
// of alice's, and alice's pool.
func Example() {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	must := func(e events.Event, err error) events.Event {
		if err != nil {
			panic(err)
		}
		return e
	}
	log := []events.Event{
		must(events.New(events.KindGPUInventory, "inv-a", "node-a", start, events.GPUInventory{Node: "node-a", Site: "lab-1",
			GPUs: []events.GPUInfo{{Index: 0, UUID: "GPU-0", Model: "H100"}, {Index: 1, UUID: "GPU-1", Model: "H100"}}})),
		must(events.New(events.KindOwnershipAssigned, "own-a", "admin", start, events.OwnershipAssigned{Owner: "alice", Node: "node-a"})),
	}
	for m := 1; m <= 7; m++ {
		b := events.GPUSampleBatch{Node: "node-a", Site: "lab-1", IntervalS: 60, GPUs: []events.GPUSample{
			{Index: 0, UUID: "GPU-0", PowerW: 70}, {Index: 1, UUID: "GPU-1", PowerW: 70}}}
		if m <= 3 {
			for i := range b.GPUs {
				b.GPUs[i].UtilPct, b.GPUs[i].PowerW = 80, 500
				b.GPUs[i].Processes = []events.GPUProcess{{PID: 4242, User: "kim"}}
			}
		}
		at := start.Add(time.Duration(m) * time.Minute)
		log = append(log, must(events.New(events.KindGPUSampleBatch, fmt.Sprint("b", m), "node-a", at, b)))
	}

	p := projection.New(projection.Options{})
	for _, e := range log {
		if err := p.Add(e); err != nil {
			panic(err)
		}
	}
	jobs, st := p.Jobs()
	for _, j := range jobs {
		fmt.Printf("%s pid %d of %s, owner %s: %s to %s on %d GPUs, util %.2f, %.0f W per GPU, open %v\n",
			j.Node, j.PID, j.User, j.Owner, j.Start.Format(time.TimeOnly), j.End.Format(time.TimeOnly),
			len(j.GPUs), j.Util, j.PowerW, j.Open)
	}
	fmt.Printf("batches %d, jobs %d\n", st.Batches, st.Jobs)
	w, _ := p.Workload()
	fmt.Printf("workload: owner %s, submit %g s, %d GPUs for %g s\n", w.Owners[0], w.Jobs[0].Submit, w.Jobs[0].GPUs, w.Jobs[0].Duration)
	pools, _ := p.Ownership().Pools(time.Time{})
	fmt.Printf("pools: %+v\n", pools)
	// Output:
	// node-a pid 4242 of kim, owner alice: 09:01:00 to 09:04:00 on 2 GPUs, util 0.80, 500 W per GPU, open false
	// batches 7, jobs 1
	// workload: owner alice, submit 0 s, 2 GPUs for 180 s
	// pools: [{Owner:alice GPUs:2 GPUsPerNode:2 GPUType:H100 Site:lab-1}]
}
