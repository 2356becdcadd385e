package natsqueue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events/jetstream"
)

// Defaults for Options.
const (
	DefaultAckWait = time.Minute
	DefaultMaxAge  = 24 * time.Hour
	// DefaultWorkerTimeout is how long a batch waits for a worker by default: long enough to
	// start workers by hand after the plan, short enough that a plan nobody serves says so.
	DefaultWorkerTimeout = 2 * time.Minute
	// ConsumerName is the durable consumer every worker pulls from: one queue, shared.
	ConsumerName = "gpuplan-workers"
)

// Errors.
var (
	// ErrNoStreams: the work-queue streams do not exist and this credential may not create them.
	ErrNoStreams = errors.New("natsqueue: the work-queue streams do not exist (gpuplan serve creates them; under --auth only admin may)")
	// ErrBadMessage: a task or result that does not decode or does not fit its batch.
	ErrBadMessage = errors.New("natsqueue: bad message")
	// ErrScenario: the scenario a task names cannot be rebuilt here, or rebuilds to another hash.
	ErrScenario = errors.New("natsqueue: scenario mismatch")
	// ErrNoWorkers: no worker took a run of the batch within Options.WorkerTimeout, and no run
	// of any other batch on the queue finished meanwhile.
	ErrNoWorkers = errors.New("natsqueue: no worker took a run")
)

// Options configure the queue. The zero value means the defaults.
type Options struct {
	// Log gives the subject prefix, stream prefix and replicas (see jetstream.WorkQueueOf); 0
	// replicas choose from the cluster connected to, as for the log (jetstream.ChooseReplicas).
	Log jetstream.Options
	// AckWait is how long a task stays with a worker that stopped saying it is working on it
	// before the server hands it to another; 0 means 1 min. Workers report progress every
	// third of it, so a long run is never handed out twice while its worker lives. The first
	// worker to create the shared consumer sets it.
	AckWait time.Duration
	// MaxAge drops tasks and results nobody collected (a planner that died); 0 means 24 h.
	MaxAge time.Duration
	// WorkerTimeout is how long Runner.Run waits for a worker to take the first run of a batch
	// before it fails with ErrNoWorkers; a run of another batch finishing meanwhile (workers are
	// alive, busy with a plan ahead of this one) starts the wait again. Once a worker has taken
	// a run, the batch waits as long as it takes (a dead worker's run goes to the next after
	// AckWait). 0 means DefaultWorkerTimeout; below 0, wait forever. Workers ignore it.
	WorkerTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.AckWait <= 0 {
		o.AckWait = DefaultAckWait
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.WorkerTimeout == 0 {
		o.WorkerTimeout = DefaultWorkerTimeout
	}
	return o
}

// streamConfigs are the task stream (a work queue: a task leaves it when a worker acknowledges
// it) and the result stream (one message per task subject, a second refused by the server).
func streamConfigs(opt Options) [2]natsjs.StreamConfig {
	wq := jetstream.WorkQueueOf(opt.Log)
	dup := min(time.Hour, opt.MaxAge)
	return [2]natsjs.StreamConfig{{
		Name:        wq.TaskStream,
		Description: "gpuplan sweep tasks waiting for a worker",
		Subjects:    []string{wq.TaskPrefix + ".*"},
		Retention:   natsjs.WorkQueuePolicy,
		Storage:     natsjs.FileStorage,
		Replicas:    opt.Log.Replicas,
		MaxAge:      opt.MaxAge,
		Duplicates:  dup,
	}, {
		Name:                 wq.ResultStream,
		Description:          "gpuplan sweep results, one per task",
		Subjects:             []string{wq.ResultPrefix + ".*.*"},
		Retention:            natsjs.LimitsPolicy,
		Storage:              natsjs.FileStorage,
		Replicas:             opt.Log.Replicas,
		MaxAge:               opt.MaxAge,
		Duplicates:           dup,
		MaxMsgsPerSubject:    1,
		Discard:              natsjs.DiscardNew,
		DiscardNewPerSubject: true,
	}}
}

// Ensure creates the work-queue streams that are missing (an existing stream's settings are left
// alone). Under authorization only the admin role may: gpuplan serve calls it.
func Ensure(ctx context.Context, nc *nats.Conn, opt Options) error {
	opt = opt.withDefaults()
	js, err := natsjs.New(nc)
	if err != nil {
		return fmt.Errorf("natsqueue: %w", err)
	}
	return ensure(ctx, js, opt, true)
}

// ensure checks that the streams exist and, with create, creates those missing.
func ensure(ctx context.Context, js natsjs.JetStream, opt Options, create bool) error {
	if create && opt.Log.Replicas == 0 {
		nc := js.Conn()
		r, err := jetstream.ChooseReplicas(0, nc.ConnectedClusterName(), jetstream.KnownServers(nc))
		if err != nil {
			return fmt.Errorf("natsqueue: %w", err)
		}
		opt.Log.Replicas = r
	}
	for _, cfg := range streamConfigs(opt) {
		_, err := js.Stream(ctx, cfg.Name)
		if err == nil {
			continue
		}
		if !errors.Is(err, natsjs.ErrStreamNotFound) {
			return fmt.Errorf("natsqueue: stream %s: %w", cfg.Name, err)
		}
		if !create {
			return fmt.Errorf("%w: %s", ErrNoStreams, cfg.Name)
		}
		if _, err := js.CreateStream(ctx, cfg); err != nil {
			if errors.Is(err, nats.ErrPermissionViolation) || errors.Is(err, natsjs.ErrJetStreamNotEnabledForAccount) {
				return fmt.Errorf("%w: %s: %w", ErrNoStreams, cfg.Name, err)
			}
			return fmt.Errorf("natsqueue: create stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}
