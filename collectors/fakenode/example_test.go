package fakenode_test

import (
	"fmt"
	"time"

	"github.com/gpuplan/gpuplan/collectors/fakenode"
)

// A fake DGX A100 whose GPUs follow a seeded workload; its Lib goes to nvmlsource.Open.
func Example() {
	epoch := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	now := epoch.Add(2 * time.Hour)
	n, _ := fakenode.New(fakenode.Options{Model: "dgxa100", Seed: 42, Epoch: epoch, Clock: func() time.Time { return now }})
	count, _ := n.Lib().DeviceGetCount()
	d, _ := n.Lib().DeviceGetHandleByIndex(0)
	name, _ := d.GetName()
	fmt.Println(count, "x", name)
	jobs := n.Jobs()
	fmt.Println(len(jobs) > 0, jobs[0].Start.After(epoch))
	// Output:
	// 8 x Mock NVIDIA A100-SXM4-40GB
	// true true
}
