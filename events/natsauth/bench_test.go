package natsauth

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsserver"
	"github.com/gpuplan/gpuplan/internal/testpki"
)

// secureModes are the server set-ups the benchmarks compare: neither authorization nor TLS,
// each alone, and both.
var secureModes = []struct {
	name      string
	auth, tls bool
}{{"open", false, false}, {"auth", true, false}, {"tls", false, true}, {"auth+tls", true, true}}

// secureLog starts a server as mode says and returns a function that opens a store on it as
// role (collectors for node "dgx-017"); without authorization every role is the same.
func secureLog(b *testing.B, auth, tls bool) func(role jetstream.Role) *jetstream.Store {
	b.Helper()
	so := natsserver.Options{Dir: b.TempDir(), Addr: "127.0.0.1:0"}
	dir := b.TempDir()
	if auth {
		if err := Init(dir, Options{Nodes: []string{"dgx-017"}}); err != nil {
			b.Fatal(err)
		}
		a, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		so.Auth = a
	}
	var ca string
	if tls {
		pki := testpki.Write(b)
		so.TLSCert, so.TLSKey, ca = pki.Cert, pki.Key, pki.CA
	}
	srv, err := natsserver.Start(so)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Shutdown)
	open := func(role jetstream.Role) *jetstream.Store {
		var opts []nats.Option
		if auth {
			o, err := jetstream.CredsOptions(CredsPath(dir, role, "dgx-017"))
			if err != nil {
				b.Fatal(err)
			}
			opts = o
		}
		if tls {
			opts = append(opts, nats.RootCAs(ca))
		}
		nc, err := jetstream.Connect(srv.URL(), opts...)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(nc.Close)
		s, err := jetstream.Open(context.Background(), nc, jetstream.Options{})
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	open(jetstream.RoleAdmin) // creates the streams, as gpuplan serve does
	return open
}

func benchSamples(node string, n int) []events.Event {
	p := events.GPUSampleBatch{Node: node, Site: "farm", IntervalS: 10}
	for i := range 8 {
		p.GPUs = append(p.GPUs, events.GPUSample{Index: i, UUID: fmt.Sprintf("GPU-%s-%d", node, i), UtilPct: 90,
			MemUsedBytes: 70 << 30, MemTotalBytes: 80 << 30, PowerW: 600, PowerLimitW: 700, EnergyMJ: 1e9, TempC: 70,
			SMClockMHz: 1980, MemClockMHz: 2619, ThrottleReasons: 4,
			Processes: []events.GPUProcess{{PID: 1000 + i, User: "kim", UsedMemoryBytes: 69 << 30}}})
	}
	tmpl, err := events.New(events.KindGPUSampleBatch, "x", "bench", t0, p)
	if err != nil {
		panic(err)
	}
	evs := make([]events.Event, n)
	for i := range evs {
		evs[i] = tmpl
	}
	return evs
}

// BenchmarkSecurePublish appends 8-GPU sample batches as a collector, 1000 per Append, as
// jetstream's BenchmarkPublishSampleBatches does, under each mode.
func BenchmarkSecurePublish(b *testing.B) {
	for _, m := range secureModes {
		b.Run(m.name, func(b *testing.B) {
			s := secureLog(b, m.auth, m.tls)(jetstream.RoleCollector)
			evs := benchSamples("dgx-017", 1000)
			n := 0
			for b.Loop() {
				for i := range evs {
					evs[i].ID = "b" + strconv.Itoa(n)
					evs[i].Time = t0.Add(time.Duration(n) * 10 * time.Second)
					n++
				}
				if err := s.Append(context.Background(), evs...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkSecureReplay replays 100,000 job events as a planner under each mode (loaded by
// the importer).
func BenchmarkSecureReplay(b *testing.B) {
	const n = 100_000
	for _, m := range secureModes {
		b.Run(m.name, func(b *testing.B) {
			open := secureLog(b, m.auth, m.tls)
			imp := open(jetstream.RoleImporter)
			tmpl, err := events.New(events.KindJobFinished, "x", "bench", t0, events.JobFinished{JobID: "itp-0000123", Owner: "owner-042",
				Site: "farm", GPUs: 8, GPUType: "H100", Start: t0, End: t0.Add(3 * time.Hour), MeanUtil: 0.81, MeanPowerW: 512.5, Source: events.JobSourceImport})
			if err != nil {
				b.Fatal(err)
			}
			evs := make([]events.Event, 0, 1000)
			for i := range n {
				e := tmpl
				e.ID = "r" + strconv.Itoa(i)
				e.Time = t0.Add(time.Duration(i) * time.Second)
				if evs = append(evs, e); len(evs) == cap(evs) {
					if err := imp.Append(context.Background(), evs...); err != nil {
						b.Fatal(err)
					}
					evs = evs[:0]
				}
			}
			s := open(jetstream.RolePlanner)
			total := 0
			for b.Loop() {
				got := 0
				if err := s.Replay(context.Background(), time.Time{}, time.Time{}, nil, func(events.Event) error { got++; return nil }); err != nil {
					b.Fatal(err)
				}
				if got != n {
					b.Fatalf("replayed %d of %d", got, n)
				}
				total += got
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
