package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/planner/natsqueue"
	"github.com/gpuplan/gpuplan/scenarios"
)

// parseWorkers reads plan's --workers: "" (all cores), a number of local runs at once, or nats.
func parseWorkers(v string) (local int, distributed bool, err error) {
	switch v {
	case "":
		return 0, false, nil
	case "nats":
		return 0, true, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, false, usagef("--workers: want a number of runs at once >= 1 or nats, got %q", v)
	}
	return n, false, nil
}

// useWorkers points opt at the work queue on --nats: the runs go to 'gpuplan worker' processes,
// and the summaries are made here as for a local plan. waiting, when set, is told when the plan
// starts and stops waiting for a worker. The returned func closes the connection.
func useWorkers(ctx context.Context, stderr io.Writer, f planFlags, s *scenarios.Scenario, hash string, opt *planner.Options, waiting func(bool)) (func(), error) {
	src, err := queueScenario(f.scenario, s, hash)
	if err != nil {
		return nil, err
	}
	nc, err := dialNATS(f.nats)
	if err != nil {
		return nil, err
	}
	timeout := f.workerTimeout
	if timeout == 0 {
		timeout = -1 // the flag's 0 waits forever; the option's 0 is its default
	}
	r, err := natsqueue.NewRunner(ctx, nc, src, natsqueue.Options{WorkerTimeout: timeout})
	if err != nil {
		nc.Close()
		return nil, err
	}
	r.Waiting = waiting
	opt.Runner = &hintRunner{Runner: r, url: nc.ConnectedUrlRedacted(), creds: f.nats.creds != ""}
	giveUp := "the plan waits for them"
	if timeout > 0 {
		giveUp = fmt.Sprintf("the plan fails if none takes a run within %s", timeout)
	}
	fmt.Fprintf(stderr, "gpuplan: plan %s: runs go to the workers on %s (start them with 'gpuplan worker --nats URL'; %s)\n", s.Name, nc.ConnectedUrlRedacted(), giveUp)
	return nc.Close, nil
}

// queueScenario is the scenario as a worker rebuilds it: a built-in by name, a file by its YAML
// text and absolute path (its trace, if any, is read there on the worker).
func queueScenario(arg string, s *scenarios.Scenario, hash string) (natsqueue.Scenario, error) {
	if _, ok := scenarios.BuiltinSource(arg); ok {
		return natsqueue.Scenario{Builtin: arg, Hash: hash}, nil
	}
	data, err := os.ReadFile(s.File())
	if err != nil {
		return natsqueue.Scenario{}, fmt.Errorf("--scenario %w", err)
	}
	abs, err := filepath.Abs(s.File())
	if err != nil {
		return natsqueue.Scenario{}, fmt.Errorf("--scenario %w", err)
	}
	return natsqueue.Scenario{File: abs, YAML: string(data), Hash: hash}, nil
}

// hintRunner adds to a plan that no worker served how to start one: the queue's error names the
// stream and subject; the command to run is the CLI's to say.
type hintRunner struct {
	*natsqueue.Runner
	url   string
	creds bool
}

var _ planner.Runner = (*hintRunner)(nil)

func (h *hintRunner) Run(ctx context.Context, tasks []planner.Task, tick func()) ([]planner.Metrics, error) {
	out, err := h.Runner.Run(ctx, tasks, tick)
	if errors.Is(err, natsqueue.ErrNoWorkers) {
		creds := ""
		if h.creds {
			creds = " --creds worker.creds"
		}
		err = fmt.Errorf("%w; start workers with 'gpuplan worker --nats %s%s' (one per core, on any machine that reaches the server), or wait longer with --worker-timeout", err, h.url, creds)
	}
	return out, err
}
