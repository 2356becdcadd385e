package sim

import (
	"math"
	"testing"
)

// TestLossWithin: the part of a run's lost GPU time inside a window, with the lost work mapped onto
// the run's real span in proportion (a throttled run). The run is [0, 20] s of real time at half
// speed: 10 s of work, the first 2 restart overhead (real [0, 4]) and the last 3 lost since the
// checkpoint (real [14, 20]), on 4 GPUs: 4*(2+3) = 20 GPU-s lost, 2 per real second of the lost
// spans.
func TestLossWithin(t *testing.T) {
	run := loss{s: 0, t: 20, work: 10, head: 2, tail: 3, gpuS: 20, pre: true}
	cases := []struct {
		name string
		x    loss
		a, b float64
		want float64 // GPU-seconds
	}{
		{"covering", run, 0, 20, 20},
		{"far wider", run, -100, 1e9, 20},
		{"across both lost spans", run, 2, 16, 2*2 + 2*2},
		{"between them: kept work only", run, 5, 13, 0},
		{"head only", run, 1, 3, 2 * 2},
		{"tail end", run, 19, 30, 2 * 1},
		{"before the run", run, -10, -1, 0},
		{"empty window at the end", run, 20, 20, 0},
		{"no work done", loss{s: 5, t: 5, gpuS: 0, pre: true}, 0, 4, 0},
		// A completed run after a restart: overhead 5 of 50 s of work at full speed on 2 GPUs.
		{"overhead of a completed run, clipped", loss{s: 100, t: 150, work: 50, head: 5, gpuS: 10}, 102, 200, 2 * 3},
	}
	const tol = 1e-12
	for _, c := range cases {
		if got := c.x.within(c.a, c.b); math.Abs(got-c.want) > tol*max(1, c.want) {
			t.Errorf("%s: within(%g, %g) = %v GPU-s, want %v", c.name, c.a, c.b, got, c.want)
		}
	}
}
