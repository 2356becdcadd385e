package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/planner/natsqueue"
)

type workerFlags struct {
	nats    natsFlags
	name    string
	ackWait time.Duration
	quiet   bool
	hold    time.Duration
}

func newWorkerCmd() *cobra.Command {
	var f workerFlags
	cmd := &cobra.Command{
		Use:   "worker --nats URL",
		Short: "Run sweep points for 'gpuplan plan --workers nats' on this machine",
		Long: `worker takes the runs of distributed plans (one point of a sweep with one seed each) from the
work queue on the NATS server at --nats, one at a time, runs them and publishes their results.
Start one worker per core on as many machines as you like; 'gpuplan plan --workers nats' spreads
its runs over whichever are connected and writes the same results.json as a local plan. Workers
may start before or after the plan; a plan that no worker serves gives up after its
--worker-timeout (default 2 min).

A worker rebuilds the scenario from the task (a built-in's name, or a file's YAML text) and
refuses a task whose scenario builds to another hash than the planner's (another gpuplan
version, or trace files that differ): the plan then stops with that error. A scenario file that
reads a trace reads it at the same path on the worker.

A run's result is stored before its task is acknowledged, and a working worker tells the server
so every third of --ack-wait: a worker that dies mid-run loses nothing, its task goes to another
worker once --ack-wait has passed. SIGINT or SIGTERM stops the worker after the run in hand.
Under 'gpuplan serve --auth DIR' use --creds DIR/worker.creds.`,
		Example: `  gpuplan worker --nats nats://planner-host:4222 --creds worker.creds`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runWorker(ctx, cmd, f)
		},
	}
	fl := cmd.Flags()
	addNATSFlags(fl, &f.nats)
	fl.StringVar(&f.name, "name", "", "worker `NAME` in results and logs (default: host name and process id)")
	fl.DurationVar(&f.ackWait, "ack-wait", natsqueue.DefaultAckWait, "how long a task waits for a silent worker before another takes it (set by the first worker on a server)")
	fl.BoolVar(&f.quiet, "quiet", false, "no line per run on stderr")
	// For tests that kill a worker mid-run: a small scenario's run takes milliseconds.
	fl.DurationVar(&f.hold, "hold", 0, "wait this long before each run, with the task in hand")
	_ = fl.MarkHidden("hold")
	return cmd
}

func runWorker(ctx context.Context, cmd *cobra.Command, f workerFlags) error {
	if f.nats.url == "" {
		return usagef("--nats URL is required: the server that the planner sends its runs to")
	}
	if f.ackWait < time.Second {
		return usagef("--ack-wait: want at least 1s, got %s", f.ackWait)
	}
	if f.name == "" {
		host, _ := os.Hostname()
		f.name = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	nc, err := dialNATS(f.nats)
	if err != nil {
		return err
	}
	defer nc.Close()
	w, err := natsqueue.NewWorker(ctx, nc, f.name, natsqueue.Options{AckWait: f.ackWait})
	if err != nil {
		return err
	}
	if !f.quiet {
		w.Log = cmd.ErrOrStderr()
	}
	w.Hold = f.hold
	fmt.Fprintf(cmd.ErrOrStderr(), "gpuplan worker %s: waiting for runs on %s\n", f.name, nc.ConnectedUrlRedacted())
	return w.Serve(ctx)
}

// dialNATS connects to --nats with --creds and --tls-ca, without opening the event log: a worker
// (and a planner's work queue) needs only the connection.
func dialNATS(f natsFlags) (*nats.Conn, error) {
	var opts []nats.Option
	if f.creds != "" {
		co, err := jetstream.CredsOptions(f.creds)
		if err != nil {
			return nil, fmt.Errorf("--creds %w", err)
		}
		opts = append(opts, co...)
	}
	if f.tlsCA != "" {
		o, err := tlsCAOption(f.url, f.tlsCA)
		if err != nil {
			return nil, err
		}
		opts = append(opts, o)
	}
	nc, err := jetstream.Connect(f.url, opts...)
	if err != nil && f.creds != "" {
		return nil, fmt.Errorf("%w (credentials %s)", err, f.creds)
	}
	return nc, err
}
