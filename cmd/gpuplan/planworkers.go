package main

import (
	"context"
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
// and the summaries are made here as for a local plan. The returned func closes the connection.
func useWorkers(ctx context.Context, stderr io.Writer, f planFlags, s *scenarios.Scenario, hash string, opt *planner.Options) (func(), error) {
	src, err := queueScenario(f.scenario, s, hash)
	if err != nil {
		return nil, err
	}
	nc, err := dialNATS(f.nats)
	if err != nil {
		return nil, err
	}
	r, err := natsqueue.NewRunner(ctx, nc, src, natsqueue.Options{})
	if err != nil {
		nc.Close()
		return nil, err
	}
	opt.Runner = r
	fmt.Fprintf(stderr, "gpuplan: plan %s: runs go to the workers on %s (start them with 'gpuplan worker --nats URL')\n", s.Name, nc.ConnectedUrlRedacted())
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
