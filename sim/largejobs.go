package sim

import (
	"fmt"
	"math"
	"slices"
)

// LargestFeasible returns the most GPUs one job can ask for and still run in the world of policy
// on c under opt: the largest owner's pool when fragmented, the farm's pool (less, if its power cap
// cannot admit it) on the farm. A job counts as feasible as the engine decides at arrival, with the
// GPU type's busy draw (no power_w of its own); the answer is the largest over the owners, since
// a policy may give owners different worlds (private pools, quotas).
//
// It asks the engine itself rather than restating its rules: each owner's answer is found by
// bisection, every step one small run with one job per owner still undecided, so about
// log2(GPUs) runs of at most len(c.Owners) jobs. Bisection assumes that a job that fits also fits
// with fewer GPUs, true of every world built from GPU counts and a power cap.
func LargestFeasible(c *Cluster, policy string, opt Options) (int, error) {
	if c == nil {
		return 0, fmt.Errorf("%w: nil cluster", ErrInvalidCluster)
	}
	owners := make([]string, len(c.Owners))
	for i, o := range c.Owners {
		owners[i] = o.Name
	}
	if len(owners) == 0 {
		// A cluster without owners still has a farm: probe it with an owner who holds nothing.
		cc := *c
		cc.Owners = []Owner{{Name: "probe"}}
		c, owners = &cc, []string{"probe"}
	}
	bound := nodeGPUs(c.Farm.Nodes)
	for _, o := range c.Owners {
		bound += nodeGPUs(o.Nodes)
	}
	// lo fits and hi does not (no world holds more GPUs than the whole fleet).
	lo, hi := make([]int, len(owners)), make([]int, len(owners))
	for i := range hi {
		hi[i] = bound + 1
	}
	opt.Progress = nil
	opt.TimelinePoints = 2
	w := &Workload{Owners: owners}
	var probing []int
	for {
		w.Jobs, probing = w.Jobs[:0], probing[:0]
		for i := range owners {
			if hi[i]-lo[i] > 1 {
				probing = append(probing, i)
				w.Jobs = append(w.Jobs, Job{ID: owners[i], Owner: int32(i), Group: -1, GPUs: int32((lo[i] + hi[i]) / 2), Duration: 1})
			}
		}
		if len(probing) == 0 {
			break
		}
		r, err := Run(c, w, policy, opt)
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

func nodeGPUs(gs []NodeGroup) int {
	n := 0
	for _, g := range gs {
		n += g.Count * g.GPUsPerNode
	}
	return n
}

// FarmOnly is the demand only other's world can serve: the jobs infeasible under fragmented (a
// result of the fragmented policy) that completed under other, and their GPU-hours at full speed.
func FarmOnly(w *Workload, fragmented, other *Result) (jobs int, gpuHours float64, err error) {
	if err := matches(w, fragmented, other); err != nil {
		return 0, 0, err
	}
	for i := range w.Jobs {
		if math.IsNaN(fragmented.Start[i]) && !math.IsNaN(other.Start[i]) {
			jobs++
			gpuHours += float64(w.Jobs[i].GPUs) * w.Jobs[i].Duration
		}
	}
	return jobs, gpuHours / 3600, nil
}

// LatentJobs counts the latent jobs of a run (Job.Latent: demand researchers cannot submit
// today), with their GPU-hours at full speed.
type LatentJobs struct {
	Submitted          int     `json:"submitted"`
	GPUHours           float64 `json:"gpu_hours"`
	Completed          int     `json:"completed"`
	CompletedGPUHours  float64 `json:"completed_gpu_hours"`
	Infeasible         int     `json:"infeasible"`
	InfeasibleGPUHours float64 `json:"infeasible_gpu_hours"`
}

// Latent counts r's latent jobs of w: submitted, completed and infeasible.
func Latent(w *Workload, r *Result) (LatentJobs, error) {
	var l LatentJobs
	if err := matches(w, r); err != nil {
		return l, err
	}
	for i := range w.Jobs {
		jb := &w.Jobs[i]
		if !jb.Latent {
			continue
		}
		gh := float64(jb.GPUs) * jb.Duration / 3600
		l.Submitted++
		l.GPUHours += gh
		if math.IsNaN(r.Start[i]) {
			l.Infeasible++
			l.InfeasibleGPUHours += gh
		} else {
			l.Completed++
			l.CompletedGPUHours += gh
		}
	}
	return l, nil
}

// matches checks that every result has a start and an end per job of w.
func matches(w *Workload, rs ...*Result) error {
	if w == nil {
		return fmt.Errorf("%w: nil workload", ErrMismatch)
	}
	for _, r := range rs {
		if r == nil {
			return fmt.Errorf("%w: nil result", ErrMismatch)
		}
		if len(r.Start) != len(w.Jobs) || len(r.End) != len(w.Jobs) {
			return fmt.Errorf("%w: %s has %d start and %d end times for %d jobs",
				ErrMismatch, r.Name, len(r.Start), len(r.End), len(w.Jobs))
		}
	}
	return nil
}
