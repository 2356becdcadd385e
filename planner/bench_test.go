package planner_test

import (
	"testing"

	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/scenarios"
)

func seedCase(b *testing.B) *scenarios.Scenario {
	b.Helper()
	s, err := scenarios.Builtin("institute-3000")
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkSweepSeedCase: the seed case's sweep of 5 farm_share values x 5 seeds on all cores
// (run with -benchtime 1x; one iteration is 25 builds and 50 policy runs).
func BenchmarkSweepSeedCase(b *testing.B) {
	s := seedCase(b)
	axes := []planner.Axis{{Key: planner.KeyFarmShare, Values: []any{0.0, 0.25, 0.5, 0.75, 1.0}}}
	for b.Loop() {
		if _, err := planner.Sweep(&planner.ScenarioModel{Base: s}, axes, planner.Options{Seeds: planner.Seeds(s.Seed, 5)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSizeGPUsSeedCase: the fewest farm GPUs of the seed case whose p95 wait stays at or
// below the fragmented p95, over the default range (one node to the owners' 3,000 GPUs, a node at
// a time), 5 seeds per size.
func BenchmarkSizeGPUsSeedCase(b *testing.B) {
	s := seedCase(b)
	built, err := s.Build()
	if err != nil {
		b.Fatal(err)
	}
	r := planner.DefaultRange(built, planner.SizeGPUs)
	for b.Loop() {
		sz, err := planner.Size(&planner.ScenarioModel{Base: s}, planner.SizeSpec{Kind: planner.SizeGPUs, Lo: r.Lo, Hi: r.Hi, Step: r.Step},
			planner.Options{Seeds: planner.Seeds(s.Seed, 5)})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(sz.Curve)), "sizes")
	}
}
