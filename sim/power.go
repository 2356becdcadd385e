package sim

import (
	"math"

	"github.com/gpuplan/gpuplan"
)

// Power sums are kept in integer milliwatts so that adding and later removing a job's draw cancels
// exactly, in any order, over millions of events.
func mw(w float64) int64 { return int64(math.Round(w * 1000)) }

// capEps absorbs rounding when a schedule puts a site exactly at its cap.
const capEps = 1e-12

// gtype is a GPUType in engine units.
type gtype struct {
	tdp, idle, busy int64 // mW
	minLimit        float64
	perf            gpuplan.PerfCurve
}

// part is a share of one job's GPUs of one type.
type part struct{ typ, n int32 }

// site is a place with power: it sums the draw of its pools and enforces its cap.
type site struct {
	name      string
	pue, capW float64
	capMW     int64           // the cap as the largest IT draw within it (see setCap)
	mode      gpuplan.CapMode // CapNone when uncapped
	fmin      float64         // throttle floor: the highest MinLimit among the site's GPU types
	types     []int32         // GPU types present
	pools     []int32

	// Draw, mW. A powered node's GPUs are all counted idle in base; a job adds its difference.
	base    int64   // powered nodes: node draw plus every GPU's idle draw
	baseAll int64   // base with every node powered
	run1    int64   // running jobs at f = 1: sum n*(min(w, tdp) - idle)
	runIdle int64   // running jobs: sum n*idle
	placed  int64   // placed jobs (running or booting) at the admission fraction: sum n*(min(w, fc*tdp) - idle)
	checkT  []int64 // by GPU type: the admission fraction times TDP, mW

	// Throttle: the running GPUs by draw ratio, so that the largest f within the cap is found in
	// O(log GPUs).
	draws *drawIndex

	f, speed float64
	// Virtual work clock: V(t) = v0 + speed*(t - t0). A job needing d seconds at full speed ends when
	// V has advanced by d, so ends stored in V never change when f does.
	t0, v0 float64
	ch     vHeap
	gen    uint32 // of the site's pending evSite event

	itW, facW     float64 // draw now
	binding       bool    // the cap constrains the site now (see doc.go)
	touched       bool
	proxyDirty    bool
	powerBlockedN int // pools of the site whose last pass was refused a start by the cap
}

func (s *site) capped() bool   { return s.mode != gpuplan.CapNone }
func (s *site) throttle() bool { return s.mode == gpuplan.CapThrottle }

// within reports whether an IT draw of itMW keeps the site at or below its cap.
func (s *site) within(itMW int64) bool { return itMW <= s.capMW }

// setCap fixes capMW, the largest IT draw (mW) whose facility power PUE*IT is within the cap, so
// that every admission test afterwards is an exact integer comparison.
func (s *site) setCap() {
	ok := func(x int64) bool { return s.pue*float64(x)/1000 <= s.capW*(1+capEps) }
	x := int64(math.Floor(s.capW * 1000 / s.pue))
	for ok(x + 1) {
		x++
	}
	for x > math.MinInt64/2 && !ok(x) {
		x--
	}
	s.capMW = x
}

// vnow is the site's virtual time at t.
func (s *site) vnow(t float64) float64 {
	if t == s.t0 {
		return s.v0
	}
	return s.v0 + s.speed*(t-s.t0)
}

// realAt is the real time at which the site's virtual clock reaches v.
func (s *site) realAt(v float64) float64 {
	if v == s.v0 {
		return s.t0
	}
	return s.t0 + (v-s.v0)/s.speed
}

// solveF returns the largest f in [fmin, 1] at which the running jobs keep the site within its cap,
// or fmin when even that does not fit (booting jobs, reserved at admission, are not yet drawing).
func (s *site) solveF() float64 {
	if s.within(s.base + s.run1) {
		return 1
	}
	// Budget for sum min(w, f*tdp) over running GPUs.
	budget := float64(s.capMW - s.base + s.runIdle)
	f := s.draws.solve(budget)
	return min(max(f, s.fmin), 1)
}

// speedAt is the progress rate of every job at the site at fraction f: the slowest of the site's
// GPU types, and exactly 1 at f = 1.
func speedAt(types []gtype, at []int32, f float64) float64 {
	if f >= 1 {
		return 1
	}
	sp := math.Inf(1)
	for _, t := range at {
		sp = min(sp, types[t].perf.At(f))
	}
	if math.IsInf(sp, 1) {
		return 1
	}
	return sp
}

// itMW is the site's IT draw now, mW.
func (s *site) itMW() float64 {
	if !s.throttle() || s.f >= 1 {
		return float64(s.base + s.run1)
	}
	return float64(s.base-s.runIdle) + s.draws.drawAt(s.f)
}
