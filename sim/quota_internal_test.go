package sim

import (
	"fmt"
	"math"
	"testing"
)

// TestQuotaNonBindingEqualsEasyEverywhere: with quotas above any owner's demand, quota makes
// easy's decisions on every suite cluster (caps in both modes, power-off, mixed types, node
// placement, over-estimates), under the suite's invariant checks.
func TestQuotaNonBindingEqualsEasyEverywhere(t *testing.T) {
	quota, _ := findPolicy("quota")
	easy, _ := findPolicy("easy")
	seeds := []uint64{1, 2, 3}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, sc := range suiteCases() {
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("%s/%d", sc.name, seed), func(t *testing.T) {
				w := suiteWorkload(seed, 300)
				sc.opt.Quota.Quotas = map[string]int{}
				for _, o := range sc.c.Owners {
					sc.opt.Quota.Quotas[o.Name] = 1 << 30
				}
				got := checkRun(t, sc, quota, w)
				want := checkRun(t, sc, easy, w)
				same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
				for i := range w.Jobs {
					if !same(got.Start[i], want.Start[i]) || !same(got.End[i], want.End[i]) {
						t.Fatalf("job %d: quota runs it [%v, %v], easy [%v, %v]", i, got.Start[i], got.End[i], want.Start[i], want.End[i])
					}
				}
				if got.Preemptions != 0 {
					t.Errorf("%d preemptions", got.Preemptions)
				}
			})
		}
	}
}
