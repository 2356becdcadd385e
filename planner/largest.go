package planner

import (
	"fmt"
	"math"
	"slices"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// LargestFeasible returns the most GPUs one job can ask for and still run in the world of policy
// on c under opt: the largest owner's pool when fragmented, the farm's pool (less, if its power cap
// cannot admit it) on the farm. A job counts as feasible as the engine decides at arrival, with the
// GPU type's busy draw (no power_w of its own); the answer is the largest over the owners, since
// a policy may give owners different worlds (private pools, quotas).
//
// It asks the engine itself (sim.Run) rather than restating its rules: each owner's answer is found by
// bisection, every step one small run with one job per owner still undecided, so about
// log2(GPUs) runs of at most len(c.Owners) jobs. Bisection assumes that a job that fits also fits
// with fewer GPUs, true of every world built from GPU counts and a power cap.
func LargestFeasible(c *gpuplan.Cluster, policy string, opt sim.Options) (int, error) {
	if c == nil {
		return 0, fmt.Errorf("%w: nil cluster", gpuplan.ErrInvalidCluster)
	}
	owners := make([]string, len(c.Owners))
	for i, o := range c.Owners {
		owners[i] = o.Name
	}
	if len(owners) == 0 {
		// A cluster without owners still has a farm: probe it with an owner who holds nothing.
		cc := *c
		cc.Owners = []gpuplan.Owner{{Name: "probe"}}
		c, owners = &cc, []string{"probe"}
	}
	bound := c.Farm.GPUs()
	for i := range c.Owners {
		bound += c.Owners[i].GPUs()
	}
	// lo fits and hi does not (no world holds more GPUs than the whole fleet).
	lo, hi := make([]int, len(owners)), make([]int, len(owners))
	for i := range hi {
		hi[i] = bound + 1
	}
	opt.Progress = nil
	opt.TimelinePoints = 2
	w := &gpuplan.Workload{Owners: owners}
	var probing []int
	for {
		w.Jobs, probing = w.Jobs[:0], probing[:0]
		for i := range owners {
			if hi[i]-lo[i] > 1 {
				probing = append(probing, i)
				w.Jobs = append(w.Jobs, gpuplan.Job{ID: owners[i], Owner: int32(i), Group: -1, GPUs: int32((lo[i] + hi[i]) / 2), Duration: 1})
			}
		}
		if len(probing) == 0 {
			break
		}
		r, err := sim.Run(c, w, policy, opt)
		if err != nil {
			return 0, fmt.Errorf("largest feasible job under %s: %w", policy, err)
		}
		for k, i := range probing {
			if g := int(w.Jobs[k].GPUs); math.IsNaN(r.Start[k]) {
				hi[i] = g
			} else {
				lo[i] = g
			}
		}
	}
	return slices.Max(lo), nil
}
