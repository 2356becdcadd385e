package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/planner/natsqueue"
	"github.com/gpuplan/gpuplan/scenarios"
)

// planFlags are plan's inputs as given.
type planFlags struct {
	scenario string
	sweeps   []string
	size     string
	target   string
	rng      string
	step     float64
	budgetKW float64
	reps     int
	repsSet  bool // --reps given: it replaces the scenario file's reps
	seeds    string
	workers  string
	out      string
	nats     natsFlags
	// workerTimeout is how long a distributed plan waits for a worker to take a batch's first run.
	workerTimeout    time.Duration
	workerTimeoutSet bool
}

func newPlanCmd() *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "What-if sweeps and sizing searches over a scenario, each point over several seeds with 95% intervals",
		Long: `plan runs a scenario's farm policy against fragmented GPUs at every point of a sweep (the cross
product of the --sweep keys), each point with several seeds, and reports per point the mean and
95% Student t interval of every headline metric. --size searches for the fewest farm GPUs (gpus),
the most GPUs a power budget supports (power) or the smallest farm power cap (cap) whose p95 wait,
at the upper end of its interval, is at or below the target (default: the fragmented world's p95
wait on the same demand). Writes DIR/results.json, DIR/points.csv and, with --size, DIR/sizing.csv.

Sweep keys: ` + strings.Join(planner.Keys(), ", ") + `.
load_growth multiplies every owner's demand (a trace: arrivals compressed in time);
power_cap_kw without a cap mode throttles.

A scenario file may keep its study beside it: a sweep: mapping ({farm_share: [0, 0.5, 1]}, the
same keys and values as --sweep, the first key outermost) and reps: (seeds per point). Without
--sweep, plan runs the file's sweep; any --sweep replaces the whole of it, and --sweep none runs
the scenario as it is. --reps or --seeds replace the file's reps. A bad entry in the file is bad
input (exit 1, naming file:line:field); a bad --sweep is a command-line mistake (exit 2).

With --workers nats, plan fails (exit 1) when no worker takes a run of a batch within
--worker-timeout, and no run of any other plan on the queue finishes meanwhile either: start
'gpuplan worker --nats URL' on the machines that should run them, before or after the plan.`,
		Example: `  gpuplan plan --scenario institute-3000 --sweep farm_share=0,0.25,0.5,0.75,1 --out plan/
  gpuplan plan --scenario small --sweep policy=fifo,easy --sweep load_growth=1,1.5 --reps 10 --out plan/
  gpuplan plan --scenario site.yaml --out plan/        # the sweep: and reps: kept in site.yaml
  gpuplan plan --scenario institute-3000 --size gpus --out sizing/
  gpuplan plan --scenario institute-3000 --size power --budget-kw 1000 --target p95=24h --out power/
  gpuplan plan --scenario small --sweep farm_share=0,0.5,1 --workers nats --nats nats://host:4222 --creds planner.creds --out plan/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.repsSet = cmd.Flags().Changed("reps")
			f.workerTimeoutSet = cmd.Flags().Changed("worker-timeout")
			return runPlan(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.scenario, "scenario", "", "built-in scenario name or scenario YAML file (required)")
	fl.StringArrayVar(&f.sweeps, "sweep", nil, "KEY=V1,V2,...: values of one key; repeat for a cross product; replaces the scenario file's sweep (none: no sweep)")
	fl.StringVar(&f.size, "size", "", "sizing search: gpus, power or cap")
	fl.StringVar(&f.target, "target", "", "sizing target p95=DURATION, e.g. p95=24h (default: the fragmented p95 wait of the same demand)")
	fl.StringVar(&f.rng, "range", "", "sizing values LO:HI (GPUs for gpus and power, kW for cap; default from the scenario's farm)")
	fl.Float64Var(&f.step, "step", 0, "sizing resolution (default: one farm node, or 1% of the farm's full draw for cap)")
	fl.Float64Var(&f.budgetKW, "budget-kw", 0, "power budget for --size power, kW of facility power (default: the farm site's power_cap_kw)")
	fl.IntVar(&f.reps, "reps", planner.DefaultReps, "seeds per point, at least 2: the scenario's seed and those after it; not given: the scenario file's reps if it has them, else")
	fl.StringVar(&f.seeds, "seeds", "", "seeds per point, comma separated, at least 2 (instead of --reps)")
	fl.StringVar(&f.workers, "workers", "", "`N` runs at once on this machine (default: all cores), or nats: spread the runs over the 'gpuplan worker' processes connected to --nats; results do not depend on it")
	fl.StringVar(&f.out, "out", "", "folder for results.json and the CSV tables (required)")
	fl.DurationVar(&f.workerTimeout, "worker-timeout", natsqueue.DefaultWorkerTimeout, "with --workers nats: fail when no worker takes a run for this long (0: wait forever)")
	addNATSFlags(fl, &f.nats)
	return cmd
}

// planInputs are what a plan was asked, as recorded with the run.
type planInputs struct {
	Scenario     string         `json:"scenario"`
	ScenarioHash string         `json:"scenario_hash"`
	Sweep        []planner.Axis `json:"sweep"`
	Size         *sizeInputs    `json:"size,omitempty"`
	Seeds        []uint64       `json:"seeds"`
}

type sizeInputs struct {
	Kind     string   `json:"kind"`
	TargetS  *float64 `json:"target_p95_wait_s,omitempty"`
	Lo       float64  `json:"lo"`
	Hi       float64  `json:"hi"`
	Step     float64  `json:"step"`
	BudgetKW float64  `json:"budget_kw,omitempty"`
}

func runPlan(ctx context.Context, stdout, stderr io.Writer, f planFlags) error {
	if f.scenario == "" {
		return usagef("--scenario is required (a built-in name, see 'gpuplan scenarios', or a YAML file)")
	}
	if f.out == "" {
		return usagef("--out DIR is required")
	}
	axes, err := parseSweeps(f.sweeps)
	if err != nil {
		return err
	}
	if f.workerTimeout < 0 {
		return usagef("--worker-timeout: want a duration >= 0 (0: wait forever), got %s", f.workerTimeout)
	}
	if f.nats.url == "" && f.nats.creds != "" {
		return usagef("--creds needs --nats")
	}
	localWorkers, distributed, err := parseWorkers(f.workers)
	if err != nil {
		return err
	}
	if distributed && f.nats.url == "" {
		return usagef("--workers nats needs --nats URL: the server the workers take runs from")
	}
	if f.workerTimeoutSet && !distributed {
		return usagef("--worker-timeout goes with --workers nats")
	}
	s, err := scenarios.Lookup(f.scenario)
	if err != nil {
		return err
	}
	if len(f.sweeps) == 0 && len(s.Sweep) > 0 {
		if axes, err = planner.FileSweep(s); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "gpuplan: plan %s: the sweep of %s (--sweep replaces it)\n", s.Name, s.File())
	}
	seeds, err := planSeeds(f, s.Seed, s.Reps)
	if err != nil {
		return err
	}
	base, err := s.Build()
	if err != nil {
		return err
	}
	spec, err := sizeSpec(f, base, fixedParams(axes))
	if err != nil {
		return err
	}
	if s.Workload.Trace != nil && len(seeds) > 1 {
		fmt.Fprintf(stderr, "gpuplan: note: %s replays a trace: its jobs are the same for every seed, so the intervals show only what the seed changes (owners assigned to an ownerless trace, farm_share's choice of owners)\n", base.Name)
	}
	baseline := ""
	if slices.Contains(base.Policies, "fragmented") {
		baseline = "fragmented"
	}
	run, err := simulateBuilt(base, stderr, baseline)
	if err != nil {
		return err
	}

	bar := newBar(stderr, 1, "plan "+base.Name)
	progress, swept := bar.steps(), 0
	opt := planner.Options{Seeds: seeds, Workers: localWorkers, Context: ctx}
	if distributed {
		waiting := bar.describer("plan "+base.Name, "plan "+base.Name+": waiting for a worker")
		closeQueue, err := useWorkers(ctx, stderr, f, s, base.Hash, &opt, waiting)
		if err != nil {
			bar.finish()
			return err
		}
		defer closeQueue()
	}
	if progress != nil { // one bar for the sweep and then the sizing
		opt.Progress = func(done, total int) { swept = total; progress(done, total) }
	}
	model := &planner.ScenarioModel{Base: s}
	pts, err := planner.Sweep(model, axes, opt)
	if err != nil {
		bar.finish()
		return fmt.Errorf("plan %s: %w", base.Name, err)
	}
	var sizing *planner.Sizing
	if spec != nil {
		if progress != nil {
			offset := swept
			opt.Progress = func(done, total int) { progress(offset+done, offset+total) }
		}
		if sizing, err = planner.Size(model, *spec, opt); err != nil {
			bar.finish()
			return fmt.Errorf("plan %s: size %s: %w", base.Name, spec.Kind, err)
		}
	}
	bar.finish()

	doc := &planner.Document{Kind: planner.DocumentKind, Scenario: base.Name, ScenarioHash: base.Hash,
		Version: version(), Policy: planner.FarmPolicy(s.Policies), Seeds: seeds, Reps: len(seeds), Measure: run.Measure, Sweep: axes, Points: pts, Sizing: sizing, Run: run}
	digest, err := writePlan(f.out, doc)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "plan %s: %d points x %d seeds", base.Name, len(pts), len(seeds))
	if sizing != nil {
		fmt.Fprintf(stdout, "; sizing %s: %s", sizing.Kind, answerText(sizing))
	}
	fmt.Fprintf(stdout, "\nwrote %s\n", filepath.Join(f.out, "results.json"))
	if f.nats.url == "" {
		return nil
	}
	in := planInputs{Scenario: base.Name, ScenarioHash: base.Hash, Sweep: axes, Seeds: seeds}
	// (the sizing's fixed parameters are the sweep's single-valued keys, already in Sweep)
	if spec != nil {
		in.Size = &sizeInputs{Kind: spec.Kind, TargetS: spec.Target, Lo: spec.Lo, Hi: spec.Hi, Step: spec.Step, BudgetKW: spec.BudgetKW}
	}
	if err := recordPlan(ctx, f.nats, in, doc, digest, base.Cluster.Farm.Site); err != nil {
		return fmt.Errorf("plan: results written, but recording the run failed: %w", err)
	}
	fmt.Fprintf(stdout, "recorded the run on %s (results %s)\n", f.nats.url, digest)
	return nil
}

// parseSweeps reads the --sweep flags; --sweep none alone gives no axes (the scenario as it is,
// instead of its file's sweep).
func parseSweeps(sweeps []string) ([]planner.Axis, error) {
	axes := []planner.Axis{}
	if slices.Contains(sweeps, "none") {
		if len(sweeps) > 1 {
			return nil, usagef("--sweep none runs no sweep: give it alone")
		}
		return axes, nil
	}
	for _, sw := range sweeps {
		a, err := planner.ParseAxis(sw)
		if err != nil {
			return nil, usagef("--sweep: %v", err)
		}
		if slices.ContainsFunc(axes, func(b planner.Axis) bool { return b.Key == a.Key }) {
			return nil, usagef("--sweep: %s given twice; list all its values in one --sweep", a.Key)
		}
		axes = append(axes, a)
	}
	return axes, nil
}

// planSeeds is --seeds, or --reps seeds counting up from the scenario's; without either flag, the
// scenario file's reps (fileReps, 0 when it has none) stand in for --reps.
func planSeeds(f planFlags, first uint64, fileReps int) ([]uint64, error) {
	// Two runs at least: every number of a plan carries its interval, and one run has none.
	if f.seeds == "" && !f.repsSet && fileReps > 0 {
		return planner.Seeds(first, fileReps), nil // scenarios.Validate checked it
	}
	if f.seeds == "" {
		if f.reps < 2 {
			return nil, usagef("--reps: want at least 2 (a confidence interval needs two runs), got %d", f.reps)
		}
		return planner.Seeds(first, f.reps), nil
	}
	var out []uint64
	for _, x := range strings.Split(f.seeds, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return nil, usagef("--seeds: %q is not a seed (a whole number >= 0)", x)
		}
		if slices.Contains(out, v) {
			return nil, usagef("--seeds: %d given twice (replications must differ)", v)
		}
		out = append(out, v)
	}
	if len(out) < 2 {
		return nil, usagef("--seeds: want at least 2 (a confidence interval needs two runs), got %d", len(out))
	}
	return out, nil
}

// fixedParams are the sweep's keys given one value: a sizing runs with them (--sweep policy=easy
// --size gpus sizes the farm for easy).
func fixedParams(axes []planner.Axis) planner.Point {
	var p planner.Point
	for _, a := range axes {
		if len(a.Values) == 1 {
			p = append(p, planner.Param{Key: a.Key, Value: a.Values[0]})
		}
	}
	return p
}

// sizeSpec turns the sizing flags into a search, filling the range from the built scenario.
func sizeSpec(f planFlags, b *scenarios.Built, fixed planner.Point) (*planner.SizeSpec, error) {
	if f.size == "" {
		for _, x := range []struct {
			name string
			set  bool
		}{{"--target", f.target != ""}, {"--range", f.rng != ""}, {"--step", f.step != 0}, {"--budget-kw", f.budgetKW != 0}} {
			if x.set {
				return nil, usagef("%s goes with --size", x.name)
			}
		}
		return nil, nil
	}
	switch f.size {
	case planner.SizeGPUs, planner.SizePower, planner.SizeCap:
	default:
		return nil, usagef("--size: want gpus, power or cap, got %q", f.size)
	}
	spec := &planner.SizeSpec{Kind: f.size, Base: fixed}
	if f.target != "" {
		metric, v, ok := strings.Cut(f.target, "=")
		if !ok || strings.TrimSpace(metric) != "p95" {
			return nil, usagef("--target: want p95=DURATION, e.g. p95=24h, got %q", f.target)
		}
		d, err := scenarios.ParseDuration(v)
		if err != nil || d < 0 {
			return nil, usagef("--target: %q: want a duration >= 0 such as 24h, 90m or 3600", v)
		}
		spec.Target = new(d.Seconds())
	}
	r := planner.DefaultRange(b, f.size)
	if f.rng != "" {
		lo, hi, ok := strings.Cut(f.rng, ":")
		var err1, err2 error
		r.Lo, err1 = strconv.ParseFloat(strings.TrimSpace(lo), 64)
		r.Hi, err2 = strconv.ParseFloat(strings.TrimSpace(hi), 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, usagef("--range: want LO:HI, got %q", f.rng)
		}
	}
	if f.step != 0 {
		r.Step = f.step
	}
	spec.Lo, spec.Hi, spec.Step = r.Lo, r.Hi, r.Step
	if f.size == planner.SizePower {
		spec.BudgetKW = f.budgetKW
		if spec.BudgetKW == 0 {
			for _, site := range b.Cluster.Sites {
				if site.Name == b.Cluster.Farm.Site {
					spec.BudgetKW = site.CapW / 1000
				}
			}
		}
		if !(spec.BudgetKW > 0) {
			return nil, usagef("--size power: give --budget-kw (the farm site of %s has no power cap)", b.Name)
		}
	} else if f.budgetKW != 0 {
		return nil, usagef("--budget-kw goes with --size power")
	}
	// Check the search here so a bad range is a command-line mistake, not a failure.
	if err := spec.Check(); err != nil {
		return nil, usagef("--size %s: %v", f.size, err)
	}
	return spec, nil
}

func answerText(s *planner.Sizing) string {
	if s.Answer == nil {
		return "none in range (" + s.Note + ")"
	}
	unit := " GPUs"
	if s.Kind == planner.SizeCap {
		unit = " kW"
	}
	t := strconv.FormatFloat(*s.Answer, 'f', -1, 64) + unit
	if !s.Settled {
		t += " (not settled: " + s.Note + ")"
	}
	return t
}

// writePlan writes results.json and the CSV tables into dir and returns results.json's digest.
func writePlan(dir string, doc *planner.Document) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("--out: %w", err)
	}
	var buf bytes.Buffer
	if err := doc.Encode(&buf); err != nil {
		return "", fmt.Errorf("plan: results.json: %w", err)
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"results.json", func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }},
		{"points.csv", func(w io.Writer) error { return planner.WritePointsCSV(w, doc.Sweep, doc.Points) }},
	}
	if doc.Sizing != nil {
		files = append(files, struct {
			name  string
			write func(io.Writer) error
		}{"sizing.csv", func(w io.Writer) error { return planner.WriteSizingCSV(w, doc.Sizing) }})
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		fh, err := os.Create(path)
		if err != nil {
			return "", fmt.Errorf("--out: %w", err)
		}
		if err := f.write(fh); err != nil {
			fh.Close()
			return "", fmt.Errorf("--out %s: %w", path, err)
		}
		if err := fh.Close(); err != nil {
			return "", fmt.Errorf("--out %s: %w", path, err)
		}
	}
	sum := sha256.Sum256(buf.Bytes())
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// recordPlan appends a planner-run event: the inputs, their hash, the seeds and the digest of
// results.json, so a brief made from these results can be traced to what made them.
func recordPlan(ctx context.Context, nf natsFlags, in planInputs, doc *planner.Document, digest, site string) error {
	inputs, err := json.Marshal(in)
	if err != nil {
		return err
	}
	h := sha256.Sum256(inputs)
	inputsHash := "sha256:" + hex.EncodeToString(h[:])
	summary := struct {
		Inputs       json.RawMessage `json:"inputs"`
		ScenarioHash string          `json:"scenario_hash"`
		Seeds        []uint64        `json:"seeds"`
		Results      string          `json:"results_sha256"`
		Points       int             `json:"points"`
		SizingAnswer *float64        `json:"sizing_answer,omitempty"`
	}{inputs, doc.ScenarioHash, doc.Seeds, digest, len(doc.Points), nil}
	if doc.Sizing != nil {
		summary.SizingAnswer = doc.Sizing.Answer
	}
	raw, err := json.Marshal(summary)
	if err != nil {
		return err
	}
	ev, err := events.New(events.KindPlannerRun, events.DeriveID("planner.run", inputsHash, digest), "gpuplan-plan",
		time.Now(), events.PlannerRun{InputsHash: inputsHash, Seed: doc.Seeds[0], Version: doc.Version,
			Scenario: doc.Scenario, Site: site, Summary: raw})
	if err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	log, err := nf.connect(ctx)
	if err != nil {
		return err
	}
	defer log.Close()
	return log.Append(ctx, ev)
}
