package jetstream

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events"
)

// benchChunk is how many events one Append carries in the benchmarks, as a collector relay or
// an importer would send them.
const benchChunk = 1000

// BenchmarkPublishSampleBatches appends 8-GPU sample batches (one message per node and
// interval, each GPU with one process) to an embedded single server with a file store in the
// same process. samples/s counts GPUs: 8 per message.
func BenchmarkPublishSampleBatches(b *testing.B) {
	s, _ := newStore(b)
	benchPublish(b, s)
}

// BenchmarkPublishSampleBatchesR3 is BenchmarkPublishSampleBatches into streams with three
// replicas on three clustered servers in this process (the default on such a cluster): what
// surviving a node costs the collectors.
func BenchmarkPublishSampleBatchesR3(b *testing.B) {
	srvs := startCluster(b)
	urls := make([]string, len(srvs))
	for i, srv := range srvs {
		urls[i] = srv.URL()
	}
	nc, err := Connect(strings.Join(urls, ","))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	s := openRetrying(b, nc, Options{})
	if s.Replicas() != 3 {
		b.Fatalf("%d replicas, want 3", s.Replicas())
	}
	benchPublish(b, s)
}

func benchPublish(b *testing.B, s *Store) {
	tmpl := sampleBatch(b, "x", "farm", "dgx-017", t0)
	evs := make([]events.Event, benchChunk)
	ctx := context.Background()
	n := 0
	cpu := cpuTime()
	for b.Loop() {
		for i := range evs {
			e := tmpl
			e.ID = "b" + strconv.Itoa(n)
			e.Time = t0.Add(time.Duration(n) * 10 * time.Second)
			evs[i] = e
			n++
		}
		if err := s.Append(ctx, evs...); err != nil {
			b.Fatal(err)
		}
	}
	cpu = cpuTime() - cpu
	b.ReportMetric(float64(len(mustMarshal(b, tmpl))), "bytes/msg")
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(8*n)/b.Elapsed().Seconds(), "samples/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/msg") // client and server together
}

// BenchmarkReplay replays a preloaded log in full: job events (the replay into the simulator
// reads these) and 8-GPU sample batches (what the projection reads).
func BenchmarkReplay(b *testing.B) {
	for _, tc := range []struct {
		name string
		n    int
		kind events.Kind
	}{
		{"jobs", 200_000, events.KindJobFinished},
		{"samples8", 50_000, events.KindGPUSampleBatch},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, _ := newStore(b)
			var tmpl events.Event
			if tc.kind == events.KindGPUSampleBatch {
				tmpl = sampleBatch(b, "x", "farm", "dgx-017", t0)
			} else {
				tmpl = mustNew(b, events.KindJobFinished, "x", t0, events.JobFinished{JobID: "itp-0000123", Owner: "owner-042",
					Site: "farm", GPUs: 8, GPUType: "H100", Start: t0, End: t0.Add(3 * time.Hour), MeanUtil: 0.81, MeanPowerW: 512.5, Source: events.JobSourceImport})
			}
			evs := make([]events.Event, 0, benchChunk)
			for i := range tc.n {
				e := tmpl
				e.ID = "r" + strconv.Itoa(i)
				e.Time = t0.Add(time.Duration(i) * time.Second)
				evs = append(evs, e)
				if len(evs) == cap(evs) || i == tc.n-1 {
					if err := s.Append(context.Background(), evs...); err != nil {
						b.Fatal(err)
					}
					evs = evs[:0]
				}
			}
			total := 0
			cpu := cpuTime()
			for b.Loop() {
				got := 0
				if err := s.Replay(context.Background(), time.Time{}, time.Time{}, nil, func(events.Event) error {
					got++
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				if got != tc.n {
					b.Fatalf("replayed %d of %d", got, tc.n)
				}
				total += got
			}
			cpu = cpuTime() - cpu
			b.ReportMetric(float64(len(mustMarshal(b, tmpl))), "bytes/msg")
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(total), "cpu-ns/event") // client and server together
		})
	}
}

func mustMarshal(b testing.TB, e events.Event) []byte {
	m, err := events.Marshal(e)
	if err != nil {
		b.Fatal(err)
	}
	return m
}
