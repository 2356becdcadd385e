package planner

import (
	"math"
	"slices"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/scenarios"
)

func TestCompress(t *testing.T) {
	cases := []struct {
		submit []float64
		g      float64
		want   []float64
	}{
		{[]float64{10, 20, 40}, 2, []float64{10, 15, 25}},
		{[]float64{10, 20, 40}, 0.5, []float64{10, 30, 70}},
		{[]float64{5, 5}, 3, []float64{5, 5}},
	}
	for _, tc := range cases {
		w := &gpuplan.Workload{}
		for _, s := range tc.submit {
			w.Jobs = append(w.Jobs, gpuplan.Job{Submit: s})
		}
		compress(w, tc.g)
		var got []float64
		for _, j := range w.Jobs {
			got = append(got, j.Submit)
		}
		if !slices.EqualFunc(got, tc.want, func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }) {
			t.Errorf("compress(%v, %v) = %v, want %v", tc.submit, tc.g, got, tc.want)
		}
	}
}

func TestGrow(t *testing.T) {
	cases := []struct {
		name                       string
		syn                        scenarios.Synthetic
		g                          float64
		load, maxOwner, latentRate float64
	}{
		{"defaults", scenarios.Synthetic{}, 1.5, 0.9, 1.2, 0},
		{"given", scenarios.Synthetic{Load: 0.5, MaxOwnerLoad: 0.7, LatentLarge: &scenarios.LatentLarge{RatePerWeek: 2}}, 2, 1, 1.4, 4},
		{"no cap", scenarios.Synthetic{Load: 0.5, MaxOwnerLoad: math.Inf(1)}, 2, 1, math.Inf(1), 0},
	}
	for _, tc := range cases {
		s := &scenarios.Scenario{Workload: scenarios.WorkloadSpec{Synthetic: &tc.syn}}
		grow(s, tc.g)
		got := s.Workload.Synthetic
		rate := 0.0
		if got.LatentLarge != nil {
			rate = got.LatentLarge.RatePerWeek
		}
		if math.Abs(got.Load-tc.load) > 1e-12 || got.MaxOwnerLoad != tc.maxOwner && math.Abs(got.MaxOwnerLoad-tc.maxOwner) > 1e-12 || rate != tc.latentRate {
			t.Errorf("%s: load %v max %v latent %v, want %v %v %v", tc.name, got.Load, got.MaxOwnerLoad, rate, tc.load, tc.maxOwner, tc.latentRate)
		}
	}
}
