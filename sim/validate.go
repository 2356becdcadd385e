package sim

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// maxJobs bounds the workload so a job index fits the event encoding (see events.go).
const maxJobs = 1 << refBits

// maxPowerW bounds a job's per-GPU draw (W), so it fits the engine's 32-bit milliwatts.
const maxPowerW = 1e6

// maxListed caps the per-job problems reported, so a broken million-row file gives a readable error.
const maxListed = 20

// lookup resolves the names a Cluster uses to refer to its own parts.
type lookup struct {
	types  map[string]int // GPUType.Name -> index in Cluster.GPUTypes
	sites  map[string]int // Site.Name -> index in Cluster.Sites
	owners map[string]int // Owner.Name -> index in Cluster.Owners
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// validate checks c, w and opt once, before any world is built, and lists every problem it finds.
// farm says whether a farm policy will run.
func validate(c *Cluster, w *Workload, farm bool, opt Options) (*lookup, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil cluster", ErrInvalidCluster)
	}
	if w == nil {
		return nil, fmt.Errorf("%w: nil workload", ErrInvalidWorkload)
	}
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidCluster}, a...)...))
	}
	lk := &lookup{types: map[string]int{}, sites: map[string]int{}, owners: map[string]int{}}
	for i, t := range c.GPUTypes {
		if _, dup := lk.types[t.Name]; dup {
			bad("GPU type %q defined twice", t.Name)
		}
		lk.types[t.Name] = i
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
		if err := checkPerf(t.Perf); err != nil {
			bad("GPU type %q: perf: %v", t.Name, err)
		}
	}
	for i, s := range c.Sites {
		if _, dup := lk.sites[s.Name]; dup {
			bad("site %q defined twice", s.Name)
		}
		lk.sites[s.Name] = i
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
			if _, ok := lk.types[g.GPUType]; !ok {
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
		if _, ok := lk.sites[name]; !ok && (name != "" || len(nodes) > 0) {
			bad("%s: unknown site %q", where, name)
		}
	}
	for i, o := range c.Owners {
		if _, dup := lk.owners[o.Name]; dup {
			bad("owner %q defined twice", o.Name)
		}
		lk.owners[o.Name] = i
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
	if farm && c.Farm.IdleOffS > 0 && opt.Placement == PlacementPool {
		bad("farm: idle power-off (idle_off_s %v) needs node placement", c.Farm.IdleOffS)
	}
	if opt.Placement > PlacementNodes {
		errs = append(errs, fmt.Errorf("%w: unknown placement %d", ErrInvalidOptions, opt.Placement))
	}
	if f := opt.EstimateFactor; !finite(f) || f < 0 {
		errs = append(errs, fmt.Errorf("%w: estimate factor %v must be finite and non-negative", ErrInvalidOptions, f))
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"KRW per kWh", opt.Prices.KRWPerKWh}, {"kg CO2 per kWh", opt.Prices.KgCO2PerKWh}, {"KRW per kW-month", opt.Prices.KRWPerKWMonth}} {
		if !finite(p.v) {
			errs = append(errs, fmt.Errorf("%w: price %s %v is not finite", ErrInvalidOptions, p.name, p.v))
		}
	}
	if m := opt.Measure; !finite(m.FromS) || !finite(m.ToS) || m.FromS < 0 || m.ToS < 0 || m.ToS != 0 && m.ToS <= m.FromS {
		errs = append(errs, fmt.Errorf("%w: measure window from %v s to %v s: want 0 <= from < to (to 0: the end of the run), finite", ErrInvalidOptions, m.FromS, m.ToS))
	}
	errs = append(errs, validateQuota(opt, lk)...)

	var missing []string
	for _, name := range w.Owners {
		if _, ok := lk.owners[name]; !ok {
			missing = append(missing, fmt.Sprintf("%q", name))
		}
	}
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("%w: no cluster owner for workload owner(s) %s", ErrUnknownOwner, strings.Join(missing, ", ")))
	}
	if len(w.Jobs) >= maxJobs {
		errs = append(errs, fmt.Errorf("%w: %d jobs, at most %d supported", ErrInvalidWorkload, len(w.Jobs), maxJobs-1))
	}
	errs = append(errs, validateJobs(w)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return lk, nil
}

// validateJobs checks every job and reports the first maxListed problems and a count of the rest.
func validateJobs(w *Workload) []error {
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
		if j.GPUs < 0 {
			bad(j, i, "gpus %d is negative", j.GPUs)
		}
		if !finite(j.Duration) || j.Duration < 0 {
			bad(j, i, "duration_s %v must be finite and non-negative", j.Duration)
		}
		if !finite(j.PowerW) || j.PowerW < 0 || j.PowerW > maxPowerW {
			bad(j, i, "power_w %v must be between 0 and %g", j.PowerW, maxPowerW)
		}
		if !finite(j.Util) || j.Util < 0 {
			bad(j, i, "util %v must be finite and non-negative", j.Util)
		}
	}
	if more > 0 {
		errs = append(errs, fmt.Errorf("%w: and %d more job problems", ErrInvalidWorkload, more))
	}
	return errs
}

// checkPerf accepts an empty curve (perf = 1 everywhere) or knots with strictly increasing positive F,
// positive finite perf and perf(1) = 1.
func checkPerf(ps []PerfPoint) error {
	for i, p := range ps {
		if !finite(p.F) || p.F <= 0 || !finite(p.Perf) || p.Perf <= 0 {
			return fmt.Errorf("point %d (f %v, perf %v): f and perf must be finite and positive", i, p.F, p.Perf)
		}
		if i > 0 && p.F <= ps[i-1].F {
			return fmt.Errorf("point %d: f %v not above the previous %v (sort by f)", i, p.F, ps[i-1].F)
		}
	}
	if len(ps) > 0 {
		if v := perfAt(ps, 1); math.Abs(v-1) > 1e-9 {
			return fmt.Errorf("perf(1) = %v, want 1", v)
		}
	}
	return nil
}
