package natsqueue

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/planner"
)

// waits records what a runner told its Waiting func.
type waits struct {
	mu   sync.Mutex
	seen []bool
	on   chan struct{} // closed at the first true
}

func newWaits() *waits { return &waits{on: make(chan struct{})} }

func (w *waits) tell(b bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if b && !slices.Contains(w.seen, true) {
		close(w.on)
	}
	w.seen = append(w.seen, b)
}

func (w *waits) list() []bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]bool(nil), w.seen...)
}

// TestNoWorkersFails: with nobody serving the queue, a batch fails with ErrNoWorkers, naming the
// stream and the batch's subject, instead of waiting forever; Waiting is told it waits, then
// that it stopped.
func TestNoWorkersFails(t *testing.T) {
	url := server(t)
	src, _ := smallScenario(t)
	_, _, tasks := sweepTasks()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := NewRunner(ctx, dial(t, url), src, Options{WorkerTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w := newWaits()
	r.Waiting = w.tell
	_, err = r.Run(ctx, tasks, nil)
	if !errors.Is(err, ErrNoWorkers) {
		t.Fatalf("got %v, want ErrNoWorkers (the test's own 30 s deadline means the runner waited on)", err)
	}
	for _, want := range []string{"GPUPLAN_WORK", "gpuplan.work.task.", "1s", "12 of this plan"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if got := w.list(); len(got) != 2 || !got[0] || got[1] {
		t.Errorf("Waiting told %v, want [true false]", got)
	}
}

// TestLateWorkerJoins: a worker started while the batch waits for one takes it, and the batch's
// summaries are the local pool's, byte for byte.
func TestLateWorkerJoins(t *testing.T) {
	url := server(t)
	src, s := smallScenario(t)
	pts, seeds, tasks := sweepTasks()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := NewRunner(ctx, dial(t, url), src, Options{WorkerTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w := newWaits()
	r.Waiting = w.tell
	type out struct {
		runs []planner.Metrics
		err  error
	}
	res := make(chan out, 1)
	go func() {
		runs, err := r.Run(ctx, tasks, nil)
		res <- out{runs, err}
	}()
	select {
	case <-w.on: // the batch is waiting with nobody serving it: now a worker comes
	case o := <-res:
		t.Fatalf("Run returned before any worker existed: %v", o.err)
	}
	startWorkers(t, url, 1, Options{})
	o := <-res
	if o.err != nil {
		t.Fatal(o.err)
	}
	local, err := (&planner.Pool{Model: &planner.ScenarioModel{Base: s}}).Run(ctx, tasks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := summaries(t, o.runs, len(pts), len(seeds)), summaries(t, local, len(pts), len(seeds)); !bytes.Equal(a, b) {
		t.Fatalf("summaries differ from local:\n%s\n---\n%s", a, b)
	}
	if got := w.list(); len(got) != 2 || !got[0] || got[1] {
		t.Errorf("Waiting told %v, want [true false]", got)
	}
}

// TestBusyWorkersKeepABatchWaiting: a batch queued behind another plan's runs waits longer than
// its worker timeout while the workers keep finishing that plan's runs (they are alive, only
// busy), and then runs; with the same timeout and nobody finishing anything it fails.
func TestBusyWorkersKeepABatchWaiting(t *testing.T) {
	url := server(t)
	src, _ := smallScenario(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const timeout = 3 * time.Second
	// Plan A queues first and waits forever; plan B queues behind it.
	a, err := NewRunner(ctx, dial(t, url), src, Options{WorkerTimeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewRunner(ctx, dial(t, url), src, Options{WorkerTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWorker(ctx, dial(t, url), "slow", Options{})
	if err != nil {
		t.Fatal(err)
	}
	aTasks := make([]planner.Task, 5)
	for i := range aTasks {
		aTasks[i] = planner.Task{Index: i, Seed: uint64(i + 1)}
	}
	aDone, bDone := make(chan error, 1), make(chan error, 1)
	go func() { _, err := a.Run(ctx, aTasks, nil); aDone <- err }()
	// B's task must be published after A's: wait until A's are on the queue.
	js, _ := natsjs.New(dial(t, url))
	for {
		st, err := js.Stream(ctx, "GPUPLAN_WORK")
		if err == nil && st.CachedInfo().State.Msgs == uint64(len(aTasks)) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	go func() { _, err := b.Run(ctx, []planner.Task{{Seed: 9}}, nil); bDone <- err }()
	// One run a second, A's first: B's first run is taken only after 5 s, past its 3 s timeout.
	start := time.Now()
	for range len(aTasks) + 1 {
		time.Sleep(time.Second)
		msg, err := w.cons.Next(natsjs.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.handle(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-bDone; err != nil {
		t.Fatalf("B behind busy workers: %v (after %s)", err, time.Since(start).Round(time.Millisecond))
	}
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	if since := time.Since(start); since < timeout {
		t.Fatalf("B was served after %s, within its timeout %s: the test proved nothing", since, timeout)
	}
}
