package scenarios_test

import (
	"fmt"

	"github.com/gpuplan/gpuplan/scenarios"
)

func ExampleBuiltin() {
	s, err := scenarios.Builtin("small")
	if err != nil {
		panic(err)
	}
	b, err := s.Build()
	if err != nil {
		panic(err)
	}
	gpus := 0
	for _, o := range b.Cluster.Owners {
		for _, n := range o.Nodes {
			gpus += n.Count * n.GPUsPerNode
		}
	}
	fmt.Println(b.Name, len(b.Cluster.Owners), "owners,", gpus, "GPUs")
	for _, n := range b.Cluster.Farm.Nodes {
		fmt.Printf("farm: %d nodes of %d %s\n", n.Count, n.GPUsPerNode, n.GPUType)
	}
	fmt.Println("policies:", b.Policies)
	// Output:
	// small 4 owners, 24 GPUs
	// farm: 3 nodes of 8 a100-pcie-80
	// policies: [fragmented fifo easy]
}

func ExampleParse() {
	_, err := scenarios.Parse("institute.yaml", []byte(`name: demo
horizon: 30d
sites:
  - {name: lab, pue: 1.8}
  - {name: farm, pue: 0.9}
farm: {site: farm}
owners: [{name: ana, gpus: 8, gpu_type: rtx4090}]
workload: {synthetic: {load: 0.5}}
polices: [fifo]
`))
	fmt.Println(err)
	// Output:
	// institute.yaml:5: sites[1].pue: must be at least 1, got 0.9
	// institute.yaml:9: polices: unknown key; did you mean policies?
}
