package sim_test

import (
	"testing"

	"github.com/gpuplan/gpuplan/sim"
)

// TestQuotaRepeatedPasses: quota when a zero-length job's completion makes a second scheduling
// pass at the same timestamp. Farms of pool placement; quotas are the owners' cluster GPUs; every
// time derived by hand in the case's comment.
func TestQuotaRepeatedPasses(t *testing.T) {
	cases := []struct {
		name        string
		owners      []ownerSpec
		farmGPUs    int
		jobs        []jobSpec
		opt         sim.Options
		start, end  []float64
		tol         float64 // on times, s; every time here is a sum of whole seconds
		preemptions int
		lostGPUS    float64 // GPU-seconds, within 1e-12 relative
	}{
		{
			// Quotas A 3, B 3 on 6 GPUs, checkpoints every 100 s. At 0: b1 (B, in quota) and x (A,
			// in quota) start, v (B, over quota) borrows the last GPU. At 100 z (A, in quota) finds
			// nothing free: B is over by 1 and its latest job v is preempted, 100 s of work saved
			// (nothing lost); z starts and ends at once. In the second pass at 100 v restarts for
			// its 900 s left: [100, 1000], the instant its dropped run would have ended. At 200 x
			// ends; the head h (A, 5 GPUs, over quota) has 2 free and is reserved at 1000, when b1
			// and v free 4: extra 2 + 3 + 1 - 5 = 1 (v counted once), so J (2 GPUs, 5000 s) may
			// not backfill. h runs [1000, 1100], J [1100, 6100].
			name:   "victim restarted at the same instant counts once in the shadow",
			owners: []ownerSpec{{"A", 1, 3}, {"B", 1, 3}}, farmGPUs: 6,
			jobs: []jobSpec{
				{"B", 0, 3, 1000, 0},   // b1
				{"B", 0, 1, 1000, 0},   // v
				{"A", 0, 2, 200, 0},    // x
				{"A", 100, 1, 0, 0},    // z
				{"A", 150, 5, 100, 0},  // h
				{"A", 150, 2, 5000, 0}, // J
			},
			opt:   sim.Options{Placement: sim.PlacementPool, Quota: sim.Quota{CheckpointS: 100}},
			start: []float64{0, 100, 0, 100, 1000, 1100},
			end:   []float64{1000, 1000, 200, 100, 1100, 6100},
			tol:   1e-9, preemptions: 1, lostGPUS: 0,
		},
		{
			// The same with a 1 s restart overhead: v restarts for 1 + 900 s, [100, 1001], so its
			// new end is not the dropped run's. At 200 h is reserved at 1000, when b1 leaves 2 + 3
			// = 5 free: extra 0, and J waits. h runs [1000, 1100] and J [1100, 6100]. Lost: the
			// overhead, 1 GPU-s.
			name:   "with restart overhead",
			owners: []ownerSpec{{"A", 1, 3}, {"B", 1, 3}}, farmGPUs: 6,
			jobs: []jobSpec{
				{"B", 0, 3, 1000, 0}, {"B", 0, 1, 1000, 0}, {"A", 0, 2, 200, 0},
				{"A", 100, 1, 0, 0}, {"A", 150, 5, 100, 0}, {"A", 150, 2, 5000, 0},
			},
			opt:   sim.Options{Placement: sim.PlacementPool, Quota: sim.Quota{CheckpointS: 100, RestartOverheadS: 1}},
			start: []float64{0, 100, 0, 100, 1000, 1100},
			end:   []float64{1000, 1001, 200, 100, 1100, 6100},
			tol:   1e-9, preemptions: 1, lostGPUS: 1,
		},
		{
			// Quotas A 2, B 2 on 4 GPUs. First pass at 0: j0 (A, in quota) starts and ends at
			// once; j1 (B, 3, over quota) does not fit and is reserved at 0 with extra 1, so j2
			// (B, 1) backfills. Second pass at 0: j1 starts. Both of B's jobs started at 0. At 10
			// j3 (A, 1, in quota) finds nothing free; B is over by 2 and its most recently started
			// job, the later in queue order at equal start times, is j2: preempted (10 GPU-s
			// lost, no checkpoints), j3 runs [10, 110]; j2 restarts when j3 ends: [110, 1110].
			name:   "victim between jobs started in two passes at the same time",
			owners: []ownerSpec{{"A", 1, 2}, {"B", 1, 2}}, farmGPUs: 4,
			jobs: []jobSpec{
				{"A", 0, 2, 0, 0},    // j0
				{"B", 0, 3, 1000, 0}, // j1
				{"B", 0, 1, 1000, 0}, // j2
				{"A", 10, 1, 100, 0}, // j3
			},
			opt:   sim.Options{Placement: sim.PlacementPool},
			start: []float64{0, 0, 110, 10},
			end:   []float64{0, 1000, 1110, 110},
			tol:   1e-9, preemptions: 1, lostGPUS: 10,
		},
		{
			// B's two jobs swapped: queue order j0, j1 (B, 1), j2 (B, 3). First pass at 0: j0 and
			// j1 (in quota) start; j2 (over quota) does not fit and is reserved at 0 with extra 0.
			// Second pass at 0: j2 starts. At 10 the victim is j2 again, which is now both the
			// later in queue order and the later started: 30 GPU-s lost; j3 runs [10, 110] and
			// j2, needing 3 of the 2 then free, restarts when j3 ends: [110, 1110].
			name:   "victim started in the later pass and later in queue order",
			owners: []ownerSpec{{"A", 1, 2}, {"B", 1, 2}}, farmGPUs: 4,
			jobs: []jobSpec{
				{"A", 0, 2, 0, 0},    // j0
				{"B", 0, 1, 1000, 0}, // j1
				{"B", 0, 3, 1000, 0}, // j2
				{"A", 10, 1, 100, 0}, // j3
			},
			opt:   sim.Options{Placement: sim.PlacementPool},
			start: []float64{0, 0, 110, 10},
			end:   []float64{0, 1000, 1110, 110},
			tol:   1e-9, preemptions: 1, lostGPUS: 30,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var names []string
			for _, o := range tc.owners {
				names = append(names, o.Name)
			}
			r := run(t, poolCluster(tc.owners, 1, tc.farmGPUs), workload(names, tc.jobs), "quota", tc.opt)
			checkTimes(t, r, tc.start, tc.end, tc.tol)
			if r.Preemptions != tc.preemptions {
				t.Errorf("preemptions %d, want %d", r.Preemptions, tc.preemptions)
			}
			if !near(r.LostGPUHours, tc.lostGPUS/3600, 1e-12) {
				t.Errorf("lost %v GPU-h, want %v", r.LostGPUHours, tc.lostGPUS/3600)
			}
		})
	}
}
