package planner

import (
	"context"
	"fmt"
)

// Task is one run of a plan: a point with one seed. Index is the run's place in its batch
// (point-major: point Index/len(seeds), seed Index%len(seeds)); outcomes go back by it.
type Task struct {
	Index int
	Point Point
	Seed  uint64
}

// Runner runs a batch of tasks and returns their metrics by task index, whatever order they
// finished in. tick is called once per task done (from any goroutine: it serialises itself). On a failure it returns
// the error of the lowest failed index it knows of. The local Pool is one Runner; a runner that
// sends the tasks to other machines is another (see planner/natsqueue), so a sweep's summary does
// not depend on where its runs ran.
type Runner interface {
	Run(ctx context.Context, tasks []Task, tick func()) ([]Metrics, error)
}

var _ Runner = (*Pool)(nil)

// Pool runs tasks on this machine: Model on at most Workers goroutines (0: GOMAXPROCS).
type Pool struct {
	Model   Model
	Workers int
}

// Run implements Runner. A cancelled ctx stops new tasks from starting.
func (p *Pool) Run(ctx context.Context, tasks []Task, tick func()) ([]Metrics, error) {
	out := make([]Metrics, len(tasks))
	err := each(len(tasks), p.Workers, tick, func(i int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := tasks[i]
		r, err := RunTask(p.Model, t)
		if err != nil {
			return err
		}
		out[i] = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RunTask runs one task on m with the error context every runner gives.
func RunTask(m Model, t Task) (Metrics, error) {
	r, err := m.Run(t.Point, t.Seed)
	if err != nil {
		return nil, fmt.Errorf("point %v seed %d: %w", t.Point.Map(), t.Seed, err)
	}
	return r, nil
}

// Tasks lists every point with every seed, point-major: the batch evaluate hands a Runner.
func Tasks(pts []Point, seeds []uint64) []Task {
	ns := len(seeds)
	out := make([]Task, len(pts)*ns)
	for i := range out {
		out[i] = Task{Index: i, Point: pts[i/ns], Seed: seeds[i%ns]}
	}
	return out
}

// SummarizeBatch turns a batch's metrics (in task order, as Tasks lists them) into one summary per
// point. Every runner's results go through it, so a distributed sweep summarises exactly as a
// local one.
func SummarizeBatch(runs []Metrics, points, seeds int) ([]map[string]Stat, error) {
	if len(runs) != points*seeds {
		return nil, fmt.Errorf("planner: %d runs for %d points x %d seeds", len(runs), points, seeds)
	}
	out := make([]map[string]Stat, points)
	for i := range out {
		out[i] = summarizeRuns(runs[i*seeds : (i+1)*seeds])
	}
	return out, nil
}
