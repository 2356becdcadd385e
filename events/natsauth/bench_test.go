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

// BenchmarkSecureOverhead compares publish and replay under the four modes, interleaved: each
// iteration publishes 1000 8-GPU sample batches as a collector and replays 20,000 job events as
// a planner on each mode's server in turn (the first mode rotating), so that the load of a
// shared machine falls on all modes alike. Wall rates and CPU per message (client and server,
// one process; the idle servers cost next to nothing) are reported per mode.
func BenchmarkSecureOverhead(b *testing.B) {
	const chunk, jobs = 1000, 20_000
	type lane struct {
		name                     string
		pub, rep                 *jetstream.Store
		pubWall, pubCPU, repWall time.Duration
		repCPU                   time.Duration
		pubN, repN               int
	}
	jobTmpl, err := events.New(events.KindJobFinished, "x", "bench", t0, events.JobFinished{JobID: "itp-0000123", Owner: "owner-042",
		Site: "farm", GPUs: 8, GPUType: "H100", Start: t0, End: t0.Add(3 * time.Hour), MeanUtil: 0.81, MeanPowerW: 512.5, Source: events.JobSourceImport})
	if err != nil {
		b.Fatal(err)
	}
	var lanes []*lane
	for _, m := range secureModes {
		open := secureLog(b, m.auth, m.tls)
		l := &lane{name: m.name, pub: open(jetstream.RoleCollector), rep: open(jetstream.RolePlanner)}
		imp := open(jetstream.RoleImporter)
		evs := make([]events.Event, jobs)
		for i := range evs {
			evs[i] = jobTmpl
			evs[i].ID = "r" + strconv.Itoa(i)
			evs[i].Time = t0.Add(time.Duration(i) * time.Second)
		}
		if err := imp.Append(context.Background(), evs...); err != nil {
			b.Fatal(err)
		}
		lanes = append(lanes, l)
	}
	samples := benchSamples("dgx-017", chunk)
	n, iter := 0, 0
	for b.Loop() {
		for k := range lanes {
			l := lanes[(k+iter)%len(lanes)]
			for i := range samples {
				samples[i].ID = "b" + strconv.Itoa(n)
				samples[i].Time = t0.Add(time.Duration(n) * 10 * time.Second)
				n++
			}
			w, c := time.Now(), cpuTime()
			if err := l.pub.Append(context.Background(), samples...); err != nil {
				b.Fatal(err)
			}
			l.pubWall, l.pubCPU, l.pubN = l.pubWall+time.Since(w), l.pubCPU+cpuTime()-c, l.pubN+chunk
			got := 0
			w, c = time.Now(), cpuTime()
			if err := l.rep.Replay(context.Background(), time.Time{}, time.Time{}, []events.Kind{events.KindJobFinished},
				func(events.Event) error { got++; return nil }); err != nil {
				b.Fatal(err)
			}
			l.repWall, l.repCPU, l.repN = l.repWall+time.Since(w), l.repCPU+cpuTime()-c, l.repN+got
			if got != jobs {
				b.Fatalf("%s: replayed %d of %d", l.name, got, jobs)
			}
		}
		iter++
	}
	for _, l := range lanes {
		b.ReportMetric(float64(l.pubN)/l.pubWall.Seconds(), l.name+"-pub-msgs/s")
		b.ReportMetric(float64(l.pubCPU.Microseconds())/float64(l.pubN), l.name+"-pub-cpu-us/msg")
		b.ReportMetric(float64(l.repN)/l.repWall.Seconds(), l.name+"-replay-events/s")
		b.ReportMetric(float64(l.repCPU.Nanoseconds())/float64(l.repN), l.name+"-replay-cpu-ns/event")
	}
}
