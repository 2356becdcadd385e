package fleet

import (
	"context"

	"github.com/gpuplan/gpuplan/events"
)

// DefaultAppendBatch is how many events Appending hands to the store at a time by default.
const DefaultAppendBatch = 1000

// Appending returns an emit function for Run that appends events to a, n at a time (0 means
// DefaultAppendBatch), and flush, which appends the rest and must be called after Run.
func Appending(ctx context.Context, a events.Appender, n int) (emit func(events.Event) error, flush func() error) {
	if n <= 0 {
		n = DefaultAppendBatch
	}
	buf := make([]events.Event, 0, n)
	flush = func() error {
		if len(buf) == 0 {
			return nil
		}
		err := a.Append(ctx, buf...)
		buf = buf[:0]
		return err
	}
	emit = func(e events.Event) error {
		buf = append(buf, e)
		if len(buf) == n {
			return flush()
		}
		return nil
	}
	return emit, flush
}
