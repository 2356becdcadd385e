package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/fleet"
	"github.com/gpuplan/gpuplan/events/projection"
	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/scenarios"
)

// pilotSpec sizes the part of the seed case that the demo sends through the event log. Every
// node's collector publishes a batch with a reading of each GPU per interval, so the log grows
// with GPUs x time; a dozen researchers over two weeks at five-minute samples keep the demo
// within seconds while still exercising every stage (the collector on mock NVML nodes,
// JetStream, projection, simulation).
type pilotSpec struct {
	owners   int
	horizonS float64
	interval time.Duration
}

var defaultPilot = pilotSpec{owners: 12, horizonS: 14 * 86400, interval: 5 * time.Minute}

// pilotReport says what went through the log.
type pilotReport struct {
	fleet     fleet.Stats
	proj      projection.Stats
	publish   time.Duration
	replay    time.Duration
	projected *gpuplan.Workload
	built     *scenarios.Built
}

// runPilot publishes the sample batches that collectors on the nodes of the seed case's first
// researchers send while those nodes run their jobs (events/fleet: a fake NVML node per node,
// collectors.Collector ticking on a virtual clock), replays them from the log, projects them
// back into jobs, and builds the comparison of those projected jobs, with pools read from the
// log's ownership events.
//
// The collector's spool and publisher are skipped: its events go to the log's Append a thousand
// at a time. The publisher sends one event per round trip (0.5-0.75 ms each in
// BenchmarkDrainOutage, which would add 100-150 s for the demo's 200k events), and the spool is
// there for outages, which an in-process demo does not have.
func runPilot(ctx context.Context, log *eventLog, seed *scenarios.Built, spec pilotSpec) (*pilotReport, error) {
	w, pools := planner.PilotSlice(seed, spec.owners, spec.horizonS)
	// At 5-minute samples the collector's default inventory period would read the inventory at
	// every tick, a fifth of the sampling's CPU; the fleet's nodes never change, so once an hour.
	fl, err := fleet.New(pools, fleet.Options{Seed: seed.Seed, Interval: spec.interval, InventoryEvery: time.Hour})
	if err != nil {
		return nil, err
	}
	rep := &pilotReport{}
	t0 := time.Now()
	emit, flush := fleet.Appending(ctx, log, 0)
	res, err := fl.Run(w, nil, emit)
	if ferr := flush(); err == nil { // flush also waits for the append in flight after a failure
		err = ferr
	}
	if err != nil {
		return nil, fmt.Errorf("publish samples to %s: %w", log.URL, err)
	}
	rep.fleet, rep.publish = res.Stats, time.Since(t0)

	t0 = time.Now()
	p := projection.New(projection.Options{})
	kinds := []events.Kind{events.KindGPUInventory, events.KindGPUSampleBatch, events.KindOwnershipAssigned, events.KindOwnershipReleased}
	if err := log.Replay(ctx, time.Time{}, time.Time{}, kinds, func(e events.Event) error {
		_ = p.Add(e) // malformed events are counted in the projection's stats and skipped
		return nil
	}); err != nil {
		return nil, fmt.Errorf("replay %s: %w", log.URL, err)
	}
	rep.projected, rep.proj = p.Workload()
	rep.replay = time.Since(t0)

	held, unsized := p.Ownership().Pools(time.Time{})
	if len(unsized) > 0 {
		return nil, fmt.Errorf("ownership in the log names nodes of unknown size: %s", strings.Join(unsized, ", "))
	}
	rep.built, err = planner.PilotScenario(seed, pools, rep.projected, held)
	return rep, err
}
