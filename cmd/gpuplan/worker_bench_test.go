package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsserver"
	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/planner/natsqueue"
	"github.com/gpuplan/gpuplan/scenarios"
)

// BenchmarkDistributedSweep: a 24-point sweep of small (2 seeds, 48 runs) on the local pool and
// through the work queue over 1, 2 and 4 worker processes on this machine. ms/run is the wall
// time per run; compare workers=1 with local-1 for the queue's overhead per run.
func BenchmarkDistributedSweep(b *testing.B) {
	benchSweep(b, "small", []planner.Axis{
		{Key: planner.KeyPolicy, Values: []any{"fifo", "easy"}},
		{Key: planner.KeyFarmShare, Values: []any{0.0, 0.2, 0.4, 0.6, 0.8, 1.0}},
		{Key: planner.KeyLoadGrowth, Values: []any{1.0, 1.5}},
	})
}

// BenchmarkDistributedSweepInstitute: 4 points of institute-3000 (2 seeds, 8 runs of about half a
// second each), where a run costs far more than the queue's round trips.
func BenchmarkDistributedSweepInstitute(b *testing.B) {
	benchSweep(b, "institute-3000", []planner.Axis{{Key: planner.KeyFarmShare, Values: []any{0.25, 0.5, 0.75, 1.0}}})
}

func benchSweep(b *testing.B, name string, axes []planner.Axis) {
	s, err := scenarios.Builtin(name)
	if err != nil {
		b.Fatal(err)
	}
	built, err := s.Build()
	if err != nil {
		b.Fatal(err)
	}
	seeds := []uint64{1, 2}
	npts := 1
	for _, a := range axes {
		npts *= len(a.Values)
	}
	runs := npts * len(seeds)
	m := &planner.ScenarioModel{Base: s}
	sweep := func(b *testing.B, opt planner.Options) {
		opt.Seeds = seeds
		b.ResetTimer()
		start := time.Now()
		for b.Loop() {
			pts, err := planner.Sweep(m, axes, opt)
			if err != nil || len(pts) != npts {
				b.Fatalf("%d points: %v", len(pts), err)
			}
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N*runs), "ms/run")
	}
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("local-%d", n), func(b *testing.B) { sweep(b, planner.Options{Workers: n}) })
	}
	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			srv, err := natsserver.Start(natsserver.Options{Dir: b.TempDir(), Addr: "127.0.0.1:0"})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Shutdown()
			for i := range n {
				startWorker(b, "--nats", srv.URL(), "--name", fmt.Sprintf("w%d", i), "--quiet")
			}
			nc, err := jetstream.Connect(srv.URL())
			if err != nil {
				b.Fatal(err)
			}
			defer nc.Close()
			r, err := natsqueue.NewRunner(context.Background(), nc, natsqueue.Scenario{Builtin: name, Hash: built.Hash}, natsqueue.Options{})
			if err != nil {
				b.Fatal(err)
			}
			sweep(b, planner.Options{Runner: r})
		})
	}
}
