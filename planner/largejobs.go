package planner

import (
	"fmt"
	"math"
	"slices"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/sim"
)

// LargeJobs is what one policy's world offers large jobs: the results document's large_jobs, one
// per policy in the order run.
type LargeJobs struct {
	Policy              string `json:"policy"`
	LargestFeasibleGPUs int    `json:"largest_feasible_gpus"`
	// Jobs infeasible under fragmented that completed under this policy, and their GPU-hours;
	// absent for fragmented itself and when fragmented was not run.
	FarmOnlyJobs     *int     `json:"farm_only_jobs,omitempty"`
	FarmOnlyGPUHours *float64 `json:"farm_only_gpu_hours,omitempty"`
	// Latent demand (scenario latent_large), present when the workload has any.
	Latent *LatentJobs `json:"latent,omitempty"`
}

// LargeJobsOf annotates finished runs of b; the fragmented run, when there is one, is the
// reference for farm-only demand. The largest feasible job is asked of the engine
// (LargestFeasible), which alone knows its feasibility rules.
func LargeJobsOf(b *scenarios.Built, res []*sim.Result) ([]LargeJobs, error) {
	var frag *sim.Result
	for _, r := range res {
		if r.Name == "fragmented" {
			frag = r
		}
	}
	latent := false
	for i := range b.Workload.Jobs {
		latent = latent || b.Workload.Jobs[i].Latent
	}
	out := make([]LargeJobs, len(res))
	for i, r := range res {
		l := &out[i]
		l.Policy = r.Name
		var err error
		if l.LargestFeasibleGPUs, err = LargestFeasible(b.Cluster, r.Name, b.Options); err != nil {
			return nil, err
		}
		if frag != nil && r != frag {
			jobs, gh, err := FarmOnly(b.Workload, frag, r)
			if err != nil {
				return nil, err
			}
			l.FarmOnlyJobs, l.FarmOnlyGPUHours = &jobs, &gh
		}
		if latent {
			lj, err := Latent(b.Workload, r)
			if err != nil {
				return nil, err
			}
			l.Latent = &lj
		}
	}
	return out, nil
}

// FarmOnly is the demand only other's world can serve: the jobs infeasible under fragmented (a
// result of the fragmented policy) that completed under other, and their GPU-hours at full speed.
func FarmOnly(w *gpuplan.Workload, fragmented, other *sim.Result) (jobs int, gpuHours float64, err error) {
	if err := matchRuns(w, fragmented, other); err != nil {
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

// LatentJobs counts the latent jobs of a run (gpuplan.Job.Latent: demand researchers cannot submit
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
func Latent(w *gpuplan.Workload, r *sim.Result) (LatentJobs, error) {
	var l LatentJobs
	if err := matchRuns(w, r); err != nil {
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

// matchRuns checks that every result has a start and an end per job of w.
func matchRuns(w *gpuplan.Workload, rs ...*sim.Result) error {
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
