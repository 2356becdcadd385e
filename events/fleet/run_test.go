package fleet_test

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/fleet"
)

func job(w *gpuplan.Workload, owner string, submit float64, gpus int32, dur float64) {
	w.Jobs = append(w.Jobs, gpuplan.Job{ID: "j" + string(rune('0'+len(w.Jobs))), Owner: w.OwnerIndex(owner), Group: -1,
		Submit: submit, GPUs: gpus, Duration: dur, Util: 0.5, PowerW: 400})
}

func collect(t *testing.T, f *fleet.Fleet, w *gpuplan.Workload, s *fleet.Schedule) (*fleet.Result, []events.Event) {
	t.Helper()
	var evs []events.Event
	r, err := f.Run(w, s, func(e events.Event) error { evs = append(evs, e); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return r, evs
}

func sameTimes(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) })
}

// The FIFO schedule, worked out by hand (alice: two 4-GPU nodes, bob: one 2-GPU node):
//
//	j0 alice 4 GPUs at 0 for 600: node-001, 0..600
//	j1 alice 2 GPUs at 0 for 300: node-002, 0..300
//	j2 alice 4 GPUs at 10 for 100: no node has 4 free until j1 ends: 300..400 on node-002
//	j3 alice 1 GPU at 20 for 50: behind j2 (FIFO), then both nodes full until 400: 400..450
//	j4 bob 3 GPUs: bob holds 2, infeasible
//	j5 bob 2 GPUs at 5 for 0: 5..5, seen by no batch
//	j6 carol: no pool, infeasible
//	j7 alice 8 GPUs at 30 for 60: larger than a node, waits for all 8: 600..660, split
func TestFIFO(t *testing.T) {
	pools := []gpuplan.Pool{{Owner: "alice", GPUs: 8, GPUsPerNode: 4}, {Owner: "bob", GPUs: 2}}
	w := &gpuplan.Workload{}
	job(w, "alice", 0, 4, 600)
	job(w, "alice", 0, 2, 300)
	job(w, "alice", 10, 4, 100)
	job(w, "alice", 20, 1, 50)
	job(w, "bob", 0, 3, 100)
	job(w, "bob", 5, 2, 0)
	job(w, "carol", 0, 1, 100)
	job(w, "alice", 30, 8, 60)
	nan := math.NaN()
	for _, c := range []struct {
		reuse int
		opt   fleet.Options
	}{
		// Default rest of 10 minutes: no pid is free long enough before 660 s.
		{opt: fleet.Options{}, reuse: 0},
		// No rest: j2 takes j1's pid at 300, j3 j2's at 400, j7 j0's on node-001 and j3's on node-002.
		{opt: fleet.Options{PIDReuseAfter: -1}, reuse: 4},
	} {
		f, err := fleet.New(pools, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		if n := f.Nodes(); len(n) != 3 || n[0].GPUs != 4 || n[1].GPUs != 4 || n[2].GPUs != 2 || n[2].Owner != "bob" || n[0].Name != "node-001" {
			t.Fatalf("nodes %+v", n)
		}
		r, evs := collect(t, f, w, nil)
		if !sameTimes(r.Start, []float64{0, 0, 300, 400, nan, 5, nan, 600}) || !sameTimes(r.End, []float64{600, 300, 400, 450, nan, 5, nan, 660}) {
			t.Fatalf("start %v end %v", r.Start, r.End)
		}
		if r.Ran != 6 || r.Infeasible != 2 || r.Split != 1 || r.Invisible != 1 || r.PIDReuses != c.reuse {
			t.Errorf("stats %+v", r.Stats)
		}
		// With 60 s batches, batch k shows jobs running at 60k: the last process (j7) is in
		// batch 10, and the fleet samples 4 trailing batches after it, so every node's collector
		// ticks at batches 0..14: 3 x 15 batches, plus an inventory and an ownership event per node.
		if r.Batches != 45 || r.Events != 45+6 || len(evs) != r.Events {
			t.Errorf("batches %d events %d (%d emitted)", r.Batches, r.Events, len(evs))
		}
	}
}

func TestFollowSchedule(t *testing.T) {
	pools := []gpuplan.Pool{{Owner: "alice", GPUs: 4, GPUsPerNode: 2}}
	w := &gpuplan.Workload{}
	job(w, "alice", 0, 1, 100)  // node-001
	job(w, "alice", 0, 1, 200)  // node-001: the fullest node that fits
	job(w, "alice", 0, 1, 300)  // node-002
	job(w, "alice", 100, 2, 50) // one GPU free on each node: split
	job(w, "alice", 0, 1, 10)   // not run by the schedule
	s := &fleet.Schedule{Start: []float64{0, 0, 0, 100, math.NaN()}, End: []float64{100, 200, 300, 150, math.NaN()}}
	f, err := fleet.New(pools, fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := collect(t, f, w, s)
	if r.Split != 1 || r.Ran != 4 || r.Infeasible != 1 {
		t.Errorf("stats %+v", r.Stats)
	}
	// A schedule that needs more GPUs than are free, or is malformed, is refused.
	for _, bad := range []*fleet.Schedule{
		{Start: []float64{0, 0, 0, 50, math.NaN()}, End: []float64{100, 200, 300, 150, math.NaN()}},
		{Start: []float64{0}, End: []float64{1}},
		{Start: []float64{0, 0, 0, 100, 5}, End: []float64{100, 200, 300, 150, 4}},
	} {
		if _, err := f.Run(w, bad, func(events.Event) error { return nil }); !errors.Is(err, fleet.ErrInvalid) {
			t.Errorf("schedule %v: error %v", bad, err)
		}
	}
}

func TestBadInput(t *testing.T) {
	if _, err := fleet.New([]gpuplan.Pool{{Owner: "", GPUs: 1}}, fleet.Options{}); !errors.Is(err, fleet.ErrInvalid) {
		t.Errorf("empty owner: %v", err)
	}
	if _, err := fleet.New(nil, fleet.Options{BusyUtil: 2}); !errors.Is(err, fleet.ErrInvalid) {
		t.Errorf("busy util 2: %v", err)
	}
	// Nodes are fake NVML nodes of at most 64 GPUs; a pool without gpus_per_node is one node.
	if _, err := fleet.New([]gpuplan.Pool{{Owner: "a", GPUs: 128}}, fleet.Options{}); !errors.Is(err, fleet.ErrInvalid) {
		t.Errorf("a 128-GPU node: %v", err)
	}
	f, _ := fleet.New([]gpuplan.Pool{{Owner: "a", GPUs: 1}}, fleet.Options{})
	w := &gpuplan.Workload{}
	job(w, "a", -1, 1, 10)
	if _, err := f.Run(w, nil, func(events.Event) error { return nil }); !errors.Is(err, fleet.ErrInvalid) {
		t.Errorf("negative submit: %v", err)
	}
	// An emit error stops the run and comes back unchanged.
	w.Jobs[0].Submit = 0
	stop := errors.New("stop")
	if _, err := f.Run(w, nil, func(events.Event) error { return stop }); err != stop {
		t.Errorf("emit error: %v", err)
	}
}

// Every event is valid, decodes, comes in time order with a unique id, and a second run gives the
// same bytes; another seed gives other GPU UUIDs. The events are the collector's: its ids, every
// node's batch at every interval, energy from counter deltas.
func TestEventsWellFormed(t *testing.T) {
	w := randomWorkload(3, 200, 2*86400)
	f, err := fleet.New(randomPools(), fleet.Options{Seed: 3, Interval: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	r, evs := collect(t, f, w, nil)
	_, again := collect(t, f, w, nil)
	if len(again) != len(evs) {
		t.Fatalf("%d events, then %d", len(evs), len(again))
	}
	ids := map[string]bool{}
	perNode := map[string]int{}
	energy := 0.0 // J, from the collector's deltas
	for i, e := range evs {
		if err := e.Validate(); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if i > 0 && e.Time.Before(evs[i-1].Time) {
			t.Fatalf("event %d at %v before %v", i, e.Time, evs[i-1].Time)
		}
		if ids[e.ID] {
			t.Fatalf("event %d: id %s repeats", i, e.ID)
		}
		ids[e.ID] = true
		b1, err := events.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := events.Marshal(again[i])
		if !bytes.Equal(b1, b2) {
			t.Fatalf("event %d differs between runs", i)
		}
		switch e.Kind {
		case events.KindGPUSampleBatch, events.KindGPUInventory:
			if want := collectors.EventID(e.Source, e.Kind, e.Time); e.ID != want {
				t.Fatalf("event %d: id %s, the collector's would be %s", i, e.ID, want)
			}
		}
		if e.Kind == events.KindGPUSampleBatch {
			perNode[e.Source]++
			b, err := events.DecodeAs[events.GPUSampleBatch](e)
			if err != nil {
				t.Fatalf("event %d: %v", i, err)
			}
			for _, g := range b.GPUs {
				if g.UtilPct < 0 || g.UtilPct > 100 || g.PowerW <= 0 || len(g.Processes) > 1 || g.EnergyMJ == 0 {
					t.Fatalf("event %d: reading %+v", i, g)
				}
				if len(g.Processes) == 1 && g.Processes[0].User == "" {
					t.Fatalf("event %d: process without a user: %+v", i, g.Processes[0])
				}
				energy += float64(g.EnergyDeltaMJ) / 1000
			}
		}
	}
	nodes := f.Nodes()
	if len(perNode) != len(nodes) {
		t.Fatalf("%d nodes sent batches, the fleet has %d", len(perNode), len(nodes))
	}
	for _, n := range nodes {
		if perNode[n.Name] != r.Batches/len(nodes) {
			t.Errorf("node %s sent %d batches, want %d (every node every interval)", n.Name, perNode[n.Name], r.Batches/len(nodes))
		}
	}
	// The deltas add up to the GPUs' power over the sampled time: each GPU draws at least its
	// idle power (50 W on the smallest model) and at most 1 kW.
	gpus, span := 0, float64(r.Batches/len(nodes)-1)*f.Options().Interval.Seconds()
	for _, n := range nodes {
		gpus += n.GPUs
	}
	if lo, hi := 50*span*float64(gpus), 1000*span*float64(gpus); energy < lo || energy > hi {
		t.Errorf("energy %.0f J over %.0f s and %d GPUs: outside %.0f..%.0f", energy, span, gpus, lo, hi)
	}

	other, err := fleet.New(randomPools(), fleet.Options{Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if other.Nodes()[0].UUIDs[0] == nodes[0].UUIDs[0] {
		t.Error("another seed gave the same GPU UUIDs")
	}
}
