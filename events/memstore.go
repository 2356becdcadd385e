package events

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"
)

// MemStore is an in-memory log for tests of consumers. It deduplicates by id for its whole life
// and replays in append order. The zero value is ready to use; it is safe for concurrent use,
// and fn given to Replay may call Append.
type MemStore struct {
	mu  sync.Mutex
	evs []Event
	ids map[string]struct{}
}

var (
	_ Appender = (*MemStore)(nil)
	_ Replayer = (*MemStore)(nil)
)

// Append validates all events first and stores none if one is invalid; then it stores, in
// order, those whose id it has not seen.
func (s *MemStore) Append(ctx context.Context, evs ...Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, e := range evs {
		if err := e.Validate(); err != nil {
			return fmt.Errorf("append event %d (id %q): %w", i, e.ID, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids == nil {
		s.ids = map[string]struct{}{}
	}
	for _, e := range evs {
		if _, dup := s.ids[e.ID]; dup {
			continue
		}
		s.ids[e.ID] = struct{}{}
		// The store owns its copy: a caller reusing its buffer must not rewrite history.
		e.Data = bytes.Clone(e.Data)
		e.Time = e.Time.UTC()
		s.evs = append(s.evs, e)
	}
	return nil
}

// Replay implements Replayer. fn must not modify the events' Data.
func (s *MemStore) Replay(ctx context.Context, since, until time.Time, kinds []Kind, fn func(Event) error) error {
	s.mu.Lock()
	// Appends never touch stored elements, so this prefix stays valid after unlocking.
	evs := s.evs[:len(s.evs):len(s.evs)]
	s.mu.Unlock()
	want := kindFilter(kinds)
	for _, e := range evs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !want(e.Kind) || !since.IsZero() && e.Time.Before(since) || !until.IsZero() && !e.Time.Before(until) {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// Len returns the number of stored events.
func (s *MemStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.evs)
}

// kindFilter applies the kinds rule of Replayer.
func kindFilter(kinds []Kind) func(Kind) bool {
	if len(kinds) == 0 {
		return Kind.Known
	}
	var set [256]bool
	for _, k := range kinds {
		set[k] = true
	}
	return func(k Kind) bool { return set[k] }
}
