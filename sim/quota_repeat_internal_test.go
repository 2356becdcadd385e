package sim

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gpuplan/gpuplan"
)

// gridWorkload draws n jobs for owners o0..o3 on coarse time grids, where many events share an
// instant: submits on a 15-minute grid, durations on a 5-minute grid with a fifth zero-length (each
// such completion makes another scheduling pass at its instant), sizes from 0 to beyond the farm,
// and the rows shuffled out of submit order. Offered load is about 26 GPUs (3.7 GPUs for 1,560 s
// every 225 s), in bursts: the suite farm's 32 are often all taken.
func gridWorkload(seed uint64, n int) *gpuplan.Workload {
	rng := rand.New(rand.NewPCG(seed, 0x9e1d))
	sizes := []int32{0, 1, 1, 1, 2, 2, 3, 4, 4, 6, 8, 12, 40}
	w := &gpuplan.Workload{Owners: []string{"o0", "o1", "o2", "o3"}}
	t := 0.0
	for i := range n {
		if rng.IntN(4) == 0 { // three quarters share their submit instant with the previous job
			t += 900
		}
		d := 0.0
		if rng.IntN(5) > 0 {
			d = 300 * float64(1+rng.IntN(12))
		}
		w.Jobs = append(w.Jobs, gpuplan.Job{ID: fmt.Sprintf("j%d", i), Owner: int32(rng.IntN(4)), Group: -1,
			Submit: t, GPUs: sizes[rng.IntN(len(sizes))], Duration: d})
	}
	rng.Shuffle(n, func(a, b int) { w.Jobs[a], w.Jobs[b] = w.Jobs[b], w.Jobs[a] })
	return w
}

// TestQuotaRepeatedPassesRandom runs quota with checkpoints over grid workloads, with the shared
// suite's invariant hook (GPUs held exactly once, free = total - held, power, work conservation)
// and, after every pass, checks of what the backfill reservation reads and of the victims chosen:
//   - the pool's placed jobs by estimated end (view.Running) list every placed job exactly once,
//     and their GPUs plus the free ones are the pool's size: no GPU is counted twice;
//   - a reservation for the whole pool has no extra (it would have some if a GPU counted twice);
//   - every victim was its owner's most recently started job in the pool (ties: the later in
//     queue order) among those that kept running.
func TestQuotaRepeatedPassesRandom(t *testing.T) {
	quota, _ := findPolicy("quota")
	type variant struct {
		name string
		c    *gpuplan.Cluster
		opt  Options
	}
	plain := suiteCluster(0, gpuplan.CapNone, 0, gpuplan.CapNone, 0)
	// Quotas summing to the farm's 32 GPUs: owners borrow whenever others leave GPUs idle, and take
	// them back by preemption.
	tight := map[string]int{"o0": 6, "o1": 6, "o2": 10, "o3": 10, "o4": 0}
	variants := []variant{
		{"pool-ckpt300", plain, Options{Placement: PlacementPool, Quota: Quota{CheckpointS: 300}}},
		{"pool-ckpt300-tight", plain, Options{Placement: PlacementPool, Quota: Quota{CheckpointS: 300, Quotas: tight}}},
		{"nodes-ckpt300-tight", plain, Options{Placement: PlacementNodes, Quota: Quota{CheckpointS: 300, Quotas: tight}}},
		{"pool-ckpt300-overhead60-tight", plain, Options{Placement: PlacementPool, Quota: Quota{CheckpointS: 300, RestartOverheadS: 60, Quotas: tight}}},
		{"pool-ckpt300-overhead60", plain, Options{Placement: PlacementPool, Quota: Quota{CheckpointS: 300, RestartOverheadS: 60}}},
		{"pool-ckpt900-overhead300", plain, Options{Placement: PlacementPool, Quota: Quota{CheckpointS: 900, RestartOverheadS: 300}}},
		{"nodes-ckpt300", plain, Options{Placement: PlacementNodes, Quota: Quota{CheckpointS: 300}}},
		{"nodes-ckpt300-overestimate", plain, Options{Placement: PlacementNodes, EstimateFactor: 1.5, Quota: Quota{CheckpointS: 300}}},
		{"pool-throttle-ckpt300", suiteCluster(4000, gpuplan.CapThrottle, 14000, gpuplan.CapThrottle, 0), Options{Placement: PlacementPool, Quota: Quota{CheckpointS: 300}}},
		{"nodes-queue-ckpt600-overhead30", suiteCluster(4000, gpuplan.CapQueue, 14000, gpuplan.CapQueue, 0), Options{Placement: PlacementNodes, Quota: Quota{CheckpointS: 600, RestartOverheadS: 30}}},
		{"nodes-poweroff-ckpt300", suiteCluster(0, gpuplan.CapNone, 0, gpuplan.CapNone, 300), Options{Placement: PlacementNodes, Quota: Quota{CheckpointS: 300}}},
	}
	seeds := []uint64{1, 2, 3, 4, 5, 6}
	n := 400
	if testing.Short() {
		seeds = seeds[:2]
	}
	for _, vr := range variants {
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("%s/%d", vr.name, seed), func(t *testing.T) {
				w := gridWorkload(seed, n)
				lk, err := validate(vr.c, w, quota.farm, vr.opt)
				if err != nil {
					t.Fatal(err)
				}
				ck := &checker{t: t, c: vr.c}
				rc := &reservationCheck{ck: ck}
				e, err := runPolicy(vr.c, w, lk, quota, vr.opt, rc.hook)
				if err != nil {
					t.Fatal(err)
				}
				a, b := e.window(e.lastEnd)
				r := e.result(quota.name, w, a, b)
				ck.final(w, r)
				if rc.passes == 0 {
					t.Fatal("the reservation check never ran")
				}
				t.Logf("completed %d infeasible %d preemptions %d (victim order checked %d times) lost %.2f GPU-h; %d of %d checks on the event queue",
					r.Jobs.Completed, r.Jobs.Infeasible, r.Preemptions, rc.victims, r.LostGPUHours, rc.events, rc.passes)
			})
		}
	}
}

// reservationCheck adds, to the suite's checker, checks of what backfilling reads after every pass.
type reservationCheck struct {
	ck      *checker
	passes  int
	events  int // pool passes checked whose running jobs came from the event queue
	victims int
	preN    []int32 // by job: preemptions seen at the last pass
	before  []bool  // by job: running after the last pass
}

func (rc *reservationCheck) hook(e *engine, at hookPoint) {
	rc.ck.hook(e, at)
	if at != hookBatch {
		return
	}
	rc.passes++
	if rc.preN == nil {
		rc.preN, rc.before = make([]int32, e.n), make([]bool, e.n)
	}
	for pi := range e.w.pools {
		pl := &e.w.pools[pi]
		if pl.est == nil { // exact estimates: Running walks the event queue, stale completions in it
			rc.events++
		}
		v := &view{e: e, pl: pl}
		seen := map[int32]bool{}
		var gpus int32
		for r := v.Running(); r.Next(); {
			k := r.job
			if seen[k] {
				rc.ck.fail("pool %d: job %d listed twice by estimated end", pi, k)
			}
			seen[k] = true
			if !rc.ck.isPlaced(k) || e.j[k].pool != int32(pi) {
				rc.ck.fail("pool %d: job %d listed by estimated end, state %v, pool %d", pi, k, e.j[k].state, e.j[k].pool)
			}
			gpus += r.Frees().GPUs
		}
		for k := range e.n {
			if rc.ck.isPlaced(k) && e.j[k].pool == int32(pi) && !seen[k] {
				rc.ck.fail("pool %d: placed job %d missing from the estimated ends", pi, k)
			}
		}
		if pl.free+gpus != pl.total {
			rc.ck.fail("pool %d: %d free + %d placed by estimated end != %d GPUs", pi, pl.free, gpus, pl.total)
		}
		// Power is left out of this reservation (a need below anything).
		if s, extra := (*easy).shadow(nil, v, room{GPUs: pl.total, Power: -noLimit}); math.IsInf(s, 1) || extra.GPUs != 0 {
			rc.ck.fail("pool %d: reservation for all %d GPUs at %v with %d extra", pi, pl.total, s, extra.GPUs)
		}
	}
	rc.checkVictims(e)
	for k := range e.n {
		rc.preN[k] = e.pre[k].n
		rc.before[k] = e.j[k].state == jobRunning
	}
}

// checkVictims: a job preempted in this pass was, in its pool, its owner's latest (start, queue
// order) among their jobs that were running before the pass and still run.
func (rc *reservationCheck) checkVictims(e *engine) {
	later := func(a, b int32) bool { // a started after b, ties by queue order
		return cmp.Or(cmp.Compare(e.startOf(a), e.startOf(b)), cmp.Compare(a, b)) > 0
	}
	for k := range e.n {
		if e.pre[k].n == rc.preN[k] {
			continue
		}
		rc.victims++
		o := e.ownerOf(k)
		for m := range e.n {
			if m == k || !rc.before[m] || e.j[m].state != jobRunning || e.ownerOf(m) != o ||
				e.j[m].pool != e.j[k].pool || e.j[m].gpus == 0 {
				continue
			}
			if later(m, k) {
				rc.ck.fail("job %d (started %v) preempted while job %d of the same owner (started %v) runs on",
					k, e.startOf(k), m, e.startOf(m))
			}
		}
	}
}
