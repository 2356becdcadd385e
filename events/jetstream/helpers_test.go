package jetstream

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/natsserver"
)

// t0 is a fixed event time; tests place events relative to it.
var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// startServer runs an embedded single server on a free port with its store in dir ("" for a
// new temporary directory) and stops it when the test ends.
func startServer(t testing.TB, dir string) *natsserver.Server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	s, err := natsserver.Start(natsserver.Options{Dir: dir, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// openStore connects to url and opens a store on it.
func openStore(t testing.TB, url string, opt Options) (*Store, *nats.Conn) {
	t.Helper()
	nc, err := Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Open(ctx, nc, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s, nc
}

func newStore(t testing.TB) (*Store, *nats.Conn) {
	t.Helper()
	return openStore(t, startServer(t, "").URL(), Options{})
}

func mustNew(t testing.TB, k events.Kind, id string, at time.Time, p any) events.Event {
	t.Helper()
	e, err := events.New(k, id, "test", at, p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// sampleBatch is an 8-GPU sample batch of node at site.
func sampleBatch(t testing.TB, id, site, node string, at time.Time) events.Event {
	p := events.GPUSampleBatch{Node: node, Site: site, IntervalS: 10}
	for i := range 8 {
		p.GPUs = append(p.GPUs, events.GPUSample{Index: i, UUID: fmt.Sprintf("GPU-%s-%d", node, i), UtilPct: 90,
			MemUsedBytes: 70 << 30, MemTotalBytes: 80 << 30, PowerW: 600, PowerLimitW: 700, EnergyMJ: 1e9, TempC: 70,
			SMClockMHz: 1980, MemClockMHz: 2619, ThrottleReasons: 4,
			Processes: []events.GPUProcess{{PID: 1000 + i, User: "kim", UsedMemoryBytes: 69 << 30}}})
	}
	return mustNew(t, events.KindGPUSampleBatch, id, at, p)
}

// everyKind returns one event of each known kind, in kind order, plus one event of a kind this
// version does not know ("gpu.fans", in the samples stream's domain).
func everyKind(t testing.TB) []events.Event {
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	evs := []events.Event{
		mustNew(t, events.KindGPUInventory, "inv-1", at(0), events.GPUInventory{Node: "node-a", Site: "lab-3", DriverVersion: "570.1",
			GPUs: []events.GPUInfo{{Index: 0, UUID: "GPU-1", Name: "NVIDIA H100 80GB HBM3", MemoryBytes: 80 << 30, PowerLimitW: 700}}}),
		sampleBatch(t, "smp-1", "lab-3", "node-a", at(1)),
		mustNew(t, events.KindOwnershipAssigned, "own-1", at(2), events.OwnershipAssigned{Owner: "kim", Site: "lab-3", Node: "node-a", GPUIndices: []int{0, 1}}),
		mustNew(t, events.KindOwnershipReleased, "own-2", at(3), events.OwnershipReleased{Owner: "kim", Site: "lab-3", Node: "node-a", GPUIndices: []int{1}}),
		mustNew(t, events.KindJobStarted, "job-1s", at(4), events.JobStarted{JobID: "j1", Owner: "kim", Site: "lab-3", Nodes: []string{"node-a"}, GPUs: 1, Start: at(4), Source: events.JobSourceImport}),
		mustNew(t, events.KindJobFinished, "job-1f", at(5), events.JobFinished{JobID: "j1", Owner: "kim", Site: "lab-3", Nodes: []string{"node-a"}, GPUs: 1, Start: at(4), End: at(5), Source: events.JobSourceImport}),
		mustNew(t, events.KindPlannerRun, "run-1", at(6), events.PlannerRun{InputsHash: "sha256:ab", Seed: 7, Version: "test", Summary: json.RawMessage(`{"policies":3}`)}),
	}
	unknown := events.Event{V: 1, ID: "fan-1", KindName: "gpu.fans", Source: "test", Time: at(7), Data: json.RawMessage(`{"node":"node-a","site":"lab-3","fan_pct":40}`)}
	return append(evs, unknown)
}

// replayAll collects a replay.
func replayAll(t testing.TB, s *Store, since, until time.Time, kinds []events.Kind) ([]events.Event, ReplayStats) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []events.Event
	st, err := s.ReplayCounted(ctx, since, until, kinds, func(e events.Event) error {
		got = append(got, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

func ids(evs []events.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}
