package collectors_test

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/collectors/fakenode"
	"github.com/gpuplan/gpuplan/collectors/nvmlsource"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsserver"
)

func startServer(t testing.TB, dir, addr string) *natsserver.Server {
	t.Helper()
	s, err := natsserver.Start(natsserver.Options{Dir: dir, Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// opener connects as gpuplan collect does: retrying forever, reconnecting fast in tests.
func opener(t testing.TB, url string) func(context.Context) (collectors.Log, error) {
	var mu sync.Mutex
	var nc *nats.Conn
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if nc != nil {
			nc.Close()
		}
	})
	return func(ctx context.Context) (collectors.Log, error) {
		mu.Lock()
		defer mu.Unlock()
		if nc == nil {
			c, err := jetstream.Connect(url, nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
			if err != nil {
				return nil, err
			}
			nc = c
		}
		return jetstream.Open(ctx, nc, jetstream.Options{})
	}
}

func newPublisher(t testing.TB, sp *collectors.Spool, open func(context.Context) (collectors.Log, error)) *collectors.Publisher {
	t.Helper()
	p, err := collectors.NewPublisher(collectors.PublisherOptions{Spool: sp, Open: open, Timeout: time.Second,
		IsConflict: func(err error) bool { return errors.Is(err, jetstream.ErrOwnershipConflict) }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// stored replays the log at url and returns the ids of events of kind k in stream order.
func stored(t testing.TB, url string, k events.Kind) []string {
	t.Helper()
	nc, err := jetstream.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := jetstream.Open(ctx, nc, jetstream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if err := s.Replay(ctx, time.Time{}, time.Time{}, []events.Kind{k}, func(e events.Event) error {
		out = append(out, e.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// teeQueue records the ids it passes on.
type teeQueue struct {
	collectors.Queue
	mu  sync.Mutex
	ids []string
}

func (q *teeQueue) Append(ev events.Event) error {
	if err := q.Queue.Append(ev); err != nil {
		return err
	}
	if ev.Kind == events.KindGPUSampleBatch {
		q.mu.Lock()
		q.ids = append(q.ids, ev.ID)
		q.mu.Unlock()
	}
	return nil
}

func waitEmpty(t testing.TB, sp *collectors.Spool, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for sp.Stats().Records > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("spool still holds %d events after %v", sp.Stats().Records, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServerOutage stops the server for about 2 s while the collector samples every 50 ms, then
// restarts it on the same data directory and port: every batch taken arrives exactly once, in
// the order taken.
func TestServerOutage(t *testing.T) {
	dataDir := t.TempDir()
	srv := startServer(t, dataDir, "127.0.0.1:0")
	u, _ := url.Parse(srv.URL())
	addr := u.Host

	now := t0
	var nowMu sync.Mutex
	clock := func() time.Time { nowMu.Lock(); defer nowMu.Unlock(); return now }
	node, err := fakenode.New(fakenode.Options{Seed: 2, Epoch: t0, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	src := openSource(t, node)
	sp := openSpool(t, t.TempDir(), collectors.SpoolOptions{})
	defer sp.Close()
	q := &teeQueue{Queue: sp}
	c, err := collectors.New(collectors.Options{Node: "n1", Interval: time.Second, Source: src, Procs: node.Procs(), Queue: q})
	if err != nil {
		t.Fatal(err)
	}
	pub := newPublisher(t, sp, opener(t, srv.URL()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pub.Run(ctx) }()
	k := 0
	tick := func(n int) {
		for range n {
			nowMu.Lock()
			now = t0.Add(time.Duration(k) * time.Second)
			nowMu.Unlock()
			if err := c.Tick(clock()); err != nil {
				t.Fatal(err)
			}
			k++
			time.Sleep(50 * time.Millisecond)
		}
	}
	tick(5)
	waitEmpty(t, sp, 10*time.Second)
	srv.Shutdown()
	tick(40) // 2 s without a server
	if n := sp.Stats().Records; n < 30 {
		t.Fatalf("only %d events spooled during the outage", n)
	}
	srv = startServer(t, dataDir, addr)
	defer srv.Shutdown()
	tick(5)
	waitEmpty(t, sp, 30*time.Second)
	cancel()
	<-done
	if pub.Stats().Errors == 0 {
		t.Error("no publish error counted during the outage")
	}
	got := stored(t, srv.URL(), events.KindGPUSampleBatch)
	if err := equalIDs(got, q.ids); err != nil {
		t.Fatalf("stored batches differ from those taken (exactly once, in order): %v", err)
	}
}

func openSource(t testing.TB, node *fakenode.Node) collectors.Source {
	t.Helper()
	src, err := nvmlsource.Open(node.Lib())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// crashLog stops answering after `after` appends, like a process frozen before it could
// record the acknowledgements it received.
type crashLog struct {
	collectors.Log
	after   int64
	n       atomic.Int64
	crashed chan struct{}
	once    sync.Once
	release chan struct{}
}

func (l *crashLog) Append(ctx context.Context, evs ...events.Event) error {
	if l.n.Add(1) > l.after {
		l.once.Do(func() { close(l.crashed) })
		<-l.release
		return errors.New("crashed")
	}
	return l.Log.Append(ctx, evs...)
}

// TestCrashMidSpool: the publisher dies after the server acknowledged events it had not yet
// marked in the spool, and the spool is abandoned without Close. A new spool and publisher on
// the same directory send the rest: nothing acknowledged is lost and the log holds each event
// once, in order.
func TestCrashMidSpool(t *testing.T) {
	srv := startServer(t, t.TempDir(), "127.0.0.1:0")
	defer srv.Shutdown()
	dir := t.TempDir()
	sp := openSpool(t, dir, collectors.SpoolOptions{SegmentBytes: 4096})
	var want []string
	for i := range 300 {
		ev := batchEvent(t, "n1", i)
		want = append(want, ev.ID)
		mustAppend(t, sp, ev)
	}
	open := opener(t, srv.URL())
	cl := &crashLog{after: 150, crashed: make(chan struct{}), release: make(chan struct{})}
	pub, err := collectors.NewPublisher(collectors.PublisherOptions{Spool: sp, Timeout: time.Second, AckEvery: 64,
		Open: func(ctx context.Context) (collectors.Log, error) {
			l, err := open(ctx)
			cl.Log = l
			return cl, err
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- pub.Run(ctx) }()
	<-cl.crashed
	// 150 stored, 128 marked in the spool: 22 will be sent again.
	if got := sp.Stats().Records; got != 300-128 {
		t.Fatalf("spool holds %d records at the crash, want %d", got, 300-128)
	}
	sp.Close() // writes nothing: the files are as a kill -9 leaves them
	close(cl.release)
	cancel()
	<-done

	sp2 := openSpool(t, dir, collectors.SpoolOptions{SegmentBytes: 4096})
	defer sp2.Close()
	pub2 := newPublisher(t, sp2, open)
	dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer dcancel()
	if err := pub2.Drain(dctx); err != nil {
		t.Fatal(err)
	}
	if err := equalIDs(stored(t, srv.URL(), events.KindGPUSampleBatch), want); err != nil {
		t.Fatalf("log after crash and restart: %v", err)
	}
}

// TestOwnershipPublished: the config's assignments are stored with the expected-sequence check,
// and a changed config stores the release and the new assignment after them.
func TestOwnershipPublished(t *testing.T) {
	srv := startServer(t, t.TempDir(), "127.0.0.1:0")
	defer srv.Shutdown()
	sp := openSpool(t, t.TempDir(), collectors.SpoolOptions{NoSync: true})
	defer sp.Close()
	old, _ := collectors.DecodeNodeConfig("a", []byte("owners:\n  - owner: kim\n    gpus: [0, 1]\n  - owner: lee\n    gpus: [2]\n"))
	next, _ := collectors.DecodeNodeConfig("b", []byte("owners:\n  - owner: kim\n    gpus: [0, 1]\n  - owner: park\n    gpus: [2, 3]\n"))
	evs, _ := old.OwnershipEvents(nil, "n1", "lab", t0)
	change, _ := next.OwnershipEvents(&old, "n1", "lab", t0.Add(time.Minute))
	mustAppend(t, sp, evs...)
	mustAppend(t, sp, change...)
	open := opener(t, srv.URL())
	pub := newPublisher(t, sp, open)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := pub.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	l, err := open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := l.OwnershipSeq(ctx, "lab", "n1")
	if err != nil {
		t.Fatal(err)
	}
	if seq == 0 {
		t.Fatal("no ownership event stored for the node")
	}
	assigned := stored(t, srv.URL(), events.KindOwnershipAssigned)
	released := stored(t, srv.URL(), events.KindOwnershipReleased)
	if len(assigned) != 3 || len(released) != 1 {
		t.Fatalf("%d assignments and %d releases stored, want 3 and 1", len(assigned), len(released))
	}
	// A stale expected sequence is refused: another admin's change cannot be overwritten blindly.
	stale, _ := old.OwnershipEvents(nil, "n1", "lab", t0.Add(time.Hour))
	if _, err := l.ChangeOwnership(ctx, stale[0], seq-1); !errors.Is(err, jetstream.ErrOwnershipConflict) {
		t.Fatalf("change with a stale sequence: %v, want a conflict", err)
	}
}
