package jetstream

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events"
)

// BenchmarkKeptStreamMemory measures what one subject per event costs the embedded server's
// heap once the duplicate window has passed, against the older layout (all job events of a
// node on one subject): 100,000 job events on 100 nodes, the window shortened to 1 s.
func BenchmarkKeptStreamMemory(b *testing.B) {
	const n = 100_000
	for _, tc := range []struct {
		name   string
		legacy bool
	}{{"per-event", false}, {"legacy", true}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				srv := startServer(b, "")
				_, nc := openStore(b, srv.URL(), Options{KeptDuplicates: time.Second})
				ctx := context.Background()
				if tc.legacy {
					js, _ := natsjs.New(nc)
					if err := js.DeleteStream(ctx, "GPUPLAN_JOBS"); err != nil {
						b.Fatal(err)
					}
					if _, err := js.CreateStream(ctx, natsjs.StreamConfig{Name: "GPUPLAN_JOBS", Subjects: []string{"gpuplan.*.job.*.*", "gpuplan.*.ownership.*.*"},
						Storage: natsjs.FileStorage, Duplicates: time.Second}); err != nil {
						b.Fatal(err)
					}
					m := mustNew(b, events.KindJobFinished, "first", t0, events.JobFinished{JobID: "first", Owner: "kim", GPUs: 1, Start: t0, End: t0.Add(time.Hour), Source: events.JobSourceImport})
					if _, err := js.Publish(ctx, "gpuplan._.job.finished._", mustMarshal(b, m)); err != nil {
						b.Fatal(err)
					}
				}
				s, _ := openStore(b, srv.URL(), Options{KeptDuplicates: time.Second})
				if got := len(s.LegacyStreams()) > 0; got != tc.legacy {
					b.Fatalf("legacy %v", got)
				}
				base := heapInuse()
				evs := make([]events.Event, 0, 1000)
				for i := range n {
					node := "node-" + strconv.Itoa(i%100)
					evs = append(evs, mustNew(b, events.KindJobFinished, events.DeriveID("mem", strconv.Itoa(i)), t0, events.JobFinished{JobID: strconv.Itoa(i),
						Owner: "kim", Nodes: []string{node}, GPUs: 1, Start: t0, End: t0.Add(time.Hour), Source: events.JobSourceImport}))
					if len(evs) == cap(evs) {
						if err := s.Append(ctx, evs...); err != nil {
							b.Fatal(err)
						}
						evs = evs[:0]
					}
				}
				time.Sleep(2500 * time.Millisecond) // past the window: the ids are dropped
				b.ReportMetric(float64(heapInuse()-base)/n, "heap-B/event")
			}
		})
	}
}

func heapInuse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// BenchmarkPublishJobsLayout appends job events (1000 per Append, 100 nodes) to a jobs stream
// with one subject per event and to one of the older layout, alternating between the two in
// every iteration so that a shared machine's load falls on both alike.
func BenchmarkPublishJobsLayout(b *testing.B) {
	ctx := context.Background()
	open := func(legacy bool) *Store {
		srv := startServer(b, "")
		_, nc := openStore(b, srv.URL(), Options{})
		if legacy {
			js, _ := natsjs.New(nc)
			if err := js.DeleteStream(ctx, "GPUPLAN_JOBS"); err != nil {
				b.Fatal(err)
			}
			if _, err := js.CreateStream(ctx, natsjs.StreamConfig{Name: "GPUPLAN_JOBS", Subjects: []string{"gpuplan.*.job.*.*", "gpuplan.*.ownership.*.*"},
				Storage: natsjs.FileStorage, Duplicates: DefaultKeptDuplicates}); err != nil {
				b.Fatal(err)
			}
			if _, err := js.Publish(ctx, "gpuplan._.job.finished._", mustMarshal(b, mustNew(b, events.KindJobFinished, "first", t0,
				events.JobFinished{JobID: "first", Owner: "kim", GPUs: 1, Start: t0, End: t0.Add(time.Hour), Source: events.JobSourceImport}))); err != nil {
				b.Fatal(err)
			}
		}
		s, _ := openStore(b, srv.URL(), Options{})
		return s
	}
	stores := []*Store{open(false), open(true)}
	names := []string{"per-event", "legacy"}
	var wall, cpu [2]time.Duration
	evs := make([]events.Event, 1000)
	n := 0
	for b.Loop() {
		for k := range 2 {
			for i := range evs {
				evs[i] = mustNew(b, events.KindJobFinished, events.DeriveID("pub", strconv.Itoa(n)), t0, events.JobFinished{JobID: strconv.Itoa(n),
					Owner: "kim", Nodes: []string{"node-" + strconv.Itoa(n%100)}, GPUs: 1, Start: t0, End: t0.Add(time.Hour), Source: events.JobSourceImport})
				n++
			}
			w, c := time.Now(), cpuTime()
			if err := stores[k].Append(ctx, evs...); err != nil {
				b.Fatal(err)
			}
			wall[k] += time.Since(w)
			cpu[k] += cpuTime() - c
		}
	}
	per := float64(n / 2)
	for k, name := range names {
		b.ReportMetric(per/wall[k].Seconds(), name+"-events/s")
		b.ReportMetric(float64(cpu[k].Nanoseconds())/per, name+"-cpu-ns/event")
	}
}
