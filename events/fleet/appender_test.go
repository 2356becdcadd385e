package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/fleet"
)

// failAfter stores events until its calls run out, then fails.
type failAfter struct {
	calls int
	got   []string
}

var errStore = errors.New("store down")

func (f *failAfter) Append(_ context.Context, evs ...events.Event) error {
	if f.calls == 0 {
		return errStore
	}
	f.calls--
	time.Sleep(time.Millisecond) // let emit run ahead while the append is in flight
	for _, e := range evs {
		f.got = append(f.got, e.ID)
	}
	return nil
}

func idEvent(t *testing.T, i int) events.Event {
	t.Helper()
	e, err := events.New(events.KindGPUInventory, fmt.Sprintf("id-%03d", i), "n1", time.Date(2026, 1, 5, 0, 0, i, 0, time.UTC),
		events.GPUInventory{Node: "n1", GPUs: []events.GPUInfo{{Index: 0, UUID: "GPU-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestAppending: events reach the store in emit order over batches appended while the next
// fills; a failed append stops the rest and its error comes back.
func TestAppending(t *testing.T) {
	for _, c := range []struct {
		name        string
		n, events   int
		calls       int // appends that succeed
		wantStored  int
		wantFailure bool
	}{
		{"batches of 3", 3, 10, 100, 10, false},
		{"one batch", 0, 10, 100, 10, false},
		{"exact multiple", 5, 10, 100, 10, false},
		{"second append fails", 3, 10, 1, 3, true},
		{"first append fails", 3, 10, 0, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := &failAfter{calls: c.calls}
			emit, flush := fleet.Appending(context.Background(), st, c.n)
			var err error
			for i := range c.events {
				if err = emit(idEvent(t, i)); err != nil {
					break
				}
			}
			if ferr := flush(); err == nil {
				err = ferr
			}
			if (err != nil) != c.wantFailure || err != nil && !errors.Is(err, errStore) {
				t.Fatalf("error %v, want failure %v", err, c.wantFailure)
			}
			if len(st.got) != c.wantStored {
				t.Fatalf("%d events stored, want %d", len(st.got), c.wantStored)
			}
			for i, id := range st.got {
				if want := fmt.Sprintf("id-%03d", i); id != want {
					t.Fatalf("event %d is %s, want %s", i, id, want)
				}
			}
		})
	}
}
