package planner

import (
	"errors"
	"fmt"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/sim"
)

// ErrBaselineNotRun is returned by CompareAll when the baseline is not among the results.
var ErrBaselineNotRun = errors.New("planner: baseline is not among the policies run")

// Results is the JSON document `gpuplan simulate --json` writes; scripts rely on its field names,
// so fields may be added but never renamed. Wall-clock timings never go in it.
type Results struct {
	Scenario     string `json:"scenario"`
	ScenarioHash string `json:"scenario_hash,omitempty"`
	Seed         uint64 `json:"seed"`
	Version      string `json:"version"`
	// WindowS and Measure are the one window every policy was measured over (each policy's
	// window_s repeats it; makespan_s is its own).
	WindowS     float64       `json:"window_s"`
	Measure     sim.Window    `json:"measure"`
	Policies    []*sim.Result `json:"policies"`
	Comparisons []Comparison  `json:"comparisons,omitempty"`
	LargeJobs   []LargeJobs   `json:"large_jobs"`
	// Replay only: events of the log skipped for breaking the schema, named by stream sequence,
	// and jobs left out because a job.retracted event withdrew them.
	SkippedEvents []events.Rejection `json:"skipped_events,omitempty"`
	RetractedJobs int                `json:"retracted_jobs,omitempty"`
}

// ResultsOptions are what NewResults needs besides the runs; the zero value means no comparisons.
type ResultsOptions struct {
	Version string // the binary's version, written as is
	// Baseline, when not empty, is the policy every other one is compared against, owner by owner.
	Baseline string
}

// NewResults builds the results document of b's finished runs res (in the order run): large jobs
// for every policy and, with a baseline, the comparisons against it.
func NewResults(b *scenarios.Built, res []*sim.Result, opt ResultsOptions) (*Results, error) {
	large, err := LargeJobsOf(b, res)
	if err != nil {
		return nil, err
	}
	out := &Results{Scenario: b.Name, ScenarioHash: b.Hash, Seed: b.Seed, Version: opt.Version, Policies: res, LargeJobs: large}
	if len(res) > 0 {
		out.WindowS, out.Measure = res[0].WindowS, res[0].Window
	}
	if out.Comparisons, err = CompareAll(b.Workload, res, opt.Baseline); err != nil {
		return nil, err
	}
	return out, nil
}

// CompareAll compares every policy but the baseline against it, in the order run; nil without a
// baseline.
func CompareAll(w *gpuplan.Workload, res []*sim.Result, baseline string) ([]Comparison, error) {
	if baseline == "" {
		return nil, nil
	}
	var base *sim.Result
	for _, r := range res {
		if r.Name == baseline {
			base = r
		}
	}
	if base == nil {
		return nil, fmt.Errorf("%w: %q", ErrBaselineNotRun, baseline)
	}
	var out []Comparison
	for _, r := range res {
		if r == base {
			continue
		}
		c, err := Compare(w, base, r, CompareOptions{})
		if err != nil {
			return nil, fmt.Errorf("baseline %s: %w", baseline, err)
		}
		out = append(out, c)
	}
	return out, nil
}
