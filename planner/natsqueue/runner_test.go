package natsqueue

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/planner"
)

func sweepTasks() ([]planner.Point, []uint64, []planner.Task) {
	var pts []planner.Point
	for _, share := range []float64{0, 0.5, 1} {
		for _, pol := range []string{"fifo", "easy"} {
			pts = append(pts, planner.Point{{Key: planner.KeyFarmShare, Value: share}, {Key: planner.KeyPolicy, Value: pol}})
		}
	}
	seeds := []uint64{3, 4}
	return pts, seeds, planner.Tasks(pts, seeds)
}

// TestRunnerEqualsPool: the same batch through three workers and through the local pool gives
// the same summaries, byte for byte.
func TestRunnerEqualsPool(t *testing.T) {
	url := server(t)
	src, s := smallScenario(t)
	pts, seeds, tasks := sweepTasks()
	local, err := (&planner.Pool{Model: &planner.ScenarioModel{Base: s}}).Run(context.Background(), tasks, nil)
	if err != nil {
		t.Fatal(err)
	}
	startWorkers(t, url, 3, Options{})
	r, err := NewRunner(context.Background(), dial(t, url), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ticks atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := r.Run(ctx, tasks, func() { ticks.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if n := ticks.Load(); n != int64(len(tasks)) {
		t.Errorf("%d ticks for %d tasks", n, len(tasks))
	}
	a, b := summaries(t, got, len(pts), len(seeds)), summaries(t, local, len(pts), len(seeds))
	if !bytes.Equal(a, b) {
		t.Fatalf("distributed summaries differ from local:\n%s\n---\n%s", a, b)
	}
}

// TestTaskHandledTwiceCountsOnce: a task run twice (as after a redelivery whose first result was
// stored but not acknowledged) stores one result, the second worker's copy is refused without an
// error, and the planner counts the task once.
func TestTaskHandledTwiceCountsOnce(t *testing.T) {
	url := server(t)
	src, s := smallScenario(t)
	pts, seeds, tasks := sweepTasks()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w, err := NewWorker(ctx, dial(t, url), "twice", Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRunner(ctx, dial(t, url), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	type out struct {
		runs []planner.Metrics
		err  error
	}
	res := make(chan out, 1)
	var ticks atomic.Int64
	go func() {
		runs, err := r.Run(ctx, tasks, func() { ticks.Add(1) })
		res <- out{runs, err}
	}()
	for handled := 0; handled < len(tasks); {
		msg, err := w.cons.Next(natsjs.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatalf("after %d tasks: %v", handled, err)
		}
		for range 2 {
			if err := w.handle(ctx, msg); err != nil {
				t.Fatalf("task handled again: %v", err)
			}
		}
		handled++
	}
	o := <-res
	if o.err != nil {
		t.Fatal(o.err)
	}
	if n := ticks.Load(); n != int64(len(tasks)) {
		t.Errorf("%d ticks for %d tasks", n, len(tasks))
	}
	local, err := (&planner.Pool{Model: &planner.ScenarioModel{Base: s}}).Run(ctx, tasks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := summaries(t, o.runs, len(pts), len(seeds)), summaries(t, local, len(pts), len(seeds)); !bytes.Equal(a, b) {
		t.Fatalf("summaries differ from local:\n%s\n---\n%s", a, b)
	}
	js, _ := natsjs.New(dial(t, url))
	st, err := js.Stream(ctx, jetstream.WorkQueueOf(jetstream.Options{}).ResultStream)
	if err != nil {
		t.Fatal(err)
	}
	// One result per task, and the one mark that the batch's runs were taken.
	if n := st.CachedInfo().State.Msgs; n != uint64(len(tasks))+1 {
		t.Errorf("%d results and marks stored for %d tasks each run twice", n, len(tasks))
	}
}

// TestWorkerFailuresReachThePlanner: a scenario that builds to another hash on the worker, and a
// point the model refuses, stop the plan with the worker's reason instead of a wait forever.
func TestWorkerFailuresReachThePlanner(t *testing.T) {
	url := server(t)
	src, _ := smallScenario(t)
	startWorkers(t, url, 1, Options{})
	cases := []struct {
		name string
		src  Scenario
		task planner.Task
		want string
	}{
		{"hash", Scenario{Builtin: "small", Hash: "0000"}, planner.Task{Seed: 1}, "builds to hash"},
		{"unknown built-in", Scenario{Builtin: "no-such", Hash: src.Hash}, planner.Task{Seed: 1}, "no-such"},
		{"bad yaml", Scenario{File: "/x/plan.yaml", YAML: "sites: [", Hash: src.Hash}, planner.Task{Seed: 1}, "plan.yaml"},
		{"bad point", src, planner.Task{Seed: 1, Point: planner.Point{{Key: planner.KeyLoadGrowth, Value: -1.0}}}, "load_growth"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			r, err := NewRunner(ctx, dial(t, url), tc.src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.Run(ctx, []planner.Task{tc.task}, nil)
			if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want the worker's error naming %q", err, tc.want)
			}
		})
	}
}
