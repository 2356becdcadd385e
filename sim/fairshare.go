package sim

import (
	"cmp"
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
	order  []int
	key    []float64
	rank   []int32 // owners by priority
	bucket [][]int // waiting positions by owner
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
	// Owners by key, then their jobs in queue order: a stable sort of the queue by owner key, done
	// as buckets. Owners with equal keys are merged back into queue order.
	if len(p.bucket) != no {
		p.bucket, p.rank = make([][]int, no), make([]int32, no)
	}
	// Only owners with waiting jobs are ranked.
	act := p.rank[:0]
	for i, n := 0, v.Len(); i < n; i++ {
		if v.Waiting(i) {
			o := v.Owner(v.ID(i))
			if len(p.bucket[o]) == 0 {
				act = append(act, o)
			}
			p.bucket[o] = append(p.bucket[o], i)
		}
	}
	for _, o := range act {
		if sh := qs.share[o]; sh > 0 {
			p.key[o] = qs.usageAt(o, now) / sh
		} else {
			p.key[o] = math.Inf(1)
		}
	}
	slices.SortFunc(act, func(a, b int32) int {
		if c := cmp.Compare(p.key[a], p.key[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	order := p.order[:0]
	for r := 0; r < len(act); {
		e := r + 1
		for e < len(act) && p.key[act[e]] == p.key[act[r]] {
			e++
		}
		from := len(order)
		for _, o := range act[r:e] {
			order = append(order, p.bucket[o]...)
		}
		if e-r > 1 {
			slices.Sort(order[from:])
		}
		r = e
	}
	for _, o := range act {
		p.bucket[o] = p.bucket[o][:0]
	}
	backfillOrder(v, pl, order, nil)
	p.order = order[:0]
}
