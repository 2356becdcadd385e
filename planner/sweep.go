package planner

import (
	"context"
	"errors"
)

// DefaultReps is the number of seeds per point when none are given.
const DefaultReps = 5

// Options tune a sweep or a sizing search. The zero value means the defaults.
type Options struct {
	// Seeds are the replications of every point, in order; every point uses the same seeds
	// (common random numbers, so points differ by their parameters, not by luck). Required.
	Seeds []uint64
	// Workers bounds the local pool's model runs at once; 0 means GOMAXPROCS. Results do not
	// depend on it. Unused when Runner is set.
	// (ScenarioModel simulates a run's two worlds side by side within its one run.)
	Workers int
	// Progress, when set, is told runs done and runs known so far (the total grows as a search
	// adds rounds). Calls never overlap.
	Progress func(done, total int)
	// Runner runs the model's tasks; nil means a Pool of Workers on this machine. Another
	// runner (other machines) gives the same summaries for the same runs.
	Runner Runner
	// Context, when set, cancels the runs; nil means context.Background().
	Context context.Context
}

// Seeds returns n seeds counting up from first: the default replications of a scenario.
func Seeds(first uint64, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = first + uint64(i)
	}
	return out
}

// ErrNoSeeds reports a plan with nothing to replicate.
var ErrNoSeeds = errors.New("planner: no seeds")

// PointResult is one point of a sweep, summarised over its seeds.
type PointResult struct {
	Params  map[string]any  `json:"params"`
	Policy  string          `json:"policy,omitempty"` // the farm policy, when the sweep varies it
	Runs    int             `json:"runs"`
	Metrics map[string]Stat `json:"metrics"`
}

// Sweep runs the cross product of the axes (the first axis outermost), every point with every
// seed, and summarises each point. No axes give a single point: the model as it is.
func Sweep(m Model, axes []Axis, opt Options) ([]PointResult, error) {
	if err := checkAxes(axes); err != nil {
		return nil, err
	}
	if len(opt.Seeds) == 0 {
		return nil, ErrNoSeeds
	}
	pts := points(axes)
	c := &counter{report: opt.Progress}
	c.add(len(pts) * len(opt.Seeds))
	stats, err := evaluate(m, pts, opt, c)
	if err != nil {
		return nil, err
	}
	out := make([]PointResult, len(pts))
	for i, p := range pts {
		out[i] = PointResult{Params: p.Map(), Runs: len(opt.Seeds), Metrics: stats[i]}
		if v, ok := p.Lookup(KeyPolicy); ok {
			out[i].Policy = v.(string)
		}
	}
	return out, nil
}

// evaluate runs every point with every seed on the options' runner (the local pool by default)
// and summarises each point.
func evaluate(m Model, pts []Point, opt Options, c *counter) ([]map[string]Stat, error) {
	r := opt.Runner
	if r == nil {
		r = &Pool{Model: m, Workers: opt.Workers}
	}
	ctx := opt.Context
	if ctx == nil {
		ctx = context.Background()
	}
	runs, err := r.Run(ctx, Tasks(pts, opt.Seeds), c.tick)
	if err != nil {
		return nil, err
	}
	return SummarizeBatch(runs, len(pts), len(opt.Seeds))
}
