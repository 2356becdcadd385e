package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/scenarios/traces"
	"github.com/gpuplan/gpuplan/sim"
)

// simulateFlags are the inputs shared by every command that runs the simulator.
type simulateFlags struct {
	scenario       string
	workload       string
	format         string
	pools          string
	policies       []string
	placement      string
	estimateFactor float64
	jsonOut        string
	perJob         string
	baseline       string
	measure        string // FROM..TO, "" to keep the scenario's window
	// Quota and fair share: durations as written (scenario syntax, "" when not given), so an
	// explicit 0 still overrides the scenario.
	checkpoint      string
	restartOverhead string
	quotaGrace      string
	halfLife        string
	noBorrow        optionalBool
	// Set by replay: events of the log it skipped and jobs retracted, reported in --json.
	skippedEvents []events.Rejection
	retractedJobs int
}

// optionalBool is a bool flag that remembers whether it was given, so --no-borrow=false can
// override a scenario's no_borrow: true.
type optionalBool struct{ set, v bool }

func (b *optionalBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false, got %q", s)
	}
	b.set, b.v = true, v
	return nil
}
func (b *optionalBool) String() string   { return strconv.FormatBool(b.v) }
func (b *optionalBool) Type() string     { return "bool" }
func (b *optionalBool) IsBoolFlag() bool { return true }

func newSimulateCmd() *cobra.Command {
	var f simulateFlags
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Replay a workload under each policy and compare waits, utilization, energy and cost",
		Example: `  gpuplan simulate --scenario small
  gpuplan simulate --scenario institute-3000 --json results.json
  gpuplan simulate --workload jobs.csv --pools pools.csv --policy fragmented,easy --placement pool
  gpuplan simulate --workload cluster04.csv --format itp --json - | jq '.policies[].wait_s'
  zcat jobs.csv.gz | gpuplan simulate --workload - --per-job - > per-job.csv`,
		Args: simulateArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSimulate(cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.scenario, "scenario", "", "built-in scenario name or scenario YAML file")
	fl.StringVar(&f.workload, "workload", "", "workload `FILE` (instead of --scenario), or - for stdin")
	fl.StringVar(&f.format, "format", "csv", "workload format: csv, itp, genpw, openb, swf (gzip allowed)")
	addSimulateOutputFlags(cmd, &f)
	return cmd
}

// addSimulateOutputFlags registers the flags simulate shares with replay: pools, policies and
// where results go.
func addSimulateOutputFlags(cmd *cobra.Command, f *simulateFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.pools, "pools", "", "pools CSV (owner,gpus[,gpus_per_node,gpu_type,site]); derived from the workload when absent")
	fl.StringSliceVar(&f.policies, "policy", nil, "policies to compare, comma separated (default: the scenario's, or "+strings.Join(sim.Policies(), ",")+")")
	fl.StringVar(&f.placement, "placement", "", "placement: pool or nodes (default: nodes for the farm, pool for private pools)")
	fl.Float64Var(&f.estimateFactor, "estimate-factor", 0, "EASY runtime estimate = duration x factor (default: the scenario's, or 1)")
	fl.StringVar(&f.jsonOut, "json", "", "write results as JSON to `FILE`, or - for stdout (then nothing else goes to stdout)")
	fl.StringVar(&f.perJob, "per-job", "", "write id,owner,policy,submit_s,start_s,end_s,wait_s,gpus,infeasible for every job to `FILE`, or - for stdout (then nothing else goes to stdout)")
	fl.StringVar(&f.measure, "measure", "", "measure in steady state over `FROM..TO` from the first submit, e.g. 1w..horizon, 2d..6w, 1w..; all: the whole run (default: the scenario's, or the whole run)")
	fl.StringVar(&f.baseline, "baseline", "", "compare every other policy against this one, owner by owner: who is better or worse off")
	fl.StringVar(&f.checkpoint, "checkpoint", "", "quota: useful work between a job's checkpoints, e.g. 30m, 2h (0: a preempted job starts over; default: the scenario's, or 0)")
	fl.StringVar(&f.restartOverhead, "restart-overhead", "", "quota: time added to a preempted job when it restarts, e.g. 5m (default: the scenario's, or 0)")
	fl.StringVar(&f.quotaGrace, "quota-grace", "", "quota: wait of an in-quota job beyond which its owner's guarantee is violated (default: the scenario's, or 60s)")
	fl.VarPF(&f.noBorrow, "no-borrow", "", "quota: never run jobs beyond their owner's quota (default: the scenario's, or borrowing allowed)").NoOptDefVal = "true"
	fl.StringVar(&f.halfLife, "half-life", "", "fairshare: half-life of decayed usage, e.g. 12h, 7d (default: the scenario's, or 7d)")
}

// simulateArgs refuses positional arguments, hinting at the flag a name or file was meant for.
func simulateArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	hint := ""
	if len(args) == 1 {
		a := args[0]
		switch {
		case strings.HasSuffix(a, ".yaml") || strings.HasSuffix(a, ".yml"):
			hint = fmt.Sprintf("; did you mean --scenario %s?", a)
		case !strings.ContainsAny(a, `./\`):
			if _, err := scenarios.Lookup(a); err == nil {
				hint = fmt.Sprintf("; did you mean --scenario %s?", a)
			}
		default:
			hint = fmt.Sprintf("; did you mean --workload %s?", a)
		}
	}
	return usagef("%s takes no arguments, got %q%s", cmd.CommandPath(), strings.Join(args, " "), hint)
}

func runSimulate(stdin io.Reader, stdout, stderr io.Writer, f simulateFlags) error {
	if err := checkStdout(f); err != nil {
		return err
	}
	built, err := buildInput(stdin, f)
	if err != nil {
		return err
	}
	return simulateAndWrite(stdout, stderr, built, f)
}

// simulateAndWrite applies the flags' overrides to a built scenario, runs it and writes the
// results where the flags say.
func simulateAndWrite(stdout, stderr io.Writer, built *scenarios.Built, f simulateFlags) error {
	if err := applyOverrides(built, f); err != nil {
		return err
	}
	for _, n := range built.Notes {
		fmt.Fprintln(stderr, n)
	}
	out, err := simulateBuilt(built, stderr, f.baseline)
	if err != nil {
		return err
	}
	out.SkippedEvents, out.RetractedJobs = f.skippedEvents, f.retractedJobs
	if f.perJob != "" {
		if err := writePerJobTo(f.perJob, stdout, built.Workload, out.Policies); err != nil {
			return err
		}
	}
	if f.jsonOut != "" {
		if err := writeJSON(f.jsonOut, stdout, out); err != nil {
			return err
		}
	}
	if f.jsonOut == "-" || f.perJob == "-" {
		return nil
	}
	if err := writeTableRows(stdout, built, out.Policies, largeJobRows(out.LargeJobs)); err != nil {
		return err
	}
	return writeComparisons(stdout, out.Comparisons)
}

// checkStdout refuses two documents on stdout at once.
func checkStdout(f simulateFlags) error {
	if f.jsonOut == "-" && f.perJob == "-" {
		return usagef("--json - and --per-job - both want stdout; send one of them to a file")
	}
	return nil
}

// buildInput turns the flags into a scenario ready to simulate; --workload - reads stdin.
func buildInput(stdin io.Reader, f simulateFlags) (*scenarios.Built, error) {
	var built *scenarios.Built
	switch {
	case f.scenario != "" && f.workload != "":
		return nil, usagef("use --scenario or --workload, not both")
	case f.scenario != "":
		if f.pools != "" {
			return nil, usagef("--pools goes with --workload; a scenario names its own owners")
		}
		s, err := scenarios.Lookup(f.scenario)
		if err != nil {
			return nil, err
		}
		if built, err = s.Build(); err != nil {
			return nil, err
		}
	case f.workload != "":
		format, err := traces.ParseFormat(f.format)
		if err != nil {
			return nil, usageError{err}
		}
		if f.workload == "-" {
			return workloadFromStdin(stdin, format, f.pools)
		}
		if built, err = scenarios.FromFiles(f.workload, format, f.pools, scenarios.FileOptions{}); err != nil {
			return nil, err
		}
	default:
		return nil, usagef("nothing to simulate: give --scenario NAME|FILE (see 'gpuplan scenarios') or --workload FILE")
	}
	return built, nil
}

// applyOverrides sets what the flags say over what the scenario says.
func applyOverrides(built *scenarios.Built, f simulateFlags) error {
	if len(f.policies) > 0 {
		for i := range f.policies {
			if err := scenarios.CheckPolicy(f.policies, i); err != nil {
				return usagef("--policy: %v", err)
			}
		}
		built.Policies = f.policies
	}
	switch f.placement {
	case "":
	case "pool":
		built.Options.Placement = sim.PlacementPool
	case "nodes":
		built.Options.Placement = sim.PlacementNodes
	default:
		return usagef("--placement: want pool or nodes, got %q", f.placement)
	}
	if f.estimateFactor != 0 {
		if !(f.estimateFactor >= 1) {
			return usagef("--estimate-factor: want a number >= 1, got %v", f.estimateFactor)
		}
		built.Options.EstimateFactor = f.estimateFactor
	}
	for _, d := range []struct {
		flag, v string
		to      *float64
	}{{"--checkpoint", f.checkpoint, &built.Options.Quota.CheckpointS},
		{"--restart-overhead", f.restartOverhead, &built.Options.Quota.RestartOverheadS},
		{"--quota-grace", f.quotaGrace, &built.Options.Quota.GraceS},
		{"--half-life", f.halfLife, &built.Options.FairShare.HalfLifeS}} {
		if d.v == "" {
			continue
		}
		v, err := scenarios.ParseDuration(d.v)
		if err != nil {
			return usagef("%s: %v, got %q", d.flag, err, d.v)
		}
		if v < 0 {
			return usagef("%s: want a duration >= 0, got %q", d.flag, d.v)
		}
		*d.to = v.Seconds()
	}
	if f.noBorrow.set {
		built.Options.Quota.NoBorrow = f.noBorrow.v
	}
	if f.measure != "" {
		m, err := scenarios.ParseMeasure(f.measure, built.Horizon)
		if err != nil {
			return usagef("--measure: %v", err)
		}
		built.Options.Measure = m
	}
	if f.baseline != "" && !slices.Contains(built.Policies, f.baseline) {
		return usagef("--baseline: %q is not among the policies run (%s)", f.baseline, strings.Join(built.Policies, ", "))
	}
	return nil
}

// simulateBuilt runs b's policies with a progress bar and builds the results document, with
// comparisons against baseline when it is not empty.
func simulateBuilt(b *scenarios.Built, stderr io.Writer, baseline string) (*planner.Results, error) {
	opt := b.Options
	bar := newProgress(stderr, len(b.Workload.Jobs)*len(b.Policies), "simulating "+strings.Join(b.Policies, ", "))
	opt.Progress = bar.callback()
	res, err := sim.RunAll(b.Cluster, b.Workload, b.Policies, opt)
	bar.finish()
	if err != nil {
		return nil, fmt.Errorf("simulate %s: %w", b.Name, err)
	}
	out, err := planner.NewResults(b, res, planner.ResultsOptions{Version: version(), Baseline: baseline})
	if errors.Is(err, planner.ErrBaselineNotRun) {
		return nil, usagef("--baseline: %q is not among the policies run", baseline)
	}
	if err != nil {
		return nil, fmt.Errorf("simulate %s: %w", b.Name, err)
	}
	return out, nil
}

func writeJSON(path string, stdout io.Writer, r *planner.Results) error {
	if path == "-" {
		return encodeJSON(stdout, r)
	}
	if err := writeOutput(path, func(fh io.Writer) error { return encodeJSON(fh, r) }); err != nil {
		return fmt.Errorf("--json: %w", err)
	}
	return nil
}
