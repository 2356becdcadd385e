package planner

import (
	"slices"
	"strings"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/scenarios"
)

// PilotSlice takes the seed case's first owners researchers and their jobs submitted within
// horizonS seconds of the start, with their pools: the part of a case a pilot sends through the
// event log.
func PilotSlice(seed *scenarios.Built, owners int, horizonS float64) (*gpuplan.Workload, []gpuplan.Pool) {
	n := min(owners, len(seed.Cluster.Owners))
	var pools []gpuplan.Pool
	keep := map[string]int32{}
	w := &gpuplan.Workload{}
	for _, o := range seed.Cluster.Owners[:n] {
		keep[o.Name] = int32(len(w.Owners))
		w.Owners = append(w.Owners, o.Name)
		for _, g := range o.Nodes {
			pools = append(pools, gpuplan.Pool{Owner: o.Name, GPUs: g.GPUs(),
				GPUsPerNode: g.GPUsPerNode, GPUType: g.GPUType, Site: o.Site})
		}
	}
	for _, j := range seed.Workload.Jobs {
		idx, ok := keep[seed.Workload.Owners[j.Owner]]
		if !ok || j.Submit >= horizonS {
			continue
		}
		j.Owner, j.Group = idx, -1
		w.Jobs = append(w.Jobs, j)
	}
	return w, pools
}

// PilotScenario builds the comparison of a pilot's projected jobs: pools as the log's ownership
// events hold them (GPU types named as collectors report them, "NVIDIA rtx4090"), the seed case's
// seed, prices and policies, and the farm's power cap scaled by the slice's share of the seed
// case's GPUs (slice: the pools PilotSlice gave), so a capped farm stays as tight per GPU.
func PilotScenario(seed *scenarios.Built, slice []gpuplan.Pool, projected *gpuplan.Workload, held []gpuplan.Pool) (*scenarios.Built, error) {
	capKW := 0.0
	for _, s := range seed.Cluster.Sites {
		if s.Name == seed.Cluster.Farm.Site {
			capKW = s.CapW / 1000 * float64(poolGPUs(slice)) / float64(ownerGPUs(seed.Cluster))
		}
	}
	return scenarios.FromWorkload(projected, seed.Name+"-pilot", "", scenarios.FileOptions{
		Seed: seed.Seed, FarmCapKW: capKW, Prices: seed.Options.Prices, Policies: seed.Policies,
		Pools: catalogTypes(held)})
}

// catalogTypes turns the product names collectors report ("NVIDIA rtx4090") back into the GPU
// type names of the scenario catalogue.
func catalogTypes(pools []gpuplan.Pool) []gpuplan.Pool {
	out := slices.Clone(pools)
	for i := range out {
		out[i].GPUType = strings.TrimPrefix(out[i].GPUType, "NVIDIA ")
	}
	return out
}

func poolGPUs(pools []gpuplan.Pool) (n int) {
	for _, p := range pools {
		n += p.GPUs
	}
	return n
}

func ownerGPUs(c *gpuplan.Cluster) (n int) {
	for i := range c.Owners {
		n += c.Owners[i].GPUs()
	}
	return n
}
