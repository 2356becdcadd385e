package importer_test

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/importer"
	"github.com/gpuplan/gpuplan/internal/testshared"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

// fixtureDir holds the trace readers' fixtures (cuts of the shared traces; see its README).
const fixtureDir = "../../scenarios/traces/testdata"

// sharedDir returns the shared traces folder, or "" when it is absent.
func sharedDir(t testing.TB) string { return testshared.TracesDir(t) }

// sharedTraces is sharedDir, skipping the test when the traces are absent.
func sharedTraces(t testing.TB) string { return testshared.Traces(t) }

// sameWorkload fails unless got equals want field by field, floats compared by their bits: a
// replayed workload must be the reader's exactly, not merely within a tolerance.
func sameWorkload(t testing.TB, name string, got, want *gpuplan.Workload) {
	t.Helper()
	if err := diffWorkload(got, want); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func diffWorkload(got, want *gpuplan.Workload) error {
	if !reflect.DeepEqual(got.Owners, want.Owners) {
		return fmt.Errorf("owners differ:\n got  %q\n want %q", head(got.Owners), head(want.Owners))
	}
	if !reflect.DeepEqual(got.Groups, want.Groups) {
		return fmt.Errorf("groups differ:\n got  %q\n want %q", got.Groups, want.Groups)
	}
	if got.Skipped != want.Skipped {
		return fmt.Errorf("skipped %d, want %d", got.Skipped, want.Skipped)
	}
	if (got.Jobs == nil) != (want.Jobs == nil) || len(got.Jobs) != len(want.Jobs) {
		return fmt.Errorf("%d jobs (nil %v), want %d (nil %v)", len(got.Jobs), got.Jobs == nil, len(want.Jobs), want.Jobs == nil)
	}
	for i := range want.Jobs {
		g, w := got.Jobs[i], want.Jobs[i]
		bitsEq := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }
		if g.ID != w.ID || g.Owner != w.Owner || g.Group != w.Group || g.GPUs != w.GPUs || g.GPUType != w.GPUType ||
			!bitsEq(g.Submit, w.Submit) || !bitsEq(g.Duration, w.Duration) || !bitsEq(g.PowerW, w.PowerW) || !bitsEq(g.Util, w.Util) {
			return fmt.Errorf("job %d:\n got  %+v\n want %+v", i, g, w)
		}
	}
	return nil
}

func head(s []string) []string { return s[:min(len(s), 12)] }

// importFile imports one file into a fresh MemStore.
func importFile(t testing.TB, path string, opt importer.Options) (*events.MemStore, importer.Result) {
	t.Helper()
	var s events.MemStore
	res, err := importer.Import(context.Background(), &s, []string{path}, opt)
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	return &s, res
}

// replayAll rebuilds the workload of everything in r.
func replayAll(t testing.TB, r events.Replayer) (*gpuplan.Workload, importer.Stats) {
	t.Helper()
	w, st, err := importer.Workload(context.Background(), r, time.Time{}, time.Time{})
	if err != nil {
		t.Fatalf("workload: %v", err)
	}
	return w, st
}

// ids lists the ids of the events in r, in stream order.
func ids(t testing.TB, r events.Replayer) []string {
	t.Helper()
	var out []string
	err := r.Replay(context.Background(), time.Time{}, time.Time{}, nil, func(e events.Event) error {
		out = append(out, e.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readerWorkload is what gpuplan simulate reads, with Skipped cleared: a replay cannot know the
// rows a reader skipped, only the events it skipped itself.
func readerWorkload(t testing.TB, path string, f traces.Format, opt traces.Options) *gpuplan.Workload {
	t.Helper()
	w, err := traces.ReadFile(path, f, opt)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	w.Skipped = 0
	return w
}

// sliceLog is a Replayer over a fixed slice, in its order, duplicates kept: a stand-in for a
// JetStream stream that stored an event twice.
type sliceLog []events.Event

func (l sliceLog) Replay(ctx context.Context, since, until time.Time, kinds []events.Kind, fn func(events.Event) error) error {
	want := map[events.Kind]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	for _, e := range l {
		if len(kinds) == 0 && !e.Kind.Known() || len(kinds) > 0 && !want[e.Kind] {
			continue
		}
		if !since.IsZero() && e.Time.Before(since) || !until.IsZero() && !e.Time.Before(until) {
			continue
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// events lists everything in a MemStore in stream order.
func allEvents(t testing.TB, s *events.MemStore) sliceLog {
	t.Helper()
	var out sliceLog
	err := s.Replay(context.Background(), time.Time{}, time.Time{}, append(events.Kinds(), events.KindUnknown), func(e events.Event) error {
		out = append(out, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
