package main

import (
	"context"
	"testing"

	"github.com/gpuplan/gpuplan/scenarios"
)

// BenchmarkDemoPilot is the demo's first step: the fleet of the seed case's first 12
// researchers sampled by the collector on mock NVML nodes for two weeks at 5 minutes, published
// to an embedded JetStream server, replayed and projected.
func BenchmarkDemoPilot(b *testing.B) {
	s, err := scenarios.Builtin(demoScenario)
	if err != nil {
		b.Fatal(err)
	}
	seed, err := s.Build()
	if err != nil {
		b.Fatal(err)
	}
	var pub, rep float64
	for b.Loop() {
		b.StopTimer()
		var nf natsFlags
		log, err := nf.connect(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		r, err := runPilot(context.Background(), log, seed, defaultPilot)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		log.Close()
		b.StartTimer()
		pub += r.publish.Seconds()
		rep += r.replay.Seconds()
		b.ReportMetric(float64(r.fleet.Events), "events")
		b.ReportMetric(float64(r.proj.Jobs), "jobs")
	}
	b.ReportMetric(pub/float64(b.N), "publish-s")
	b.ReportMetric(rep/float64(b.N), "replay-s")
}
