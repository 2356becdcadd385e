package jetstream

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/natsserver"
)

// freePorts reserves n loopback ports for cluster routes, which every server must know before
// the first one starts.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// startCluster runs three JetStream servers in one cluster. They start together: a server's
// JetStream is ready only once a majority has elected a meta leader.
func startCluster(t testing.TB) []*natsserver.Server {
	t.Helper()
	ports := freePorts(t, 3)
	var routes []string
	for _, p := range ports {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
	}
	srvs := make([]*natsserver.Server, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range srvs {
		wg.Go(func() {
			srvs[i], errs[i] = natsserver.Start(natsserver.Options{
				Dir: t.TempDir(), Addr: "127.0.0.1:0", Name: fmt.Sprintf("n%d", i), ReadyTimeout: 20 * time.Second,
				Cluster: natsserver.Cluster{Name: "gpuplan-test", Addr: fmt.Sprintf("127.0.0.1:%d", ports[i]), Routes: routes},
			})
		})
	}
	wg.Wait()
	for i, s := range srvs {
		if s != nil {
			t.Cleanup(s.Shutdown)
		}
		if errs[i] != nil {
			t.Fatalf("server n%d: %v", i, errs[i])
		}
	}
	return srvs
}

// openRetrying opens a store while the cluster settles (stream placement needs every peer known).
func openRetrying(t testing.TB, nc *nats.Conn, opt Options) *Store {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s, err := Open(ctx, nc, opt)
		cancel()
		if err == nil {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestClusterNodeLossKeepsAcknowledged publishes into R3 streams on a three-server cluster,
// stops the samples stream's leader in the middle, keeps publishing, and checks that the replay
// holds exactly the acknowledged events, each once.
func TestClusterNodeLossKeepsAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("three-server cluster: several seconds")
	}
	srvs := startCluster(t)
	var urls []string
	for _, s := range srvs {
		urls = append(urls, s.URL())
	}
	nc, err := Connect(strings.Join(urls, ","), nats.ReconnectWait(50*time.Millisecond), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	s := openRetrying(t, nc, Options{Replicas: 3, AckTimeout: 2 * time.Second, RetryFor: 30 * time.Second, MaxPending: 256})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	info, err := s.streams[streamSamples].Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Fatalf("samples stream is not R3 on three servers: %+v", info.Cluster)
	}
	leader := info.Cluster.Leader

	const batches, perBatch, stopAfter = 40, 50, 15
	var acked sync.Map // id -> true once an Append that held it returned nil
	var ackedBatches atomic.Int32
	var retries atomic.Int32
	// Events are built before the publisher starts: t.Fatal belongs to the test's goroutine.
	all := make([][]events.Event, batches)
	for b := range all {
		for i := range perBatch {
			id := fmt.Sprintf("b%02d-%02d", b, i)
			at := t0.Add(time.Duration(b*perBatch+i) * time.Second)
			if i%5 == 0 {
				all[b] = append(all[b], mustNew(t, events.KindJobStarted, id, at, events.JobStarted{JobID: id, Owner: "o", GPUs: 1, Start: at, Source: events.JobSourceImport}))
			} else {
				all[b] = append(all[b], sampleBatch(t, id, "farm", fmt.Sprintf("node-%d", i%4), at))
			}
		}
	}
	done := make(chan error, 1)
	go func() {
		for b, evs := range all {
			// A failed Append may have stored any subset; the same events again (same ids)
			// must then fill in the rest without storing anything twice.
			for {
				st, err := s.Publish(ctx, evs...)
				retries.Add(int32(st.Retries))
				if err == nil {
					break
				}
				if ctx.Err() != nil {
					done <- err
					return
				}
				t.Logf("batch %d: %v (publishing again)", b, err)
			}
			for _, e := range evs {
				acked.Store(e.ID, true)
			}
			ackedBatches.Add(1)
		}
		done <- nil
	}()

	for ackedBatches.Load() < stopAfter {
		time.Sleep(time.Millisecond)
	}
	var stopped *natsserver.Server
	for _, srv := range srvs {
		if srv.Name() == leader {
			stopped = srv
		}
	}
	stopped.Shutdown()
	if n := ackedBatches.Load(); n >= batches {
		t.Fatalf("the publisher had finished (%d batches) before the node stopped", n)
	}
	t.Logf("stopped %s (samples leader) after %d acknowledged batches", leader, ackedBatches.Load())
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	t.Logf("publishes retried: %d", retries.Load())

	info, err = s.streams[streamSamples].Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Cluster.Leader == "" || info.Cluster.Leader == leader {
		t.Errorf("samples leader after the stop: %q", info.Cluster.Leader)
	}

	got, st := replayAll(t, s, time.Time{}, time.Time{}, nil)
	seen := map[string]int{}
	for _, e := range got {
		seen[e.ID]++
	}
	nAcked := 0
	acked.Range(func(k, _ any) bool {
		nAcked++
		if seen[k.(string)] != 1 {
			t.Errorf("acknowledged %s replayed %d times", k, seen[k.(string)])
		}
		return true
	})
	if nAcked != batches*perBatch || len(got) != nAcked || len(seen) != nAcked || st.Malformed != 0 {
		t.Errorf("acknowledged %d of %d, replayed %d events (%d distinct), malformed %d",
			nAcked, batches*perBatch, len(got), len(seen), st.Malformed)
	}

	// Optimistic concurrency on a replicated stream, with one server down: of concurrent
	// changes from the same state exactly one wins (the server may answer 10071 or 10164).
	for round := range 3 {
		ok, conflicts := concurrentAssign(t, s, "gpu-node-"+itoa(round), 6)
		if ok != 1 || conflicts != 5 {
			t.Errorf("R3 round %d: %d succeeded, %d conflicts; want 1 and 5", round, ok, conflicts)
		}
	}
}
