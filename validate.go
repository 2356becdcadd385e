package gpuplan

import (
	"errors"
	"fmt"
)

// Sentinel errors of Validate; callers wrap them with details, so test them with errors.Is.
var (
	ErrInvalidCluster  = errors.New("gpuplan: invalid cluster")
	ErrInvalidWorkload = errors.New("gpuplan: invalid workload")
)

// maxListed caps the per-job problems reported, so a broken million-row file gives a readable error.
const maxListed = 20

// Validate checks the cluster's own invariants (unique names, known GPU types and sites, finite
// non-negative powers, PUE of at least 1, a cap only with a cap mode, valid perf curves) and lists
// every problem it finds, each wrapping ErrInvalidCluster.
func (c *Cluster) Validate() error {
	if c == nil {
		return fmt.Errorf("%w: nil cluster", ErrInvalidCluster)
	}
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidCluster}, a...)...))
	}
	types, sites, owners := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, t := range c.GPUTypes {
		if types[t.Name] {
			bad("GPU type %q defined twice", t.Name)
		}
		types[t.Name] = true
		for _, f := range []struct {
			name string
			v    float64
		}{{"tdp_w", t.TDPW}, {"idle_w", t.IdleW}, {"busy_w", t.BusyW}} {
			if !finite(f.v) || f.v < 0 {
				bad("GPU type %q: %s %v must be finite and non-negative", t.Name, f.name, f.v)
			}
		}
		if !(t.MinLimit > 0 && t.MinLimit <= 1) {
			bad("GPU type %q: min_limit %v must be in (0, 1]", t.Name, t.MinLimit)
		}
		if err := t.Perf.Check(); err != nil {
			bad("GPU type %q: perf: %v", t.Name, err)
		}
	}
	for _, s := range c.Sites {
		if sites[s.Name] {
			bad("site %q defined twice", s.Name)
		}
		sites[s.Name] = true
		if !finite(s.PUE) || s.PUE < 1 {
			bad("site %q: pue %v must be at least 1", s.Name, s.PUE)
		}
		if !finite(s.CapW) || s.CapW < 0 {
			bad("site %q: cap_w %v must be finite and non-negative", s.Name, s.CapW)
		}
		switch {
		case s.CapMode > CapThrottle:
			bad("site %q: unknown cap mode %d", s.Name, s.CapMode)
		case s.CapW > 0 && s.CapMode == CapNone:
			bad("site %q: cap_w %v set without a cap mode (queue or throttle)", s.Name, s.CapW)
		}
	}
	groups := func(where string, gs []NodeGroup) {
		for j, g := range gs {
			if !types[g.GPUType] {
				bad("%s node group %d: unknown GPU type %q", where, j, g.GPUType)
			}
			if g.Count < 0 {
				bad("%s node group %d: count %d is negative", where, j, g.Count)
			}
			if g.GPUsPerNode < 1 && g.Count > 0 {
				bad("%s node group %d: gpus_per_node %d must be at least 1", where, j, g.GPUsPerNode)
			}
			if !finite(g.NodeW) || g.NodeW < 0 {
				bad("%s node group %d: node_w %v must be finite and non-negative", where, j, g.NodeW)
			}
		}
	}
	site := func(where, name string, nodes []NodeGroup) {
		if !sites[name] && (name != "" || len(nodes) > 0) {
			bad("%s: unknown site %q", where, name)
		}
	}
	for _, o := range c.Owners {
		if owners[o.Name] {
			bad("owner %q defined twice", o.Name)
		}
		owners[o.Name] = true
		where := fmt.Sprintf("owner %q", o.Name)
		site(where, o.Site, o.Nodes)
		groups(where, o.Nodes)
	}
	site("farm", c.Farm.Site, c.Farm.Nodes)
	groups("farm", c.Farm.Nodes)
	if !finite(c.Farm.IdleOffS) || c.Farm.IdleOffS < 0 {
		bad("farm: idle_off_s %v must be finite and non-negative", c.Farm.IdleOffS)
	}
	if !finite(c.Farm.BootS) || c.Farm.BootS < 0 {
		bad("farm: boot_s %v must be finite and non-negative", c.Farm.BootS)
	}
	return errors.Join(errs...)
}

// Validate checks every job against the workload's owners and the job bounds (MaxGPUs,
// MaxSeconds for durations, MaxPowerW; submit times finite, utilization non-negative) and
// reports the first 20 problems, each wrapping ErrInvalidWorkload, and a count of the rest.
func (w *Workload) Validate() error {
	if w == nil {
		return fmt.Errorf("%w: nil workload", ErrInvalidWorkload)
	}
	var errs []error
	more := 0
	bad := func(j *Job, i int, format string, a ...any) {
		if len(errs) >= maxListed {
			more++
			return
		}
		errs = append(errs, fmt.Errorf("%w: job %q (row %d): "+format, append([]any{ErrInvalidWorkload, j.ID, i}, a...)...))
	}
	nOwners := int32(len(w.Owners))
	for i := range w.Jobs {
		j := &w.Jobs[i]
		if j.Owner < 0 || j.Owner >= nOwners {
			bad(j, i, "owner index %d out of range (%d owners)", j.Owner, nOwners)
		}
		if !finite(j.Submit) {
			bad(j, i, "submit_s %v is not finite", j.Submit)
		}
		if j.GPUs < 0 || j.GPUs > MaxGPUs {
			bad(j, i, "gpus %d must be between 0 and %d", j.GPUs, MaxGPUs)
		}
		if !(j.Duration >= 0 && j.Duration <= MaxSeconds) {
			bad(j, i, "duration_s %v must be between 0 and %.0f (100 years)", j.Duration, float64(MaxSeconds))
		}
		if !(j.PowerW >= 0 && j.PowerW <= MaxPowerW) {
			bad(j, i, "power_w %v must be between 0 and %d", j.PowerW, MaxPowerW)
		}
		if !finite(j.Util) || j.Util < 0 {
			bad(j, i, "util %v must be finite and non-negative", j.Util)
		}
	}
	if more > 0 {
		errs = append(errs, fmt.Errorf("%w: and %d more job problems", ErrInvalidWorkload, more))
	}
	return errors.Join(errs...)
}
