package sim

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// easyScan is EASY backfilling written as the plain scan of design §5: the reservation from all
// placed jobs sorted by estimated end, then every later job in queue order. The easy policy must
// decide exactly as it does, index, cache and all.
type easyScan struct{}

func (easyScan) Schedule(v *view, p *plan) {
	n := v.Len()
	i := 0
	for i < n && (!v.Waiting(i) || p.Start(i)) {
		i++
	}
	if i == n {
		return
	}
	now := v.Now()
	need := v.Need(i)
	type placed struct {
		end float64
		r   room
	}
	var ps []placed
	for it := v.Running(); it.Next(); {
		ps = append(ps, placed{it.End(), it.Frees()})
	}
	slices.SortStableFunc(ps, func(a, b placed) int { return cmpFloat(a.end, b.end) })
	acc := v.Free()
	s := math.Inf(1)
	if acc.covers(need) {
		s = now
	}
	for _, x := range ps {
		if x.end > s {
			break
		}
		acc = acc.plus(x.r)
		if math.IsInf(s, 1) && acc.covers(need) {
			s = x.end
		}
	}
	extra := room{}
	if !math.IsInf(s, 1) {
		extra = acc.minus(need)
	}
	for j := i + 1; j < n; j++ {
		if !v.Waiting(j) {
			continue
		}
		q, nd := v.Job(j), v.Need(j)
		if q.GPUs > v.Free().GPUs {
			continue
		}
		if v.EndIfStarted(q.Job) <= s {
			p.Start(j)
			continue
		}
		if before := v.Free(); extra.covers(nd) && p.Start(j) {
			extra = extra.minus(before.minus(v.Free()))
		}
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestEasyMatchesPlainScan(t *testing.T) {
	scan := policyDef{name: "easy-scan", farm: true, est: true, make: func() policy { return easyScan{} }}
	easyDef, _ := findPolicy("easy")
	seeds := []uint64{11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22}
	if testing.Short() {
		seeds = seeds[:2]
	}
	for _, sc := range suiteCases() {
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("%s/%d", sc.name, seed), func(t *testing.T) {
				w := suiteWorkload(seed, 600)
				got := checkRun(t, sc, easyDef, w)
				want := checkRun(t, sc, &scan, w)
				backfilled := 0
				for i := range w.Jobs {
					if !same(got.Start[i], want.Start[i]) || !same(got.End[i], want.End[i]) {
						t.Fatalf("job %d: easy runs it [%v, %v], the plain scan [%v, %v]", i, got.Start[i], got.End[i], want.Start[i], want.End[i])
					}
				}
				// The comparison means something only if jobs were backfilled: some job started
				// before a job that was submitted earlier.
				for i, j := range w.Jobs {
					for i2, j2 := range w.Jobs[:i] {
						if j2.Submit < j.Submit && got.Start[i] < got.Start[i2] {
							backfilled++
							break
						}
					}
				}
				if backfilled == 0 {
					t.Errorf("no job was backfilled: the workload does not exercise backfilling")
				}
			})
		}
	}
}

func same(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
