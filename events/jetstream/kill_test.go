package jetstream

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/importer"
	"github.com/gpuplan/gpuplan/events/natsserver"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

// Cuts of a public trace (see their folders' READMEs): A is imported before the fault, B across it.
const (
	traceA = "../../scenarios/traces/testdata/itp_cluster10.csv"
	traceB = "../../cmd/gpuplan/testdata/itp_sample.csv"
)

// pausingAppender hands a running import to the test: after its third Append it signals mid and
// waits for resume, so that the server is killed while the import is half done.
type pausingAppender struct {
	events.Appender
	n           atomic.Int32
	mid, resume chan struct{}
}

func (p *pausingAppender) Append(ctx context.Context, evs ...events.Event) error {
	err := p.Appender.Append(ctx, evs...)
	if p.n.Add(1) == 3 {
		close(p.mid)
		<-p.resume
	}
	return err
}

// TestClusterKillNine runs three servers as processes, lets the default choose (and raise) the
// streams' replicas, and kills the jobs stream's leader with SIGKILL while a collector's
// publisher and an import run. Every acknowledged event must be in the log exactly once, the
// replay of the jobs imported before the fault must not change, replay must work while the
// server is down, and the restarted server must hold the log: it is then part of the majority
// that serves it after a second server is killed.
func TestClusterKillNine(t *testing.T) {
	ports := freePorts(t, 6)
	var routes []string
	for _, p := range ports[3:] {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
	}
	opts := make([]natsserver.Options, 3)
	children := make([]*childServer, 3)
	for i := range opts {
		opts[i] = natsserver.Options{Dir: t.TempDir(), Addr: fmt.Sprintf("127.0.0.1:%d", ports[i]), Name: fmt.Sprintf("k%d", i),
			ReadyTimeout: 30 * time.Second,
			Cluster:      natsserver.Cluster{Name: "gpuplan-kill", Addr: fmt.Sprintf("127.0.0.1:%d", ports[3+i]), Routes: routes}}
		children[i] = startChild(t, opts[i])
	}
	var urls []string
	for _, c := range children {
		urls = append(urls, c.wait(t, 40*time.Second))
	}
	nc, err := Connect(strings.Join(urls, ","), nats.ReconnectWait(50*time.Millisecond), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	// The streams as an older gpuplan made them on a cluster, with one replica: opening with
	// the zero Options must raise them to three.
	openRetrying(t, nc, Options{Replicas: 1})
	s := openRetrying(t, nc, Options{AckTimeout: 2 * time.Second, RetryFor: 30 * time.Second, MaxPending: 256})
	if s.Replicas() != ClusterReplicas {
		t.Fatalf("default replicas on a three-server cluster: %d, want %d", s.Replicas(), ClusterReplicas)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	for i := range numStreams {
		waitCurrent(t, ctx, s, i, 3)
	}

	// Reference workloads, from a store no fault touches. B is the import that runs across the
	// fault, dated two years later so that the replay of A's range cannot see it.
	epochB := importer.DefaultEpoch.AddDate(2, 0, 0)
	rangeA := [2]time.Time{{}, importer.DefaultEpoch.AddDate(1, 0, 0)}
	rangeB := [2]time.Time{epochB, {}}
	optA := importer.Options{Format: traces.ITP, Batch: 10}
	optB := importer.Options{Format: traces.ITP, Batch: 10, Epoch: epochB, Source: "import-b"}
	mem := &events.MemStore{}
	for _, f := range []struct {
		path string
		opt  importer.Options
	}{{traceA, optA}, {traceB, optB}} {
		if _, err := importer.Import(ctx, mem, []string{f.path}, f.opt); err != nil {
			t.Fatal(err)
		}
	}
	refA := workload(t, ctx, mem, rangeA)
	refB := workload(t, ctx, mem, rangeB)
	if len(refA.Jobs) < 100 || len(refB.Jobs) < 100 {
		t.Fatalf("reference workloads: %d and %d jobs", len(refA.Jobs), len(refB.Jobs))
	}
	var imported []string // every event id of A and B
	mem.Replay(ctx, time.Time{}, time.Time{}, nil, func(e events.Event) error { imported = append(imported, e.ID); return nil })

	if _, err := importer.Import(ctx, s, []string{traceA}, optA); err != nil {
		t.Fatal(err)
	}
	before := workload(t, ctx, s, rangeA)
	if !reflect.DeepEqual(before, refA) {
		t.Fatalf("replay before the fault differs from the file's workload")
	}

	// The fault: a collector publishes sample batches (and a job start per batch) while import
	// B runs; the jobs stream's leader is killed when both are under way.
	info, err := s.streams[streamJobs].Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leader := info.Cluster.Leader
	victim := -1
	for i, o := range opts {
		if o.Name == leader {
			victim = i
		}
	}
	if victim < 0 {
		t.Fatalf("jobs stream leader %q is none of the servers", leader)
	}

	const batches, perBatch = 60, 20
	all := make([][]events.Event, batches)
	for b := range all {
		for i := range perBatch {
			id := fmt.Sprintf("k%02d-%02d", b, i)
			at := t0.Add(time.Duration(b*perBatch+i) * time.Second)
			if i == 0 {
				all[b] = append(all[b], mustNew(t, events.KindJobStarted, id, at, events.JobStarted{JobID: id, Owner: "o", GPUs: 1, Start: at, Source: events.JobSourceImport}))
			} else {
				all[b] = append(all[b], sampleBatch(t, id, "farm", fmt.Sprintf("node-%d", i%4), at))
			}
		}
	}
	var acked sync.Map
	var ackedBatches atomic.Int32
	pubDone := make(chan error, 1)
	go func() {
		for _, evs := range all {
			for { // an Append that failed may have stored part: the same ids fill in the rest
				_, err := s.Publish(ctx, evs...)
				if err == nil {
					break
				}
				if ctx.Err() != nil {
					pubDone <- err
					return
				}
			}
			for _, e := range evs {
				acked.Store(e.ID, true)
			}
			ackedBatches.Add(1)
			time.Sleep(5 * time.Millisecond) // a collector's pace, so that it outlasts the kill
		}
		pubDone <- nil
	}()
	pa := &pausingAppender{Appender: s, mid: make(chan struct{}), resume: make(chan struct{})}
	impDone := make(chan error, 1)
	go func() {
		_, err := importer.Import(ctx, pa, []string{traceB}, optB)
		impDone <- err
	}()
	select {
	case <-pa.mid:
	case err := <-impDone:
		t.Fatalf("import B ended before its third batch: %v", err)
	}
	for ackedBatches.Load() < 5 {
		time.Sleep(time.Millisecond)
	}
	children[victim].kill(t)
	close(pa.resume)
	if n := ackedBatches.Load(); n >= batches {
		t.Fatalf("the publisher had finished before the kill")
	}
	t.Logf("killed %s (jobs stream leader) with %d of %d sample batches acknowledged", leader, ackedBatches.Load(), batches)
	if err := <-impDone; err != nil {
		t.Fatalf("import B across the kill: %v", err)
	}
	if err := <-pubDone; err != nil {
		t.Fatalf("publisher across the kill: %v", err)
	}

	var want []string
	acked.Range(func(k, _ any) bool { want = append(want, k.(string)); return true })
	want = append(want, imported...)
	check := func(when string) {
		t.Helper()
		start := time.Now()
		defer func() { t.Logf("%s: checked in %v", when, time.Since(start)) }()
		if got := workload(t, ctx, s, rangeA); !reflect.DeepEqual(got, before) {
			t.Errorf("%s: replay of the jobs imported before the fault changed (%d jobs, had %d)", when, len(got.Jobs), len(before.Jobs))
		}
		if got := workload(t, ctx, s, rangeB); !reflect.DeepEqual(got, refB) {
			t.Errorf("%s: replay of the import across the fault differs from the file (%d jobs, want %d)", when, len(got.Jobs), len(refB.Jobs))
		}
		got, st := replayAll(t, s, time.Time{}, time.Time{}, nil)
		seen := map[string]int{}
		for _, e := range got {
			seen[e.ID]++
		}
		for _, id := range want {
			if seen[id] != 1 {
				t.Errorf("%s: acknowledged %s is in the log %d times", when, id, seen[id])
			}
		}
		if len(got) != len(want) || len(seen) != len(want) || st.Malformed != 0 {
			t.Errorf("%s: %d events (%d distinct, %d malformed) in the log, %d acknowledged", when, len(got), len(seen), st.Malformed, len(want))
		}
	}
	check("while " + leader + " is down")

	// Restart the killed server on its data directory; once it holds every stream again, kill
	// another one: the log is then served by the restarted server and the third.
	children[victim] = startChild(t, opts[victim])
	children[victim].wait(t, 40*time.Second)
	for i := range numStreams {
		waitCurrent(t, ctx, s, i, 3)
	}
	check("after " + leader + " restarted")
	other := (victim + 1) % 3
	children[other].kill(t)
	t.Logf("killed %s after %s caught up", opts[other].Name, leader)
	// No wait for the elections that follow: replay resends what a leaderless cluster drops.
	check("with " + leader + " restarted and " + opts[other].Name + " down")
}

// workload replays the job.finished events of a time range into a workload.
func workload(t *testing.T, ctx context.Context, r events.Replayer, rng [2]time.Time) *gpuplan.Workload {
	t.Helper()
	w, _, err := importer.Workload(ctx, r, rng[0], rng[1])
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// waitCurrent waits until stream i has n replicas configured and every one of them is running
// and current (a raised stream's new copies, a restarted server's catch-up).
func waitCurrent(t *testing.T, ctx context.Context, s *Store, i, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var last string
	for ctx.Err() == nil {
		info, err := s.streams[i].Info(ctx)
		if err == nil && info.Config.Replicas == n && info.Cluster != nil && info.Cluster.Leader != "" && len(info.Cluster.Replicas) == n-1 {
			ok := true
			for _, p := range info.Cluster.Replicas {
				ok = ok && p.Current && !p.Offline
			}
			if ok {
				return
			}
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("replicas %d, cluster %+v", info.Config.Replicas, info.Cluster)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("stream %s never had %d current replicas: %s", s.names[i], n, last)
}
