package sim

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gpuplan/gpuplan"
)

// throttleSite is a site of GPUs of TDP 700 W and idle 70 W, PUE pue, no node draw, with running
// jobs given as (GPUs, per-GPU draw W), every GPU of the site busy.
func throttleSite(pue, capW, fmin float64, jobs [][2]float64) *site {
	s := &site{pue: pue, capW: capW, mode: gpuplan.CapThrottle, fmin: fmin, f: 1, speed: 1, draws: newDrawIndex(8)}
	for _, j := range jobs {
		n, w := int64(j[0]), mw(j[1])
		s.base += n * mw(70)
		s.run1 += n * (min(w, mw(700)) - mw(70))
		s.runIdle += n * mw(70)
		s.draws.add(n, w, mw(700))
	}
	s.setCap()
	return s
}

// TestSolveF: the largest f in [fmin, 1] with PUE * (idle + sum n*(min(w, 700 f) - 70)) <= cap,
// solved by hand.
func TestSolveF(t *testing.T) {
	four := [][2]float64{{4, 500}}            // IT at f = 1: 280 + 4*430 = 2000 W
	mixed := [][2]float64{{4, 500}, {2, 200}} // IT at f = 1: 420 + 1720 + 260 = 2400 W
	cases := []struct {
		name            string
		pue, capW, fmin float64
		jobs            [][2]float64
		want            float64
	}{
		{"fits at full power", 1, 2000, 0.3, four, 1},
		{"linear", 1, 1500, 0.3, four, 1500.0 / 2800},                  // 2800 f = 1500
		{"pue", 1.25, 1500, 0.3, four, 1200.0 / 2800},                  // 2800 f = 1500/1.25
		{"floor", 1, 500, 0.3, four, 0.3},                              // 500/2800 < 0.3
		{"light jobs unthrottled", 1, 2000, 0.1, mixed, 1600.0 / 2800}, // 2800 f + 400 = 2000, f >= 200/700
		{"all throttled", 1, 700, 0.1, mixed, 700.0 / 4200},            // 4200 f = 700, f < 200/700
		{"at the kink", 1, 1200, 0.1, mixed, 200.0 / 700},              // 2800 f + 400 = 1200 gives f = 2/7
	}
	for _, tc := range cases {
		s := throttleSite(tc.pue, tc.capW, tc.fmin, tc.jobs)
		got := s.solveF()
		if math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: f = %.12g, want %.12g", tc.name, got, tc.want)
		}
		if got > tc.fmin {
			s.f = got
			if p := s.pue * s.itMW() / 1000; p > tc.capW*(1+1e-9) {
				t.Errorf("%s: %v W at f %v above the %v W cap", tc.name, p, got, tc.capW)
			}
		}
	}
}

// TestDrawIndexAgainstBruteForce: random running sets (some draws shared, some repeated in one
// bucket, some above TDP, jobs added and removed) give the same G(f) and the same largest f within
// a budget as a direct sum over the GPUs.
func TestDrawIndexAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	type gpuSet struct{ n, w, tdp int64 }
	for trial := range 300 {
		d := newDrawIndex(int32(1 + rng.IntN(64)))
		var live []gpuSet
		for range 1 + rng.IntN(40) {
			tdp := []int64{700000, 300000}[rng.IntN(2)]
			w := []int64{500000, 250000, tdp, tdp + 100000, int64(rng.IntN(int(tdp)))}[rng.IntN(5)]
			g := gpuSet{int64(1 + rng.IntN(8)), w, tdp}
			d.add(g.n, g.w, g.tdp)
			live = append(live, g)
			if rng.IntN(4) == 0 { // remove one
				i := rng.IntN(len(live))
				d.add(-live[i].n, live[i].w, live[i].tdp)
				live = append(live[:i], live[i+1:]...)
			}
		}
		brute := func(f float64) float64 {
			var s float64
			for _, g := range live {
				s += float64(g.n) * math.Min(float64(g.w), f*float64(g.tdp))
			}
			return s
		}
		for range 5 {
			f := rng.Float64()
			if got, want := d.drawAt(f), brute(f); math.Abs(got-want) > 1e-6*max(1, want) {
				t.Fatalf("trial %d: G(%v) = %v, want %v", trial, f, got, want)
			}
		}
		budget := brute(rng.Float64())
		f := d.solve(budget)
		if math.IsInf(f, 1) {
			if g := brute(1); g > budget*(1+1e-9) {
				t.Fatalf("trial %d: solve says never over %v, but G(1) = %v", trial, budget, g)
			}
			continue
		}
		if g := brute(f); math.Abs(g-budget) > 1e-6*max(1, budget) {
			t.Fatalf("trial %d: G(%v) = %v, want the budget %v", trial, f, g, budget)
		}
	}
}
