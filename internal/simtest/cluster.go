// Package simtest builds the small clusters that the simulator's and the planner's tests share,
// so that both describe their expectations against the same hand-checkable worlds.
package simtest

import (
	"github.com/gpuplan/gpuplan"
)

// GPUType is the GPU model of the scheduling and queueing tests; its power figures matter only to
// tests of the power model, which build their own.
func GPUType() gpuplan.GPUType {
	return gpuplan.GPUType{Name: "g", TDPW: 700, IdleW: 70, BusyW: 500, MinLimit: 0.3}
}

// OwnerSpec is one owner's private pool: Nodes nodes of GPN GPUs each.
type OwnerSpec struct {
	Name  string
	Nodes int
	GPN   int
}

// PoolCluster builds a cluster whose owners sit at a lab site and whose farm has farmNodes nodes of
// farmGPN GPUs. Node draw is zero: these clusters are for schedule tests. It takes the callers' own
// copy of OwnerSpec, so that their tests can write owners as unkeyed literals (vet refuses those
// of another package's struct type).
func PoolCluster[S ~struct {
	Name  string
	Nodes int
	GPN   int
}](specs []S, farmNodes, farmGPN int) *gpuplan.Cluster {
	c := &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{GPUType()},
		Sites:    []gpuplan.Site{{Name: "lab", PUE: 1.8}, {Name: "farm", PUE: 1.3}},
		Farm: gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{
			{Count: farmNodes, GPUsPerNode: farmGPN, GPUType: "g"},
		}},
	}
	for _, spec := range specs {
		o := OwnerSpec(spec)
		c.Owners = append(c.Owners, gpuplan.Owner{Name: o.Name, Site: "lab", Nodes: []gpuplan.NodeGroup{
			{Count: o.Nodes, GPUsPerNode: o.GPN, GPUType: "g"},
		}})
	}
	return c
}
