package traces

import (
	"math"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/internal/testshared"
)

// sharedTraces returns the shared traces folder, skipping the test when it is absent: CI keeps
// shared/ beside the clone, a bare checkout may have none.
func sharedTraces(t testing.TB) string { return testshared.Traces(t) }

// checkWorkload asserts what every successful read promises: finite non-negative times, positive
// GPU counts, owner and group indexes in range, utilization within [0, 1].
func checkWorkload(t testing.TB, w *gpuplan.Workload) {
	t.Helper()
	if w == nil {
		t.Fatal("nil workload without error")
	}
	if w.Skipped < 0 {
		t.Fatalf("Skipped = %d", w.Skipped)
	}
	if len(w.Jobs) == 0 {
		t.Fatal("a workload without jobs (want ErrNoJobs)")
	}
	seen := make(map[string]int, len(w.Jobs))
	for i, j := range w.Jobs {
		if k, ok := seen[j.ID]; ok {
			t.Fatalf("jobs %d and %d share ID %q", k, i, j.ID)
		}
		seen[j.ID] = i
		if j.Submit > gpuplan.MaxSeconds || j.Duration > gpuplan.MaxSeconds || j.GPUs > gpuplan.MaxGPUs || j.PowerW > gpuplan.MaxPowerW {
			t.Fatalf("job %d %+v: beyond the limits", i, j)
		}
		bad := func(what string) { t.Fatalf("job %d %+v: %s", i, j, what) }
		for _, v := range []float64{j.Submit, j.Duration, j.PowerW, j.Util} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || math.Signbit(v) {
				bad("non-finite or negative value")
			}
		}
		if j.GPUs <= 0 {
			bad("no GPUs")
		}
		if j.Owner < 0 || int(j.Owner) >= len(w.Owners) {
			bad("owner index out of range")
		}
		if j.Group < -1 || int(j.Group) >= len(w.Groups) {
			bad("group index out of range")
		}
		if j.Util > 1 {
			bad("utilization above 1")
		}
	}
}

// ownerNames maps job ID to owner name.
func ownerNames(w *gpuplan.Workload) map[string]string {
	m := make(map[string]string, len(w.Jobs))
	for _, j := range w.Jobs {
		m[j.ID] = w.Owners[j.Owner]
	}
	return m
}

// sameJobs reports whether a and b hold the same jobs in the same order, comparing owners and groups
// by name (indexes depend on appearance order).
func sameJobs(t testing.TB, a, b *gpuplan.Workload) {
	t.Helper()
	if len(a.Jobs) != len(b.Jobs) {
		t.Fatalf("job counts differ: %d vs %d", len(a.Jobs), len(b.Jobs))
	}
	name := func(w *gpuplan.Workload, g int32) string {
		if g < 0 {
			return "<none>"
		}
		return w.Groups[g]
	}
	for i := range a.Jobs {
		x, y := a.Jobs[i], b.Jobs[i]
		if a.Owners[x.Owner] != b.Owners[y.Owner] || name(a, x.Group) != name(b, y.Group) {
			t.Fatalf("job %d: owner/group %q/%q vs %q/%q", i, a.Owners[x.Owner], name(a, x.Group), b.Owners[y.Owner], name(b, y.Group))
		}
		x.Owner, y.Owner, x.Group, y.Group = 0, 0, 0, 0
		if x != y {
			t.Fatalf("job %d differs:\n%+v\n%+v", i, x, y)
		}
	}
}
