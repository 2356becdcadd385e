package natsqueue

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/scenarios"
)

// Worker takes tasks from the queue one at a time, runs them and publishes their results. Run one
// worker per core: the scenario model runs a task on one goroutine.
type Worker struct {
	// Name identifies the worker in results and logs (e.g. host and process id).
	Name string
	// Log, when set, gets one line when a task starts and one when its result is stored.
	Log io.Writer
	// Hold delays every run after its "run" line, with the task in hand and acknowledged as in
	// progress: tests use it to kill a worker mid-run. 0 in use.
	Hold time.Duration

	js     natsjs.JetStream
	cons   natsjs.Consumer
	opt    Options
	denied *watch
	// The last scenario rebuilt and checked, by its source's digest and hash: a batch's tasks
	// all carry the same one.
	key  string
	base *scenarios.Scenario
	// marked is the last batch this worker marked taken (see takenSubject).
	marked string
}

// NewWorker connects a worker to the shared consumer of the task stream, creating the consumer
// (and, without authorization, the streams) when missing.
func NewWorker(ctx context.Context, nc *nats.Conn, name string, opt Options) (*Worker, error) {
	opt = opt.withDefaults()
	js, err := natsjs.New(nc)
	if err != nil {
		return nil, fmt.Errorf("natsqueue: %w", err)
	}
	w := &Worker{Name: name, js: js, opt: opt, denied: watchDenials(nc)}
	ctx, cancel := w.denied.until(ctx)
	defer cancel()
	if err := ensure(ctx, js, opt, false); errors.Is(err, ErrNoStreams) {
		err = ensure(ctx, js, opt, true)
		if err != nil {
			return nil, w.denied.explain(err)
		}
	} else if err != nil {
		return nil, w.denied.explain(err)
	}
	wq := jetstream.WorkQueueOf(opt.Log)
	w.cons, err = js.CreateOrUpdateConsumer(ctx, wq.TaskStream, natsjs.ConsumerConfig{
		Durable:       ConsumerName,
		Description:   "gpuplan workers: one queue of sweep tasks",
		AckPolicy:     natsjs.AckExplicitPolicy,
		AckWait:       opt.AckWait,
		MaxAckPending: -1,
	})
	if err != nil {
		return nil, w.denied.explain(fmt.Errorf("natsqueue: consumer %s on %s: %w", ConsumerName, wq.TaskStream, err))
	}
	return w, nil
}

// Serve takes and runs tasks until ctx ends; it returns nil then. A task whose scenario cannot be
// rebuilt, or whose run fails, gets a result holding the error, so the planner stops with it
// instead of waiting.
func (w *Worker) Serve(ctx context.Context) error {
	for {
		// One task at a time, asked for when the last is done: a prefetched task would wait here
		// with its ack deadline running. The short wait bounds how long a stop takes.
		msg, err := w.cons.Next(natsjs.FetchMaxWait(time.Second))
		if ctx.Err() != nil {
			if msg != nil {
				_ = msg.Nak() // back to the queue at once: another worker takes it
			}
			return nil
		}
		if errors.Is(err, natsjs.ErrNoMessages) || errors.Is(err, nats.ErrTimeout) {
			continue
		}
		if err != nil {
			return w.denied.explain(fmt.Errorf("natsqueue: next task: %w", err))
		}
		if err := w.handle(ctx, msg); err != nil {
			return err
		}
	}
}

// handle runs one task and stores its result before acknowledging it, so a worker that dies at
// any point loses nothing: an unacknowledged task goes to another worker after AckWait.
func (w *Worker) handle(ctx context.Context, msg natsjs.Msg) error {
	t, err := decodeTask(msg.Data())
	if err != nil {
		w.logf("refused a task: %v", err)
		_ = msg.Term() // it will never decode: redelivering it helps no one
		return nil
	}
	res := result{Batch: t.Batch, Index: t.Index, Seed: t.Seed, Worker: w.Name}
	w.markTaken(ctx, t.Batch)
	w.logf("run %s.%d seed %d", t.Batch, t.Index, t.Seed)
	stop := w.heartbeat(msg)
	if w.Hold > 0 {
		time.Sleep(w.Hold)
	}
	m, err := w.run(t)
	stop()
	if err != nil {
		res.Error = err.Error()
	} else {
		res.Metrics = encodeMetrics(m)
	}
	data, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("natsqueue: result %s: %w", res.id(), err)
	}
	wq := jetstream.WorkQueueOf(w.opt.Log)
	subject := fmt.Sprintf("%s.%s.%d", wq.ResultPrefix, t.Batch, t.Index)
	// A stop (ctx done) lets the run in hand be stored: its work is not thrown away.
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer scancel()
	pctx, cancel := w.denied.until(sctx)
	defer cancel()
	if _, err := w.js.Publish(pctx, subject, data, natsjs.WithMsgID(res.id())); err != nil && !stored(err) {
		return w.denied.explain(fmt.Errorf("natsqueue: store result %s: %w", res.id(), err))
	}
	if err := msg.DoubleAck(pctx); err != nil {
		// The result is stored: a redelivery recomputes the task and its copy is dropped.
		w.logf("ack %s: %v", res.id(), err)
	}
	w.logf("done %s.%d seed %d", t.Batch, t.Index, t.Seed)
	return nil
}

// markTaken tells the batch's planner that its runs have a taker (see takenSubject), once per
// batch per worker: the planner stops counting its worker timeout. Only the first worker's mark
// is stored. A mark that fails costs nothing but that signal, so it is logged, not returned.
func (w *Worker) markTaken(ctx context.Context, batch string) {
	if w.marked == batch {
		return
	}
	w.marked = batch
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	pctx, stop := w.denied.until(mctx)
	defer stop()
	wq := jetstream.WorkQueueOf(w.opt.Log)
	if _, err := w.js.Publish(pctx, takenSubject(wq, batch), []byte(w.Name)); err != nil && !stored(err) {
		w.logf("mark batch %s taken: %v", batch, err)
	}
}

// markTimeout bounds the mark: the run waits for it.
const markTimeout = 5 * time.Second

// storeTimeout bounds how long a worker tries to store a result (the connection reconnects
// meanwhile); after it the task is left unacknowledged and goes to another worker.
const storeTimeout = time.Minute

// stored reports the server's refusal of a second result for a task (the stream keeps one per
// subject): the first is stored, which is all that matters.
func stored(err error) bool {
	return strings.Contains(err.Error(), "maximum messages per subject exceeded")
}

// heartbeat tells the server every third of AckWait that the task is still being worked on, so
// a long run is not handed to a second worker; stop ends it.
func (w *Worker) heartbeat(msg natsjs.Msg) (stop func()) {
	done := make(chan struct{})
	go func() {
		tk := time.NewTicker(w.opt.AckWait / 3)
		defer tk.Stop()
		for {
			select {
			case <-done:
				return
			case <-tk.C:
				_ = msg.InProgress()
			}
		}
	}()
	return func() { close(done) }
}

// run rebuilds the task's scenario (or reuses the last one), checks its hash and runs the point.
func (w *Worker) run(t task) (planner.Metrics, error) {
	sum := sha256.Sum256([]byte(t.Scenario.Builtin + "\x00" + t.Scenario.File + "\x00" + t.Scenario.YAML))
	key := string(sum[:]) + t.Scenario.Hash
	if key != w.key {
		base, err := Rebuild(t.Scenario)
		if err != nil {
			return nil, err
		}
		w.key, w.base = key, base
	}
	return planner.RunTask(&planner.ScenarioModel{Base: w.base}, planner.Task{Index: t.Index, Point: t.point(), Seed: t.Seed})
}

// Rebuild reads a scenario as a task carries it and checks that it builds to the task's hash.
func Rebuild(s Scenario) (*scenarios.Scenario, error) {
	var sc *scenarios.Scenario
	var err error
	if s.Builtin != "" {
		sc, err = scenarios.Builtin(s.Builtin)
	} else {
		sc, err = scenarios.Parse(s.File, []byte(s.YAML))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrScenario, err)
	}
	b, err := sc.Build()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrScenario, err)
	}
	if b.Hash != s.Hash {
		return nil, fmt.Errorf("%w: %s builds to hash %s here, the planner's is %s (another gpuplan version, or other trace files)", ErrScenario, b.Name, b.Hash, s.Hash)
	}
	return sc, nil
}

func (w *Worker) logf(format string, a ...any) {
	if w.Log != nil {
		fmt.Fprintf(w.Log, "gpuplan worker %s: %s\n", w.Name, fmt.Sprintf(format, a...))
	}
}
