package sim_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// TestFairShareConverges: three owners holding 2, 4 and 6 GPUs (shares 1/6, 2/6, 3/6 by
// default) all keep a backlog far beyond what the 12-GPU farm can serve in the measured window.
// The GPU-seconds each owner receives in that window must approach their share: the policy
// always serves the owner with the lowest decayed usage per share first, so usage per share is
// held level and, with the backlog never empty, delivered work is split by share.
func TestFairShareConverges(t *testing.T) {
	c := poolCluster([]ownerSpec{{"x", 1, 2}, {"y", 1, 4}, {"z", 1, 6}}, 1, 12)
	names := []string{"x", "y", "z"}
	shares := []float64{1.0 / 6, 2.0 / 6, 3.0 / 6}
	cases := []struct {
		name   string
		sizes  []int32
		fixed  bool    // every job 100 s; else exponential with mean 100 s
		window float64 // measured over [0, window]
		tol    float64 // absolute, on each owner's fraction
	}{
		{"unit jobs, lockstep", []int32{1}, true, 30000, 0.015},
		{"mixed sizes and durations", []int32{1, 1, 2, 3}, false, 20000, 0.02},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 0xfa1))
			w := &gpuplan.Workload{Owners: names}
			// Backlog per owner, all submitted at 0: 3/4 of the farm over the window, more than any
			// share can use, so nobody runs dry inside the window.
			for o := range names {
				var work float64
				for work < 0.75*12*tc.window {
					d := 100.0
					if !tc.fixed {
						d = math.Round(rng.ExpFloat64()*100) + 1
					}
					g := tc.sizes[rng.IntN(len(tc.sizes))]
					w.Jobs = append(w.Jobs, gpuplan.Job{ID: fmt.Sprintf("%s%d", names[o], len(w.Jobs)), Owner: int32(o), Group: -1, GPUs: g, Duration: d})
					work += float64(g) * d
				}
			}
			// Interleave owners so that queue order favours nobody.
			rng.Shuffle(len(w.Jobs), func(i, j int) { w.Jobs[i], w.Jobs[j] = w.Jobs[j], w.Jobs[i] })
			r := run(t, c, w, "fairshare", sim.Options{Placement: sim.PlacementPool, FairShare: sim.FairShare{HalfLifeS: 2000}})
			got := make([]float64, len(names))
			var total float64
			for i, j := range w.Jobs {
				s, e := r.Start[i], min(r.End[i], tc.window)
				if s < e {
					got[j.Owner] += float64(j.GPUs) * (e - s)
					total += float64(j.GPUs) * (e - s)
				}
			}
			for o := range names {
				if f := got[o] / total; math.Abs(f-shares[o]) > tc.tol {
					t.Errorf("owner %s: %.4f of the GPU time, share %.4f (tolerance %v)", names[o], f, shares[o], tc.tol)
				} else {
					t.Logf("owner %s: %.4f of the GPU time, share %.4f", names[o], f, shares[o])
				}
			}
			if total < 0.9*12*tc.window {
				t.Errorf("farm busy %.0f GPU-s of %.0f: not saturated", total, 12*tc.window)
			}
		})
	}
}

// TestFairShareHandSchedule: owners x and y hold 1 GPU each (shares 1/2). x's j0 takes both farm
// GPUs over [0, 100]; at 1, x's j1 and then y's j2 (2 GPUs, 10 s each) queue. At 100 x has used
// about 200 GPU-s and y nothing, so y goes first whatever the queue order: j2 [100, 110], then
// j1 [110, 120]. easy, in queue order, runs j1 first.
func TestFairShareHandSchedule(t *testing.T) {
	c := poolCluster([]ownerSpec{{"x", 1, 1}, {"y", 1, 1}}, 1, 2)
	w := workload([]string{"x", "y"}, []jobSpec{{"x", 0, 2, 100, 0}, {"x", 1, 2, 10, 0}, {"y", 1, 2, 10, 0}})
	opt := sim.Options{Placement: sim.PlacementPool}
	checkTimes(t, run(t, c, w, "fairshare", opt), []float64{0, 110, 100}, []float64{100, 120, 110}, 1e-9)
	checkTimes(t, run(t, c, w, "easy", opt), []float64{0, 100, 110}, []float64{100, 110, 120}, 1e-9)
	// Shares override the GPUs: with y's share 0 (priority last), x's j1 goes first again.
	opt.FairShare.Shares = map[string]float64{"y": 0}
	checkTimes(t, run(t, c, w, "fairshare", opt), []float64{0, 100, 110}, []float64{100, 110, 120}, 1e-9)
}
