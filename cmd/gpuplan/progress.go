package main

import (
	"io"
	"os"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressMinWork is the job count (summed over policies) below which a run is too quick for a bar.
const progressMinWork = 200_000

// progress draws a bar on stderr when stderr is a terminal and the run is long; otherwise it does
// nothing, so redirected output and --json - stay clean.
type progress struct {
	mu  sync.Mutex
	bar *progressbar.ProgressBar
}

func newProgress(stderr io.Writer, work int, what string) *progress {
	if work < progressMinWork {
		return &progress{}
	}
	return newBar(stderr, work, what)
}

// newBar draws a bar of work steps on stderr when stderr is a terminal, however small the work.
func newBar(stderr io.Writer, work int, what string) *progress {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &progress{}
	}
	return &progress{bar: progressbar.NewOptions(work,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100_000_000), // 0.1 s: redraws cost more than the simulation
		progressbar.OptionClearOnFinish(),
	)}
}

// callback returns a sim.Options.Progress function; sim.RunAll reports jobs done over all policies.
func (p *progress) callback() func(done, total int) {
	if p.bar == nil {
		return nil
	}
	return func(done, _ int) {
		p.mu.Lock()
		defer p.mu.Unlock()
		_ = p.bar.Set(done)
	}
}

// steps returns a progress function of steps done out of a total that may grow.
func (p *progress) steps() func(done, total int) {
	if p.bar == nil {
		return nil
	}
	return func(done, total int) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if total != p.bar.GetMax() {
			p.bar.ChangeMax(total)
		}
		_ = p.bar.Set(done)
	}
}

// describer returns a func that shows what while false and other while true (nil without a bar).
func (p *progress) describer(what, other string) func(bool) {
	if p.bar == nil {
		return nil
	}
	return func(on bool) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if on {
			p.bar.Describe(other)
		} else {
			p.bar.Describe(what)
		}
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
