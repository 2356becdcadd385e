package planner_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/gpuplan/gpuplan/planner"
)

// shuffled is a Runner that runs a batch's tasks one at a time in a seeded random order, as
// remote workers would finish them, and returns them by index.
type shuffled struct {
	m    planner.Model
	seed uint64
	runs int
	drop bool // return one run short: a broken runner
}

func (s *shuffled) Run(_ context.Context, tasks []planner.Task, tick func()) ([]planner.Metrics, error) {
	out := make([]planner.Metrics, len(tasks))
	r := rand.New(rand.NewPCG(s.seed, 1))
	for _, i := range r.Perm(len(tasks)) {
		m, err := planner.RunTask(s.m, tasks[i])
		if err != nil {
			return nil, err
		}
		out[tasks[i].Index] = m
		s.runs++
		tick()
	}
	if s.drop {
		out = out[1:]
	}
	return out, nil
}

var _ planner.Runner = (*shuffled)(nil)

// TestRunnerSameBytesAsPool: a sweep and a sizing through a runner that finishes the runs in
// another order give the same document as the local pool: the summaries are made from the runs
// by index, whatever ran them.
func TestRunnerSameBytesAsPool(t *testing.T) {
	base := small(t)
	axes := []planner.Axis{{Key: planner.KeyFarmShare, Values: []any{0.0, 0.5, 1.0}}}
	seeds := []uint64{5, 6}
	m := &planner.ScenarioModel{Base: base}
	doc := func(r planner.Runner) []byte {
		opt := planner.Options{Seeds: seeds, Runner: r}
		pts, err := planner.Sweep(m, axes, opt)
		if err != nil {
			t.Fatal(err)
		}
		sz, err := planner.Size(m, planner.SizeSpec{Kind: planner.SizeGPUs, Lo: 4, Hi: 24, Step: 4}, opt)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		d := planner.Document{Kind: planner.DocumentKind, Seeds: seeds, Reps: len(seeds), Sweep: axes, Points: pts, Sizing: sz}
		if err := d.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	local := doc(nil)
	for _, seed := range []uint64{1, 2, 3} {
		sh := &shuffled{m: m, seed: seed}
		if got := doc(sh); !bytes.Equal(got, local) {
			t.Fatalf("order seed %d: the runner's document differs from the pool's:\n%s\n---\n%s", seed, got, local)
		}
		if sh.runs < len(axes[0].Values)*len(seeds) {
			t.Fatalf("order seed %d: the runner ran %d runs: the sweep did not use it", seed, sh.runs)
		}
	}
	// A runner that returns too few runs is an error, not a shifted summary.
	_, err := planner.Sweep(m, axes, planner.Options{Seeds: seeds, Runner: &shuffled{m: m, drop: true}})
	if err == nil {
		t.Fatal("a runner one run short gave a sweep")
	}
}

// TestPoolStopsOnCancel: a cancelled context stops the local pool with the context's error.
func TestPoolStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := planner.Sweep(&planner.ScenarioModel{Base: small(t)}, nil, planner.Options{Seeds: []uint64{1, 2}, Context: ctx})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
