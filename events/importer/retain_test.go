package importer_test

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/importer"
)

// ownedLog replays marshalled events as the JetStream store does: each message in a buffer of
// its own, decoded in place by events.UnmarshalOwned, so that the event's strings share it. At
// the end of the stream, while the rebuild still holds everything it keeps, it collects
// garbage and notes how many message buffers are still reachable and the live heap.
type ownedLog struct {
	msgs      [][]byte
	alive     int   // buffers still reachable at the end of the stream
	heapAtEnd int64 // live heap at the end of the stream (HeapInuse after GC)
	watch     bool  // track every buffer with a weak pointer
}

func (l *ownedLog) Replay(ctx context.Context, _, _ time.Time, _ []events.Kind, fn func(events.Event) error) error {
	var bufs []weak.Pointer[byte]
	for _, m := range l.msgs {
		buf := make([]byte, len(m)) // a message buffer, as the NATS client allocates one per message
		copy(buf, m)
		if l.watch {
			bufs = append(bufs, weak.Make(&buf[0]))
		}
		e, err := events.UnmarshalOwned(buf)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	l.heapAtEnd = heapInuse()
	if *heapAtEnd != "" {
		writeHeapProfile(*heapAtEnd)
	}
	l.alive = 0
	for _, p := range bufs {
		if p.Value() != nil {
			l.alive++
		}
	}
	return ctx.Err()
}

// heapAtEnd names a file for the heap profile at the end of an ownedLog's stream, the
// rebuild's peak: go test -run '^$' -bench WorkloadOwned -heapatend heap.pprof; then
// go tool pprof -sample_index inuse_space heap.pprof.
var heapAtEnd = flag.String("heapatend", "", "write the heap profile at the end of each ownedLog replay to `file`")

func writeHeapProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		panic(err)
	}
}

func heapInuse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// jobMsgs marshals n job.finished events. traced events carry a JobTrace; idOf names event i.
// Submit times repeat (i/4 hours), so untraced jobs order by id within each time.
func jobMsgs(t testing.TB, n int, traced bool, idOf func(i int) string) [][]byte {
	t.Helper()
	epoch := importer.DefaultEpoch
	out := make([][]byte, 0, n)
	for i := range n {
		start := epoch.Add(time.Duration(i/4) * time.Hour)
		p := events.JobFinished{JobID: fmt.Sprintf("job-%d", i), Owner: fmt.Sprintf("u%02d", i%37), Group: fmt.Sprintf("g%d", i%5),
			GPUs: 1 + i%8, GPUType: "H100", Start: start, End: start.Add(time.Duration(1+i%90) * time.Minute),
			MeanPowerW: 300, Source: events.JobSourceImport}
		if traced {
			p.Trace = &events.JobTrace{Seq: int64(n - 1 - i), OwnerIndex: int32(i % 37), GroupIndex: int32(i % 5),
				SubmitS: start.Sub(epoch).Seconds(), DurationS: p.End.Sub(p.Start).Seconds()}
		}
		e, err := events.New(events.KindJobFinished, idOf(i), "test", start, p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := events.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// The rebuild must not keep the message buffers its events came in (a replay of 1M jobs held
// them all, 1.7 GB against 0.46 GB for simulate), and must order jobs by id as strings order,
// whatever the ids look like: the importers' 32 hex digits are kept as bytes, others as copies.
func TestWorkloadKeepsNoMessageBuffers(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2026))
	hexID := func(i int) string { return events.DeriveID("retain", fmt.Sprint(i)) }
	otherID := func(i int) string {
		switch i % 3 {
		case 0:
			return strings.ToUpper(hexID(i)) // 32 hex digits, but not lowercase
		case 1:
			return fmt.Sprintf("id-%d", rng.IntN(1_000_000)*10+i%10) // unique: the last digit is i%10, the rest random
		}
		return hexID(i)[:31] + "g" // 32 characters, not hex
	}
	const n = 2000
	for _, tc := range []struct {
		name     string
		traced   bool
		idOf     func(int) string
		maxAlive int // buffers a conservatively scanned frame may still keep
	}{
		{"hex ids, untraced", false, hexID, 2},
		{"hex ids, traced", true, hexID, 2},
		{"other ids, untraced", false, otherID, 2},
		{"mixed ids, untraced", false, func(i int) string {
			if i%2 == 0 {
				return hexID(i)
			}
			return otherID(i)
		}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs := jobMsgs(t, n, tc.traced, tc.idOf)
			log := &ownedLog{msgs: msgs, watch: true}
			w, st, err := importer.Workload(context.Background(), log, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if log.alive > tc.maxAlive {
				t.Errorf("%d of %d message buffers still reachable at the end of the stream, want at most %d", log.alive, n, tc.maxAlive)
			}
			if st.Jobs != n || len(w.Jobs) != n || st.Duplicates != 0 {
				t.Fatalf("%d jobs (stats %d, %d duplicates), want %d", len(w.Jobs), st.Jobs, st.Duplicates, n)
			}
			// The order the package doc gives, worked out here from the events themselves.
			type ref struct {
				jobID, id string
				submit    time.Time
				seq       int64
			}
			refs := make([]ref, n)
			for i := range n {
				e, err := events.Unmarshal(msgs[i])
				if err != nil {
					t.Fatal(err)
				}
				p, err := events.DecodeAs[events.JobFinished](e)
				if err != nil {
					t.Fatal(err)
				}
				refs[i] = ref{p.JobID, e.ID, p.Start, -1}
				if p.Trace != nil {
					refs[i].seq = p.Trace.Seq
				}
			}
			slices.SortFunc(refs, func(a, b ref) int {
				if tc.traced {
					return cmp.Or(cmp.Compare(a.seq, b.seq), strings.Compare(a.id, b.id))
				}
				return cmp.Or(a.submit.Compare(b.submit), strings.Compare(a.id, b.id))
			})
			for i, r := range refs {
				if w.Jobs[i].ID != r.jobID {
					t.Fatalf("job %d is %s, want %s (event %s)", i, w.Jobs[i].ID, r.jobID, r.id)
				}
			}
			// The same events from an in-memory store, strings not shared: the same workload.
			var s events.MemStore
			for _, m := range msgs {
				e, err := events.Unmarshal(m)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Append(context.Background(), e); err != nil {
					t.Fatal(err)
				}
			}
			want, _ := replayAll(t, &s)
			sameWorkload(t, tc.name, w, want)
		})
	}
}

// Duplicate ids of every style are dropped after the first, and counted.
func TestWorkloadDuplicateIDStyles(t *testing.T) {
	ids := []string{events.DeriveID("a"), "plain-id", strings.ToUpper(events.DeriveID("b"))}
	for _, tc := range []struct {
		name  string
		order []int // indexes into ids, one event each
		jobs  int
		dups  int
	}{
		{"each once", []int{0, 1, 2}, 3, 0},
		{"hex twice", []int{0, 1, 0}, 2, 1},
		{"other twice", []int{1, 1, 2, 1}, 2, 2},
		{"all twice", []int{2, 1, 0, 0, 1, 2}, 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs := jobMsgs(t, len(tc.order), false, func(i int) string { return ids[tc.order[i]] })
			w, st, err := importer.Workload(context.Background(), &ownedLog{msgs: msgs}, time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if len(w.Jobs) != tc.jobs || st.Duplicates != tc.dups || st.Events != len(tc.order) {
				t.Errorf("%d jobs, %d duplicates of %d events; want %d, %d", len(w.Jobs), st.Duplicates, st.Events, tc.jobs, tc.dups)
			}
		})
	}
}

// BenchmarkWorkloadOwned rebuilds 200,000 traced jobs from messages decoded in place, as a
// JetStream replay hands them over, and reports the live heap at the end of the stream per job:
// what the rebuild holds at its peak, the messages themselves excepted (they are the baseline).
func BenchmarkWorkloadOwned(b *testing.B) {
	const n = 200_000
	msgs := jobMsgs(b, n, true, func(i int) string { return events.DeriveID("bench", fmt.Sprint(i)) })
	log := &ownedLog{msgs: msgs}
	b.ReportAllocs()
	var live int64
	var cpu time.Duration
	for b.Loop() {
		c := cpuTime()
		base := heapInuse()
		w, _, err := importer.Workload(context.Background(), log, time.Time{}, time.Time{})
		if err != nil || len(w.Jobs) != n {
			b.Fatalf("%d jobs, %v", len(w.Jobs), err)
		}
		cpu += cpuTime() - c // the forced collections at the end of the stream included
		live = log.heapAtEnd - base
	}
	b.ReportMetric(float64(live)/n, "live-B/job")
	b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(n*b.N), "cpu-ns/job")
}
