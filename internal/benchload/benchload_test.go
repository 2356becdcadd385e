package benchload

import (
	"math"
	"reflect"
	"testing"
)

// The benchmark workload is what every recorded speed figure describes: it must be the same for a
// seed, valid for the engine, and offer the load its documentation states.
func TestWorkload(t *testing.T) {
	const n = 200_000
	w := Workload(n, 1)
	if !reflect.DeepEqual(w, Workload(n, 1)) {
		t.Fatal("two draws with seed 1 differ")
	}
	if reflect.DeepEqual(w.Jobs[:100], Workload(100, 2).Jobs) {
		t.Error("seeds 1 and 2 give the same jobs")
	}
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := Cluster(0).Validate(); err != nil {
		t.Fatal(err)
	}
	if err := Cluster(ThrottleCapW()).Validate(); err != nil {
		t.Fatal(err)
	}
	var gpuS float64
	count := map[int32]int{}
	for i, j := range w.Jobs {
		if i > 0 && j.Submit < w.Jobs[i-1].Submit {
			t.Fatalf("job %d submitted before job %d", i, i-1)
		}
		gpuS += float64(j.GPUs) * j.Duration
		count[j.GPUs]++
	}
	// Offered load: GPU-seconds asked per second of the span, over the fleet's GPUs. Lognormal
	// durations with sigma 1 make the sum noisy: 2% at 200,000 jobs is about four standard errors.
	span := w.Jobs[n-1].Submit - w.Jobs[0].Submit
	if load := gpuS / span / GPUs; math.Abs(load-Load) > 0.02*Load {
		t.Errorf("offered load %.4f, want %.2f within 2%%", load, Load)
	}
	for i, g := range Sizes {
		if got := float64(count[g]) / n; math.Abs(got-Probs[i]) > 0.005 {
			t.Errorf("share of %d-GPU jobs %.4f, want %.2f within 0.005", g, got, Probs[i])
		}
	}
}
