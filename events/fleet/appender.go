package fleet

import (
	"context"

	"github.com/gpuplan/gpuplan/events"
)

// DefaultAppendBatch is how many events Appending hands to the store at a time by default.
const DefaultAppendBatch = 1000

// Appending returns an emit function for Run that appends events to a, n at a time (0 means
// DefaultAppendBatch), and flush, which appends the rest, waits for every append and must be
// called after Run, also after a failed Run.
//
// One append is in flight while emit fills the next n events, so the collectors' sampling
// overlaps the store's work (on a 2-core machine with an embedded server, both halves of the
// demo's publishing). Appends keep their order: the next starts when the previous has returned.
// A failed append's error comes back from the next emit that hands over a batch, or from flush;
// nothing is appended after it.
func Appending(ctx context.Context, a events.Appender, n int) (emit func(events.Event) error, flush func() error) {
	if n <= 0 {
		n = DefaultAppendBatch
	}
	buf := make([]events.Event, 0, n)
	var done chan error // the append in flight; nil when none
	var failed error
	wait := func() error {
		if done != nil {
			if err := <-done; err != nil && failed == nil {
				failed = err
			}
			done = nil
		}
		return failed
	}
	send := func() error {
		if err := wait(); err != nil {
			return err
		}
		if len(buf) == 0 {
			return nil
		}
		batch := buf
		buf = make([]events.Event, 0, n)
		done = make(chan error, 1)
		go func() { done <- a.Append(ctx, batch...) }()
		return nil
	}
	flush = func() error {
		if err := send(); err != nil {
			return err
		}
		return wait()
	}
	emit = func(e events.Event) error {
		if failed != nil {
			return failed
		}
		buf = append(buf, e)
		if len(buf) == n {
			return send()
		}
		return nil
	}
	return emit, flush
}
