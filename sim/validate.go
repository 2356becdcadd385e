package sim

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/gpuplan/gpuplan"
)

// maxJobs bounds the workload so a job index fits the event encoding (see events.go).
const maxJobs = 1 << refBits

// lookup resolves the names a Cluster uses to refer to its own parts.
type lookup struct {
	types  map[string]int // GPUType.Name -> index in Cluster.GPUTypes
	sites  map[string]int // Site.Name -> index in Cluster.Sites
	owners map[string]int // Owner.Name -> index in Cluster.Owners
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// validate checks c, w and opt once, before any world is built, and lists every problem it finds:
// the domain's own invariants (Cluster.Validate, Workload.Validate) and what depends on the
// options or the engine. farm says whether a farm policy will run.
func validate(c *gpuplan.Cluster, w *gpuplan.Workload, farm bool, opt Options) (*lookup, error) {
	if c == nil {
		return nil, fmt.Errorf("%w: nil cluster", gpuplan.ErrInvalidCluster)
	}
	if w == nil {
		return nil, fmt.Errorf("%w: nil workload", gpuplan.ErrInvalidWorkload)
	}
	var errs []error
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	lk := &lookup{types: map[string]int{}, sites: map[string]int{}, owners: map[string]int{}}
	for i, t := range c.GPUTypes {
		lk.types[t.Name] = i
	}
	for i, s := range c.Sites {
		lk.sites[s.Name] = i
	}
	for i, o := range c.Owners {
		lk.owners[o.Name] = i
	}
	if farm && c.Farm.IdleOffS > 0 && opt.Placement == PlacementPool {
		errs = append(errs, fmt.Errorf("%w: farm: idle power-off (idle_off_s %v) needs node placement", gpuplan.ErrInvalidCluster, c.Farm.IdleOffS))
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
		errs = append(errs, fmt.Errorf("%w: %d jobs, at most %d supported", gpuplan.ErrInvalidWorkload, len(w.Jobs), maxJobs-1))
	}
	if err := w.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return lk, nil
}
