package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/sim"
)

// demoBriefPlan is the sweep behind the demo's brief. At today's load every farm policy of the
// seed case waits zero, so a brief of today alone could not tell the policies, or the cap, apart:
// the sweep adds more demand and a smaller farm, where they differ.
type demoBriefPlan struct {
	axes []planner.Axis
	reps int // seeds per point, at least 2: one run has no interval
}

// demoBrief is what the demo sweeps: 8 points x 3 seeds (see BENCHMARKS.md for its time). Three
// seeds, not two: the Student t factor of two runs (12.7) gives intervals too wide to read (waits
// below zero, utilization above 100%); three give 4.3. At 1.5 times today's demand the 3,000-GPU farm runs at its 1,240 kW cap most of
// the time, while 2,000 GPUs draw less than the cap. Tests swap in a smaller sweep.
var demoBrief = demoBriefPlan{
	axes: []planner.Axis{
		{Key: planner.KeyLoadGrowth, Values: []any{1.0, 1.5}},
		{Key: planner.KeyFarmGPUs, Values: []any{3000.0, 2000.0}},
		{Key: planner.KeyPolicy, Values: []any{"fifo", "easy"}},
	},
	reps: 3,
}

// demoLangs and demoFormats are the brief the demo writes: both languages, for reading and print.
var (
	demoLangs   = []string{"en", "ko"}
	demoFormats = []string{"html", "pdf"}
)

// newDemoDir makes a new folder under parent named for the time, never reusing one that exists.
func newDemoDir(parent string, now time.Time) (string, error) {
	base := filepath.Join(parent, "gpuplan-demo-"+now.Format("20060102-150405"))
	for i := 1; i < 1000; i++ {
		dir := base
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", base, i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("demo: %w", err)
		}
	}
	return "", fmt.Errorf("demo: %s: every name up to -999 is taken; pass --out", base)
}

// writeDemoBrief is the demo's last step: the sweep of demoBrief on the seed case, written as a plan
// (out/plan) and rendered as the brief (out/brief) in both languages, HTML and PDF.
func writeDemoBrief(stdout, stderr io.Writer, s *scenarios.Scenario, seed *scenarios.Built, res *planner.Results, out string, step int) error {
	p := demoBrief
	var swept []string
	n := 1
	for _, a := range p.axes {
		vals := make([]string, len(a.Values))
		for i, v := range a.Values {
			vals[i] = fmt.Sprint(v)
		}
		swept = append(swept, a.Key+" "+strings.Join(vals, ", "))
		n *= len(a.Values)
	}
	fmt.Fprintf(stdout, "\n%d. Policy brief: the seed case, and a sweep of more load and a smaller farm", step)
	if !farmWaits(res) {
		fmt.Fprint(stdout, "\n   (at today's load no farm policy waits: the policies and the cap differ only there)")
	}
	fmt.Fprintf(stdout, "\n   swept %s: %d points x %d seeds (%d runs, each fragmented against the farm policy)\n",
		strings.Join(swept, "; "), n, p.reps, n*p.reps)

	start := time.Now()
	seeds := planner.Seeds(s.Seed, p.reps)
	bar := newBar(stderr, n*p.reps, "brief sweep")
	pts, err := planner.Sweep(&planner.ScenarioModel{Base: s}, p.axes, planner.Options{Seeds: seeds, Progress: bar.steps()})
	bar.finish()
	if err != nil {
		return fmt.Errorf("demo: brief sweep: %w", err)
	}
	run := *res // the demo's results.json stays as written
	if run.Comparisons == nil && slices.Contains(seed.Policies, "fragmented") {
		if run.Comparisons, err = planner.CompareAll(seed.Workload, run.Policies, "fragmented"); err != nil {
			return err
		}
	}
	doc := &planner.Document{Kind: planner.DocumentKind, Scenario: seed.Name, ScenarioHash: seed.Hash,
		Version: version(), Policy: planner.FarmPolicy(s.Policies), Seeds: seeds, Reps: len(seeds),
		Measure: run.Measure, Sweep: p.axes, Points: pts, Run: &run}
	planDir := filepath.Join(out, "plan")
	if _, err := writePlan(planDir, doc); err != nil {
		return err
	}
	var paths bytes.Buffer
	err = runReport(&paths, stderr, filepath.Join(planDir, "results.json"),
		reportFlags{formats: demoFormats, langs: demoLangs, out: filepath.Join(out, "brief")})
	if err != nil {
		return fmt.Errorf("demo: brief: %w", err)
	}
	fmt.Fprintf(stdout, "   swept and written in %.1f s; plan results: %s\n", time.Since(start).Seconds(), filepath.Join(planDir, "results.json"))
	for _, line := range strings.Split(strings.TrimSpace(paths.String()), "\n") {
		fmt.Fprintf(stdout, "brief: %s\n", line)
	}
	return nil
}

// farmWaits says whether any farm policy of the run has a nonzero p95 wait.
func farmWaits(res *planner.Results) bool {
	return slices.ContainsFunc(res.Policies, func(r *sim.Result) bool { return r.Name != "fragmented" && r.WaitS.P95 > 0 })
}
