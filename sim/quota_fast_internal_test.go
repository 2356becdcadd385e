package sim

import (
	"fmt"
	"hash/fnv"
	"reflect"
	"testing"

	"github.com/gpuplan/gpuplan"
)

// TestQuotaFastPassesEqualFullPasses runs quota twice on each seeded workload: as it is, and with
// every pass a full one (each owner's jobs classed afresh from the whole queue, the plain scan of
// backfillOrder), under the suite's invariant checks. After every batch of events (every
// scheduling pass) the two runs must have every job in the same state, in the same pool and with
// the same preemption count, and their results must be equal. Each case must take the
// arrivals-only pass at least once, so the check is not vacuous; and the test as a whole must see
// a full pass keep its reservation past completions (OnlyCompleted) and an owner's held GPUs come
// back to what their kept classes stand for (an in-quota start), the other two shortcuts the
// full passes are checked against.
func TestQuotaFastPassesEqualFullPasses(t *testing.T) {
	def, _ := findPolicy("quota")
	type variant struct {
		name string
		c    *gpuplan.Cluster
		opt  Options
		w    func(seed uint64) *gpuplan.Workload
	}
	grid := func(seed uint64) *gpuplan.Workload { return gridWorkload(seed, 400) }
	suite := func(seed uint64) *gpuplan.Workload { return suiteWorkload(seed, 500) }
	plain := suiteCluster(0, gpuplan.CapNone, 0, gpuplan.CapNone, 0)
	// o1 keeps a private pool: their held GPUs there change the farm's classes without any change
	// in the farm pool.
	lab := suiteCluster(0, gpuplan.CapNone, 0, gpuplan.CapNone, 0)
	lab.Owners[1].Lab = true
	tight := map[string]int{"o0": 6, "o1": 6, "o2": 10, "o3": 10, "o4": 0}
	var variants []variant
	for _, sc := range suiteCases() {
		variants = append(variants, variant{"suite-" + sc.name, sc.c, sc.opt, suite})
		opt := sc.opt
		opt.Quota.Quotas = tight
		variants = append(variants, variant{"grid-tight-" + sc.name, sc.c, opt, grid})
	}
	variants = append(variants,
		variant{"grid-pool-ckpt300", plain, Options{Placement: PlacementPool, Quota: Quota{CheckpointS: 300}}, grid},
		// Quotas above the farm's 32 GPUs in all, so that a job in quota may not fit.
		variant{"grid-pool-noborrow", plain, Options{Placement: PlacementPool, Quota: Quota{NoBorrow: true,
			Quotas: map[string]int{"o0": 12, "o1": 12, "o2": 12, "o3": 12, "o4": 0}}}, grid},
		variant{"grid-pool-grace1", plain, Options{Placement: PlacementPool, Quota: Quota{GraceS: 1, Quotas: tight}}, grid},
		variant{"suite-lab-pool", lab, Options{Placement: PlacementPool}, suite},
		variant{"grid-lab-pool-tight", lab, Options{Placement: PlacementPool, Quota: Quota{Quotas: tight}}, grid},
		variant{"grid-lab-nodes-tight", lab, Options{Placement: PlacementNodes, Quota: Quota{Quotas: tight}}, grid},
	)
	pastDone, heldKept := 0, 0
	seeds := []uint64{1, 2, 3, 4}
	if testing.Short() {
		seeds = seeds[:2]
	}
	for _, vr := range variants {
		fastPasses := 0
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("%s/%d", vr.name, seed), func(t *testing.T) {
				w := vr.w(seed)
				lk, err := validate(vr.c, w, def.farm, vr.opt)
				if err != nil {
					t.Fatal(err)
				}
				run := func(full bool) (*Result, []uint64, int) {
					d := *def
					d.make = func() policy { return &quota{seen: -1, full: full} }
					ck := &checker{t: t, c: vr.c}
					var batches []uint64
					e, err := runPolicy(vr.c, w, lk, &d, vr.opt, func(e *engine, at hookPoint) {
						ck.hook(e, at)
						if at == hookBatch {
							batches = append(batches, batchDigest(e))
						}
					})
					if err != nil {
						t.Fatal(err)
					}
					a, b := e.window(e.lastEnd)
					r := e.result(d.name, w, a, b)
					ck.final(w, r)
					fast := 0
					for i := range e.w.pools {
						if q, ok := e.w.pools[i].pol.(*quota); ok {
							fast += q.arrivalsN
							if !full {
								pastDone += q.pastDone
								heldKept += q.heldKept
							}
							if q.mismatches > 0 {
								t.Errorf("kept classes differ from the whole queue's %d times", q.mismatches)
							}
						}
					}
					return r, batches, fast
				}
				want, wantB, _ := run(true)
				got, gotB, fast := run(false)
				fastPasses += fast
				for i := range min(len(gotB), len(wantB)) {
					if gotB[i] != wantB[i] {
						t.Fatalf("batch %d: the job states differ from the full passes'", i)
					}
				}
				if len(gotB) != len(wantB) {
					t.Fatalf("%d batches, full passes %d", len(gotB), len(wantB))
				}
				if path, ok := sameValue(reflect.ValueOf(got), reflect.ValueOf(want), "result"); !ok {
					t.Fatalf("%s differs from the full passes'", path)
				}
			})
		}
		// Only where refusals are final (no cap on the farm's two GPU types, no power-off).
		if final := vr.c.Sites[2].CapW == 0 && vr.c.Farm.IdleOffS == 0; final && fastPasses == 0 {
			t.Errorf("%s: the arrivals-only pass was never taken", vr.name)
		}
	}
	if pastDone == 0 || heldKept == 0 {
		t.Errorf("reservations kept past completions %d times, held GPUs back to the classes' %d times: want both", pastDone, heldKept)
	}
	t.Logf("reservations kept past completions %d times, held GPUs back to the classes' %d times", pastDone, heldKept)
}

// batchDigest hashes every job's state, pool and preemption count.
func batchDigest(e *engine) uint64 {
	h := fnv.New64a()
	buf := make([]byte, 0, 16)
	for k := range e.n {
		j := &e.j[k]
		var n int32
		if e.pre != nil {
			n = e.pre[k].n
		}
		buf = append(buf[:0], byte(j.state), byte(j.pool), byte(j.pool>>8), byte(n), byte(n>>8))
		h.Write(buf)
	}
	return h.Sum64()
}

// sameValue compares two values field by field, NaN equal to NaN; it names the first difference.
func sameValue(a, b reflect.Value, path string) (string, bool) {
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return path, a.IsNil() == b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := range a.NumField() {
			if p, ok := sameValue(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); !ok {
				return p, false
			}
		}
		return "", true
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return path + " (length)", false
		}
		for i := range a.Len() {
			if p, ok := sameValue(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); !ok {
				return p, false
			}
		}
		return "", true
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		return path, x == y || x != x && y != y
	default:
		return path, a.Interface() == b.Interface()
	}
}
