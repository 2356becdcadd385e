package planner_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gpuplan/gpuplan/planner"
)

// curveModel gives a p95 wait that is a known function of the searched value, plus noise that
// depends on the seed only, so every answer can be worked out by hand.
type curveModel struct {
	key   string
	p95   func(x float64) float64
	noise func(seed uint64) float64
	// infeasible jobs at x (the fragmented world has none)
	infeasible func(x float64) float64
}

func (m curveModel) Run(p planner.Point, seed uint64) (planner.Metrics, error) {
	v, ok := p.Lookup(m.key)
	if !ok {
		return nil, fmt.Errorf("no %s in %v", m.key, p)
	}
	x := v.(float64)
	out := planner.Metrics{planner.MetricWaitP95: m.p95(x), planner.MetricInfeasible: 0,
		planner.MetricFragWaitP95: 50, planner.MetricFragInfeasible: 0}
	if m.noise != nil {
		out[planner.MetricWaitP95] += m.noise(seed)
	}
	if m.infeasible != nil {
		out[planner.MetricInfeasible] = m.infeasible(x)
	}
	return out, nil
}

func TestSizeSearch(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5}
	// Seeds 1..5 add -2..2: sd sqrt(2.5), half-width t(0.975,4) sqrt(2.5)/sqrt(5) = 1.9632.
	spread := func(s uint64) float64 { return float64(s) - 3 }
	cases := []struct {
		name        string
		spec        planner.SizeSpec
		model       curveModel
		answer      float64 // -1: none
		settled     bool
		maxEvaluted int
	}{
		{"gpus: 100/x <= 10", planner.SizeSpec{Kind: planner.SizeGPUs, Target: new(10.0), Lo: 1, Hi: 100, Step: 1},
			curveModel{key: planner.KeyFarmGPUs, p95: func(x float64) float64 { return 100 / x }}, 10, true, 16},
		{"gpus: upper bound of the interval decides (100/x + 1.9632 <= 10)", planner.SizeSpec{Kind: planner.SizeGPUs, Target: new(10.0), Lo: 1, Hi: 100, Step: 1},
			curveModel{key: planner.KeyFarmGPUs, p95: func(x float64) float64 { return 100 / x }, noise: spread}, 13, true, 16},
		{"gpus: a farm too small passes nothing by leaving jobs out", planner.SizeSpec{Kind: planner.SizeGPUs, Target: new(10.0), Lo: 1, Hi: 100, Step: 1},
			curveModel{key: planner.KeyFarmGPUs, p95: func(x float64) float64 {
				if x < 5 {
					return 0
				}
				return 100 / x
			}, infeasible: func(x float64) float64 {
				if x < 5 {
					return 1
				}
				return 0
			}}, 10, true, 16},
		{"gpus: default target is the fragmented p95 (50)", planner.SizeSpec{Kind: planner.SizeGPUs, Lo: 1, Hi: 100, Step: 1},
			curveModel{key: planner.KeyFarmGPUs, p95: func(x float64) float64 { return 100 / x }}, 2, true, 16},
		{"gpus: step of 8", planner.SizeSpec{Kind: planner.SizeGPUs, Target: new(10.0), Lo: 8, Hi: 800, Step: 8},
			curveModel{key: planner.KeyFarmGPUs, p95: func(x float64) float64 { return 1000 / x }}, 104, true, 16},
		{"gpus: none meets", planner.SizeSpec{Kind: planner.SizeGPUs, Target: new(0.5), Lo: 1, Hi: 100, Step: 1},
			curveModel{key: planner.KeyFarmGPUs, p95: func(x float64) float64 { return 100 / x }}, -1, true, 9},
		{"gpus: not monotone", planner.SizeSpec{Kind: planner.SizeGPUs, Target: new(10.0), Lo: 1, Hi: 100, Step: 1},
			curveModel{key: planner.KeyFarmGPUs, p95: func(x float64) float64 {
				if x == 51 { // on the 5-value grid
					return 1000
				}
				return 100 / x
			}}, 10, false, 16},
		{"cap: 50-x <= 5", planner.SizeSpec{Kind: planner.SizeCap, Target: new(5.0), Lo: 1, Hi: 100, Step: 1},
			curveModel{key: planner.KeyPowerCapKW, p95: func(x float64) float64 { return max(0, 50-x) }}, 45, true, 16},
		{"cap: half-kW steps", planner.SizeSpec{Kind: planner.SizeCap, Target: new(5.0), Lo: 0.5, Hi: 100, Step: 0.5},
			curveModel{key: planner.KeyPowerCapKW, p95: func(x float64) float64 { return max(0, 50.2-x) }}, 45.5, true, 17},
		{"power: |x-30| <= 10, largest is 40", planner.SizeSpec{Kind: planner.SizePower, Target: new(10.0), Lo: 1, Hi: 100, Step: 1, BudgetKW: 100},
			curveModel{key: planner.KeyFarmGPUs, p95: func(x float64) float64 { return max(x-30, 30-x) }}, 40, true, 16},
		{"power: nothing on the grid meets", planner.SizeSpec{Kind: planner.SizePower, Target: new(1.0), Lo: 1, Hi: 100, Step: 1, BudgetKW: 100},
			curveModel{key: planner.KeyFarmGPUs, p95: func(x float64) float64 { return max(x-30, 30-x) }}, -1, false, 9},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, workers := range []int{1, 3} {
				sz, err := planner.Size(tc.model, tc.spec, planner.Options{Seeds: seeds, Workers: workers})
				if err != nil {
					t.Fatal(err)
				}
				got := -1.0
				if sz.Answer != nil {
					got = *sz.Answer
				}
				if got != tc.answer || sz.Settled != tc.settled {
					t.Fatalf("workers %d: answer %v settled %v (%s), want %v settled %v", workers, got, sz.Settled, sz.Note, tc.answer, tc.settled)
				}
				if len(sz.Curve) > tc.maxEvaluted {
					t.Errorf("evaluated %d values, want at most %d", len(sz.Curve), tc.maxEvaluted)
				}
				for i, c := range sz.Curve {
					if i > 0 && c.X <= sz.Curve[i-1].X {
						t.Errorf("curve not sorted at %d: %v after %v", i, c.X, sz.Curve[i-1].X)
					}
					if c.Metrics[planner.MetricWaitP95].N != len(seeds) {
						t.Errorf("x=%v: %d runs, want %d", c.X, c.Metrics[planner.MetricWaitP95].N, len(seeds))
					}
				}
			}
		})
	}
}

func TestSizeRejects(t *testing.T) {
	m := curveModel{key: planner.KeyFarmGPUs, p95: func(x float64) float64 { return x }}
	cases := []struct {
		name string
		spec planner.SizeSpec
	}{
		{"kind", planner.SizeSpec{Kind: "racks", Lo: 1, Hi: 10, Step: 1}},
		{"lo 0 means the owners' GPUs", planner.SizeSpec{Kind: planner.SizeGPUs, Lo: 0, Hi: 10, Step: 1}},
		{"hi below lo", planner.SizeSpec{Kind: planner.SizeGPUs, Lo: 10, Hi: 1, Step: 1}},
		{"no step", planner.SizeSpec{Kind: planner.SizeGPUs, Lo: 1, Hi: 10}},
		{"fractional GPUs", planner.SizeSpec{Kind: planner.SizeGPUs, Lo: 1, Hi: 10, Step: 0.5}},
		{"negative target", planner.SizeSpec{Kind: planner.SizeGPUs, Lo: 1, Hi: 10, Step: 1, Target: new(-1.0)}},
		{"power without budget", planner.SizeSpec{Kind: planner.SizePower, Lo: 1, Hi: 10, Step: 1}},
		{"searched key fixed", planner.SizeSpec{Kind: planner.SizeGPUs, Lo: 1, Hi: 10, Step: 1, Base: planner.Point{{Key: planner.KeyFarmGPUs, Value: 5.0}}}},
	}
	for _, tc := range cases {
		if _, err := planner.Size(m, tc.spec, planner.Options{Seeds: []uint64{1}}); !errors.Is(err, planner.ErrBadSize) {
			t.Errorf("%s: err %v, want ErrBadSize", tc.name, err)
		}
	}
}
