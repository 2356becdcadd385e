package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/fleet"
	"github.com/gpuplan/gpuplan/events/projection"
	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/scenarios/traces"
	"github.com/gpuplan/gpuplan/sim"
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
	projected *sim.Workload
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
func runPilot(ctx context.Context, log *eventLog, seed *scenarios.Built, spec pilotSpec, tmp string) (*pilotReport, error) {
	w, pools := pilotSlice(seed, spec)
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
	poolsCSV := filepath.Join(tmp, "pilot-pools.csv")
	if err := writePoolsFile(poolsCSV, catalogTypes(held)); err != nil {
		return nil, err
	}
	capKW := 0.0
	for _, s := range seed.Cluster.Sites {
		if s.Name == seed.Cluster.Farm.Site {
			capKW = s.CapW / 1000 * float64(poolGPUs(pools)) / float64(clusterGPUs(seed.Cluster))
		}
	}
	rep.built, err = scenarios.FromWorkload(rep.projected, seed.Name+"-pilot", poolsCSV, scenarios.FileOptions{
		Seed: seed.Seed, FarmCapKW: capKW, Prices: seed.Options.Prices, Policies: seed.Policies})
	return rep, err
}

// pilotSlice takes the seed case's first spec.owners researchers and their jobs submitted within
// the horizon, with their pools.
func pilotSlice(seed *scenarios.Built, spec pilotSpec) (*sim.Workload, []traces.Pool) {
	n := min(spec.owners, len(seed.Cluster.Owners))
	var pools []traces.Pool
	keep := map[string]int32{}
	w := &sim.Workload{}
	for _, o := range seed.Cluster.Owners[:n] {
		keep[o.Name] = int32(len(w.Owners))
		w.Owners = append(w.Owners, o.Name)
		for _, g := range o.Nodes {
			pools = append(pools, traces.Pool{Owner: o.Name, GPUs: g.Count * g.GPUsPerNode,
				GPUsPerNode: g.GPUsPerNode, GPUType: g.GPUType, Site: o.Site})
		}
	}
	for _, j := range seed.Workload.Jobs {
		idx, ok := keep[seed.Workload.Owners[j.Owner]]
		if !ok || j.Submit >= spec.horizonS {
			continue
		}
		j.Owner, j.Group = idx, -1
		w.Jobs = append(w.Jobs, j)
	}
	return w, pools
}

// catalogTypes turns the product names collectors report ("NVIDIA rtx4090") back into the GPU
// type names of the scenario catalogue.
func catalogTypes(pools []traces.Pool) []traces.Pool {
	out := slices.Clone(pools)
	for i := range out {
		out[i].GPUType = strings.TrimPrefix(out[i].GPUType, "NVIDIA ")
	}
	return out
}

func writePoolsFile(path string, pools []traces.Pool) error {
	return writeOutput(path, func(fh io.Writer) error { return traces.WritePools(fh, pools) })
}

func poolGPUs(pools []traces.Pool) (n int) {
	for _, p := range pools {
		n += p.GPUs
	}
	return n
}

func clusterGPUs(c *sim.Cluster) (n int) {
	for _, o := range c.Owners {
		for _, g := range o.Nodes {
			n += g.Count * g.GPUsPerNode
		}
	}
	return n
}
