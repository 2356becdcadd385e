package sim

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestLedgerOvers checks that overs lists exactly the owners over quota, in owner order, for
// seeded random over-quota sets of several sizes (word boundaries included).
func TestLedgerOvers(t *testing.T) {
	cases := []struct {
		owners int
		p      float64 // chance that an owner is over quota
	}{{1, 0.5}, {63, 0.3}, {64, 0.9}, {65, 0.1}, {300, 0.4}, {300, 0}, {300, 1}}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range cases {
		for range 20 {
			l := &ownerLedger{over: make([]uint64, (c.owners+63)/64)}
			var want []int32
			for o := range c.owners {
				if rng.Float64() < c.p {
					l.over[o>>6] |= 1 << (o & 63)
					want = append(want, int32(o))
				}
			}
			got := l.overs([]int32{-1})
			if got[0] != -1 || !slices.Equal(got[1:], want) { // appends after what buf holds
				t.Fatalf("%d owners: overs %v, want [-1] then %v", c.owners, got, want)
			}
		}
	}
}
