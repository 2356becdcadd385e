package gpuplan

import (
	"fmt"
	"math"
	"sort"
)

// PerfCurve is a GPU type's throughput against its power limit: knots sorted by F, linear between
// them and held at the end values beyond them. An empty curve means perf = 1 at every limit.
type PerfCurve []PerfPoint

// At returns the throughput at power limit f (a fraction of TDP), relative to f = 1.
func (c PerfCurve) At(f float64) float64 {
	n := len(c)
	if n == 0 {
		return 1
	}
	if f <= c[0].F {
		return c[0].Perf
	}
	if f >= c[n-1].F {
		return c[n-1].Perf
	}
	i := sort.Search(n, func(i int) bool { return c[i].F >= f })
	a, b := c[i-1], c[i]
	if b.F == f {
		return b.Perf
	}
	return a.Perf + (b.Perf-a.Perf)*(f-a.F)/(b.F-a.F)
}

// Check accepts an empty curve or knots with strictly increasing positive F, positive finite
// perf and perf(1) = 1: a limit of TDP is the speed every duration is measured at.
func (c PerfCurve) Check() error {
	for i, p := range c {
		if !finite(p.F) || p.F <= 0 || !finite(p.Perf) || p.Perf <= 0 {
			return fmt.Errorf("point %d (f %v, perf %v): f and perf must be finite and positive", i, p.F, p.Perf)
		}
		if i > 0 && p.F <= c[i-1].F {
			return fmt.Errorf("point %d: f %v not above the previous %v (sort by f)", i, p.F, c[i-1].F)
		}
	}
	if len(c) > 0 {
		if v := c.At(1); math.Abs(v-1) > 1e-9 {
			return fmt.Errorf("perf(1) = %v, want 1", v)
		}
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
