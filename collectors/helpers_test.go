package collectors_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/events"
)

// t0 is a fixed time; tests place events relative to it.
var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// batchEvent is a one-GPU sample batch of node at t0 + i seconds.
func batchEvent(t testing.TB, node string, i int) events.Event {
	t.Helper()
	at := t0.Add(time.Duration(i) * time.Second)
	b := events.GPUSampleBatch{Node: node, IntervalS: 1, GPUs: []events.GPUSample{{Index: 0, UUID: "GPU-" + node, UtilPct: float64(i % 100)}}}
	ev, err := events.New(events.KindGPUSampleBatch, collectors.EventID(node, events.KindGPUSampleBatch, at), node, at, b)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// ids returns the ids of recs.
func ids(recs []collectors.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Event.ID
	}
	return out
}

func openSpool(t testing.TB, dir string, opt collectors.SpoolOptions) *collectors.Spool {
	t.Helper()
	s, err := collectors.OpenSpool(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustAppend(t testing.TB, s *collectors.Spool, evs ...events.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
}

func equalIDs(got, want []string) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d ids, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			return fmt.Errorf("id %d is %s, want %s", i, got[i], want[i])
		}
	}
	return nil
}
