package nvmlsource_test

import (
	"fmt"

	"github.com/gpuplan/gpuplan/collectors/fakenode"
	"github.com/gpuplan/gpuplan/collectors/nvmlsource"
)

// Open takes any NVML library: nvml.New() on a GPU node, a go-nvml mock (here through
// fakenode, which gives the mock readings) in tests.
func Example() {
	node, _ := fakenode.New(fakenode.Options{Model: "dgxh200"})
	src, err := nvmlsource.Open(node.Lib())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()
	inv, _ := src.Inventory()
	g := inv.GPUs[0]
	fmt.Println(len(inv.GPUs), g.Name, g.MemoryBytes>>30, "GiB", g.TDPW, "W", inv.DriverVersion, inv.CUDAVersion)
	// Output: 8 NVIDIA H200 141GB HBM3e 141 GiB 700 W 550.54.15 12.4
}
