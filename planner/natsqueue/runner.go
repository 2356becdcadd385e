package natsqueue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/planner"
)

var _ planner.Runner = (*Runner)(nil)

// Runner is a planner.Runner that publishes a batch's tasks to the work queue and gathers the
// workers' results. Each Run is one batch with a fresh random id, so batches of different plans
// (or of one plan's sweep and sizing) never mix.
type Runner struct {
	// Waiting, when set, is told true when a batch has waited a poll without any worker taking
	// a run, and false when one takes a run (a progress bar shows it). Calls never overlap.
	Waiting func(waiting bool)

	js       natsjs.JetStream
	opt      Options
	scenario Scenario
	denied   *watch
}

// NewRunner returns a runner for plans of scenario on nc. It creates the streams if they are
// missing and the credential may (no authorization); otherwise they must exist.
func NewRunner(ctx context.Context, nc *nats.Conn, scenario Scenario, opt Options) (*Runner, error) {
	opt = opt.withDefaults()
	if scenario.Hash == "" || (scenario.Builtin == "") == (scenario.YAML == "") {
		return nil, fmt.Errorf("natsqueue: a scenario needs its hash and either a built-in name or its YAML")
	}
	js, err := natsjs.New(nc)
	if err != nil {
		return nil, fmt.Errorf("natsqueue: %w", err)
	}
	r := &Runner{js: js, opt: opt, scenario: scenario, denied: watchDenials(nc)}
	ctx, cancel := r.denied.until(ctx)
	defer cancel()
	if err := ensure(ctx, js, opt, true); err != nil {
		return nil, r.denied.explain(err)
	}
	return r, nil
}

// Run implements planner.Runner: it waits until every task has a result, the context ends, a
// worker reports a failure, or no worker takes a run within Options.WorkerTimeout
// (ErrNoWorkers). Results are taken by task index, the first of each; a later copy (a task
// redelivered after its worker was presumed dead) is dropped.
func (r *Runner) Run(ctx context.Context, tasks []planner.Task, tick func()) ([]planner.Metrics, error) {
	if len(tasks) == 0 {
		return nil, nil
	}
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	batch := hex.EncodeToString(b[:])
	wq := jetstream.WorkQueueOf(r.opt.Log)
	ctx, cancel := r.denied.until(ctx)
	defer cancel()

	// Subscribe before publishing, so no result can come before the consumer.
	taken := takenSubject(wq, batch)
	cons, err := r.js.OrderedConsumer(ctx, wq.ResultStream, natsjs.OrderedConsumerConfig{
		FilterSubjects: []string{wq.ResultPrefix + "." + batch + ".*", taken},
	})
	if err != nil {
		return nil, r.denied.explain(fmt.Errorf("natsqueue: results of batch %s: %w", batch, err))
	}
	if err := r.publish(ctx, wq, batch, tasks); err != nil {
		return nil, err
	}
	wctx, gaveUp := context.WithCancelCause(ctx)
	started := make(chan struct{})
	waited := make(chan struct{})
	go func() {
		defer close(waited)
		r.await(wctx, gaveUp, started, wq, batch, len(tasks))
	}()
	defer func() { <-waited }() // Waiting is never called after Run returns
	defer gaveUp(nil)
	markStarted := sync.OnceFunc(func() { close(started) })

	out := make([]planner.Metrics, len(tasks))
	left := len(tasks)
	for left > 0 {
		msg, err := cons.Next(natsjs.FetchContext(wctx))
		if err != nil {
			if cause := context.Cause(wctx); errors.Is(cause, ErrNoWorkers) && ctx.Err() == nil {
				return nil, cause
			}
			if ctx.Err() != nil {
				return nil, r.denied.explain(fmt.Errorf("natsqueue: batch %s: %d of %d runs done: %w", batch, len(tasks)-left, len(tasks), ctx.Err()))
			}
			return nil, r.denied.explain(fmt.Errorf("natsqueue: batch %s: %w", batch, err))
		}
		markStarted()
		if msg.Subject() == taken {
			continue
		}
		res, m, err := decodeResult(msg.Data())
		if err != nil {
			return nil, err
		}
		if res.Batch != batch || res.Index >= len(tasks) || res.Seed != tasks[res.Index].Seed {
			return nil, fmt.Errorf("%w: result %s does not fit batch %s of %d runs", ErrBadMessage, res.id(), batch, len(tasks))
		}
		if res.Error != "" {
			return nil, fmt.Errorf("worker %s: %s", res.Worker, res.Error)
		}
		if out[res.Index] != nil {
			continue // a second copy of a result: the first counts
		}
		out[res.Index] = m
		left--
		if tick != nil {
			tick()
		}
	}
	return out, nil
}

// await gives up on the batch (gaveUp with ErrNoWorkers) when no worker has taken one of its
// runs for WorkerTimeout, counting again whenever a run of any batch leaves the task stream
// (a worker finished it: workers are alive, busy ahead of this batch). It returns once a run
// is taken (started closed) or ctx ends. It polls the task stream's info, which the planner
// role may read.
func (r *Runner) await(ctx context.Context, gaveUp context.CancelCauseFunc, started <-chan struct{}, wq jetstream.WorkQueue, batch string, n int) {
	timeout := r.opt.WorkerTimeout
	if timeout < 0 {
		return
	}
	poll := min(time.Second, max(timeout/4, 10*time.Millisecond))
	tk := time.NewTicker(poll)
	defer tk.Stop()
	deadline := time.Now().Add(timeout)
	removed, others := int64(-1), 0
	waiting := false
	tell := func(w bool) {
		if r.Waiting != nil && w != waiting {
			r.Waiting(w)
		}
		waiting = w
	}
	defer tell(false)
	for {
		select {
		case <-started:
			return
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		if st, err := r.js.Stream(ctx, wq.TaskStream); err == nil {
			// Tasks leave a work-queue stream when acknowledged (done), so the stream's last
			// sequence less its messages counts every task ever finished, by anyone.
			state := st.CachedInfo().State
			if gone := int64(state.LastSeq) - int64(state.Msgs); gone != removed {
				if removed >= 0 {
					deadline = time.Now().Add(timeout)
				}
				removed = gone
			}
			others = max(0, int(state.Msgs)-n)
		}
		if time.Now().After(deadline) {
			gaveUp(fmt.Errorf("%w of batch %s in %s: stream %s holds its runs (subject %s.%s; %d of this plan, %d of other plans) and no run finished meanwhile",
				ErrNoWorkers, batch, timeout, wq.TaskStream, wq.TaskPrefix, batch, n, others))
			return
		}
		tell(true)
	}
}

// publish puts the batch's tasks on the queue and waits until the server has stored them all.
func (r *Runner) publish(ctx context.Context, wq jetstream.WorkQueue, batch string, tasks []planner.Task) error {
	subject := wq.TaskPrefix + "." + batch
	acks := make([]natsjs.PubAckFuture, 0, len(tasks))
	for _, t := range tasks {
		data, err := json.Marshal(task{Batch: batch, Index: t.Index, Seed: t.Seed, Point: encodePoint(t.Point), Scenario: r.scenario})
		if err != nil {
			return fmt.Errorf("natsqueue: task %d: %w", t.Index, err)
		}
		f, err := r.js.PublishAsync(subject, data, natsjs.WithMsgID(batch+"."+strconv.Itoa(t.Index)))
		if err != nil {
			return r.denied.explain(fmt.Errorf("natsqueue: publish task %d: %w", t.Index, err))
		}
		acks = append(acks, f)
	}
	for i, f := range acks {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return r.denied.explain(fmt.Errorf("natsqueue: publish task %d: %w", tasks[i].Index, err))
		case <-ctx.Done():
			return r.denied.explain(fmt.Errorf("natsqueue: publish tasks: %w", ctx.Err()))
		}
	}
	return nil
}

// watch remembers the server's refusals on a connection: a refused publish or JetStream request
// gets no answer, only an asynchronous error, so without it a wrong credential would wait forever.
type watch struct {
	mu      sync.Mutex
	err     error
	changed chan struct{}
}

func watchDenials(nc *nats.Conn) *watch {
	w := &watch{changed: make(chan struct{})}
	prev := nc.ErrorHandler()
	nc.SetErrorHandler(func(c *nats.Conn, sub *nats.Subscription, err error) {
		if isDenial(err) {
			w.mu.Lock()
			w.err = err
			close(w.changed)
			w.changed = make(chan struct{})
			w.mu.Unlock()
			return
		}
		if prev != nil {
			prev(c, sub, err)
		}
	})
	return w
}

func isDenial(err error) bool { return err != nil && errors.Is(err, nats.ErrPermissionViolation) }

// until returns ctx, also cancelled when the server refuses something on the connection.
func (w *watch) until(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		for {
			w.mu.Lock()
			refused, next := w.err != nil, w.changed
			w.mu.Unlock()
			if refused {
				cancel()
				return
			}
			select {
			case <-next:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ctx, cancel
}

// explain adds the server's refusal, if there was one, to err.
func (w *watch) explain(err error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil || err == nil {
		return err
	}
	return fmt.Errorf("%w: %w (check the credential's role: planner publishes tasks, worker runs them)", jetstream.ErrDenied, w.err)
}
