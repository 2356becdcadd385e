package natsqueue

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsserver"
	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/scenarios"
)

// server starts an embedded server without authorization on a random loopback port.
func server(t testing.TB) string {
	t.Helper()
	srv, err := natsserver.Start(natsserver.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return srv.URL()
}

func dial(t testing.TB, url string, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := jetstream.Connect(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// smallScenario is the built-in small scenario as a task carries it, and the scenario itself.
func smallScenario(t testing.TB) (Scenario, *scenarios.Scenario) {
	t.Helper()
	s, err := scenarios.Builtin("small")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	return Scenario{Builtin: "small", Hash: b.Hash}, s
}

// startWorkers runs n workers in goroutines until the test ends.
func startWorkers(t testing.TB, url string, n int, opt Options, conn ...nats.Option) []*Worker {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, n)
	var ws []*Worker
	for i := range n {
		w, err := NewWorker(ctx, dial(t, url, conn...), "w"+string(rune('0'+i)), opt)
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
		go func() {
			if err := w.Serve(ctx); err != nil {
				t.Errorf("worker %s: %v", w.Name, err)
			}
			done <- struct{}{}
		}()
	}
	t.Cleanup(func() {
		cancel()
		for range n {
			<-done
		}
	})
	return ws
}

// summaries is the JSON of a batch's per-point summaries: what a results file is made of.
func summaries(t testing.TB, runs []planner.Metrics, points, seeds int) []byte {
	t.Helper()
	st, err := planner.SummarizeBatch(runs, points, seeds)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reset forgets the refusals so far (tests try one operation after another).
func (w *watch) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.err = nil
}
