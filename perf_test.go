package gpuplan_test

import (
	"math"
	"testing"

	"github.com/gpuplan/gpuplan"
)

// zeus is the median perf(f) curve of compute-heavy jobs measured by Zeus (You, Chung and
// Chowdhury, NSDI 2023), the curve the built-in scenarios use.
var zeus = gpuplan.PerfCurve{
	{F: 0.3, Perf: 0.31}, {F: 0.4, Perf: 0.50}, {F: 0.5, Perf: 0.72}, {F: 0.6, Perf: 0.86},
	{F: 0.7, Perf: 0.92}, {F: 0.8, Perf: 0.97}, {F: 0.9, Perf: 0.99}, {F: 1.0, Perf: 1.00},
}

func TestPerfAt(t *testing.T) {
	cases := []struct {
		f, want float64
	}{
		{1, 1},
		{0.95, 0.995}, // halfway between 0.9 -> 0.99 and 1 -> 1
		{0.45, 0.61},  // halfway between 0.4 -> 0.50 and 0.5 -> 0.72
		{0.3, 0.31},   // first knot
		{0.2, 0.31},   // below the curve: held at the first knot
		{0.72, 0.93},  // 0.92 + 0.2*(0.97-0.92)
		{0.6, 0.86},   // on a knot
		{1.2, 1},      // above: held at the last knot
	}
	for _, tc := range cases {
		if got := zeus.At(tc.f); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("perf(%g) = %v, want %v", tc.f, got, tc.want)
		}
	}
	if got := gpuplan.PerfCurve(nil).At(0.4); got != 1 {
		t.Errorf("empty curve: perf(0.4) = %v, want 1", got)
	}
}

func TestValidatePerfCurve(t *testing.T) {
	cases := []struct {
		name string
		ps   []gpuplan.PerfPoint
		ok   bool
	}{
		{"empty", nil, true},
		{"zeus", zeus, true},
		{"perf(1) not 1", []gpuplan.PerfPoint{{F: 0.5, Perf: 0.5}, {F: 1, Perf: 0.9}}, false},
		{"ends before 1 below 1", []gpuplan.PerfPoint{{F: 0.5, Perf: 0.7}}, false},
		{"ends before 1 at 1", []gpuplan.PerfPoint{{F: 0.5, Perf: 0.7}, {F: 0.9, Perf: 1}}, true},
		{"duplicate f", []gpuplan.PerfPoint{{F: 0.5, Perf: 0.7}, {F: 0.5, Perf: 0.8}, {F: 1, Perf: 1}}, false},
		{"zero perf", []gpuplan.PerfPoint{{F: 0.3, Perf: 0}, {F: 1, Perf: 1}}, false},
		{"NaN", []gpuplan.PerfPoint{{F: math.NaN(), Perf: 1}}, false},
	}
	for _, tc := range cases {
		if err := gpuplan.PerfCurve(tc.ps).Check(); (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}
