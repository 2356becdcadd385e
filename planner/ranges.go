package planner

import (
	"math"

	"github.com/gpuplan/gpuplan/scenarios"
)

// DefaultRange is the range a sizing of this kind searches on a built scenario when none is
// given: for gpus, one farm node up to the farm as built (the owners' GPUs), a node at a time;
// for power, one node up to twice that; for cap, 1% of the farm's greatest possible facility draw
// (every GPU at TDP, every node powered) up to all of it, in steps of that 1%.
func DefaultRange(b *scenarios.Built, kind string) Range {
	farm := b.Cluster.Farm
	gpus, gpn := farm.GPUs(), 8
	if len(farm.Nodes) > 0 {
		gpn = farm.Nodes[0].GPUsPerNode
	}
	top := float64(max(gpn, (gpus+gpn-1)/gpn*gpn))
	switch kind {
	case SizePower:
		return Range{Lo: float64(gpn), Hi: 2 * top, Step: float64(gpn)}
	case SizeCap:
		step := math.Max(1, math.Round(FarmMaxKW(b)/100))
		return Range{Lo: step, Hi: 100 * step, Step: step}
	}
	return Range{Lo: float64(gpn), Hi: top, Step: float64(gpn)}
}

// FarmMaxKW is the farm's facility draw with every GPU at its TDP and every node powered, kW: no
// cap at or above it ever binds.
func FarmMaxKW(b *scenarios.Built) float64 {
	c := b.Cluster
	tdp := map[string]float64{}
	for _, t := range c.GPUTypes {
		tdp[t.Name] = t.TDPW
	}
	pue := 1.0
	for _, s := range c.Sites {
		if s.Name == c.Farm.Site {
			pue = s.PUE
		}
	}
	var w float64
	for _, g := range c.Farm.Nodes {
		w += float64(g.Count) * (float64(g.GPUsPerNode)*tdp[g.GPUType] + g.NodeW)
	}
	return pue * w / 1000
}
