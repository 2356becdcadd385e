package collectors_test

import (
	"fmt"
	"os"
	"time"

	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/collectors/fakenode"
	"github.com/gpuplan/gpuplan/collectors/nvmlsource"
	"github.com/gpuplan/gpuplan/events"
)

// A collector on a fake DGX H100 writes its inventory and sample batches to a spool; a
// publisher would send them on to the log.
func Example() {
	dir, _ := os.MkdirTemp("", "spool")
	defer os.RemoveAll(dir)
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	node, _ := fakenode.New(fakenode.Options{Seed: 1, Epoch: now, Clock: func() time.Time { return now }})
	src, _ := nvmlsource.Open(node.Lib())
	defer src.Close()
	spool, _ := collectors.OpenSpool(dir, collectors.SpoolOptions{})
	defer spool.Close()
	c, _ := collectors.New(collectors.Options{Node: "gpu-a01", Interval: 10 * time.Second, Source: src, Procs: node.Procs(), Queue: spool})
	for range 3 {
		c.Tick(now)
		now = now.Add(10 * time.Second)
	}
	recs, _ := spool.Peek(10)
	for _, r := range recs {
		fmt.Println(r.Event.Time.Format(time.TimeOnly), r.Event.Name())
	}
	b, _ := events.DecodeAs[events.GPUSampleBatch](recs[1].Event)
	fmt.Println(len(b.GPUs), "GPUs per batch")
	// Output:
	// 08:00:00 gpu.inventory
	// 08:00:00 gpu.samples
	// 08:00:10 gpu.samples
	// 08:00:20 gpu.samples
	// 8 GPUs per batch
}
