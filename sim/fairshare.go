package sim

import (
	"math"
	"slices"
)

// fairshare orders the queue by owner priority and backfills over that order. An owner's
// priority is their decayed usage (GPU-seconds, halving every Options.FairShareHalfLifeS,
// default 7 days, integrated exactly between events) divided by their share (Options.Shares or
// their GPUs in the Cluster, normalized): the lowest ratio first, ties in queue order; within an
// owner, queue order. The pass is EASY backfilling over the priority order (backfillOrder), so
// an owner under their share gets the reservation and the others fill around it. Under a
// saturated load every owner's delivered GPU-hours converge to their share.
type fairshare struct {
	order []int
	key   []float64
}

var _ policy = (*fairshare)(nil)

func newFairshare() policy { return &fairshare{} }

func (p *fairshare) Schedule(v *view, pl *plan) {
	no := v.Owners()
	if len(p.key) != no {
		p.key = make([]float64, no)
	}
	qs := v.e.qs
	now := v.Now()
	for o := range no {
		if sh := qs.share[o]; sh > 0 {
			p.key[o] = qs.usageAt(int32(o), now) / sh
		} else {
			p.key[o] = math.Inf(1)
		}
	}
	order := p.order[:0]
	for i, n := 0, v.Len(); i < n; i++ {
		if v.Waiting(i) {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ka, kb := p.key[v.Owner(v.ID(a))], p.key[v.Owner(v.ID(b))]
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	backfillOrder(v, pl, order, nil)
	p.order = order[:0]
}
