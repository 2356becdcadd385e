package natsqueue_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsserver"
	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/planner/natsqueue"
	"github.com/gpuplan/gpuplan/scenarios"
)

// A sweep whose runs go to a worker through the work queue: the planner's summaries are made
// here from the results, exactly as for a local sweep.
func Example() {
	dir, _ := os.MkdirTemp("", "gpuplan-queue-")
	defer os.RemoveAll(dir)
	srv, err := natsserver.Start(natsserver.Options{Dir: dir, Addr: "127.0.0.1:0"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// A worker (normally 'gpuplan worker' on another machine).
	wc, _ := jetstream.Connect(srv.URL())
	defer wc.Close()
	w, err := natsqueue.NewWorker(ctx, wc, "w1", natsqueue.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	go w.Serve(ctx)

	// The planner.
	s, _ := scenarios.Builtin("small")
	b, _ := s.Build()
	pc, _ := jetstream.Connect(srv.URL())
	defer pc.Close()
	r, err := natsqueue.NewRunner(ctx, pc, natsqueue.Scenario{Builtin: "small", Hash: b.Hash}, natsqueue.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	axis, _ := planner.ParseAxis("farm_share=0,1")
	seeds := planner.Seeds(s.Seed, 3)
	m := &planner.ScenarioModel{Base: s}
	remote, err := planner.Sweep(m, []planner.Axis{axis}, planner.Options{Seeds: seeds, Runner: r})
	if err != nil {
		fmt.Println(err)
		return
	}
	local, _ := planner.Sweep(m, []planner.Axis{axis}, planner.Options{Seeds: seeds})
	for i, p := range remote {
		fmt.Printf("farm_share %v: p95 wait %.1f h (local %.1f h)\n", p.Params[planner.KeyFarmShare],
			p.Metrics[planner.MetricWaitP95].Mean/3600, local[i].Metrics[planner.MetricWaitP95].Mean/3600)
	}
	// Output:
	// farm_share 0: p95 wait 62.2 h (local 62.2 h)
	// farm_share 1: p95 wait 3.4 h (local 3.4 h)
}
