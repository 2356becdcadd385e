package sim

import (
	"cmp"
	"math"
	"slices"
)

// fairshare orders the queue by owner priority and backfills over that order. An owner's
// priority is their decayed usage (GPU-seconds, halving every Options.FairShare.HalfLifeS,
// default 7 days, integrated exactly between events) divided by their share (Options.FairShare.Shares or
// their GPUs in the Cluster, normalized): the lowest ratio first, ties in queue order; within an
// owner, queue order. The pass is EASY backfilling over the priority order (backfillOrder), so
// an owner under their share gets the reservation and the others fill around it. Under a
// saturated load every owner's delivered GPU-hours converge to their share.
type fairshare struct {
	order  []int
	key    []float64
	rank   []int32 // owners by priority
	bucket [][]int // waiting positions by owner
	prev   []int32 // the last pass's ranking, the starting point of this one's sort
	mark   []uint32
	pass   uint32
	res    reservation
}

var _ policy = (*fairshare)(nil)

func newFairshare() policy { return &fairshare{} }

func (p *fairshare) Schedule(v *view, pl *plan) {
	if v.Free().GPUs < v.MinGPUs() {
		// Every waiting job needs more GPUs than are free, so the pass would start nothing
		// whatever the order; the reservation kept from an earlier pass stays as good as it was.
		return
	}
	no := v.Owners()
	if len(p.key) != no {
		p.key = make([]float64, no)
	}
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
	if len(act) > 1 { // one owner waiting needs no ranking (nor the exponentials of usageAt)
		for _, o := range act {
			if sh := v.Share(o); sh > 0 {
				p.key[o] = v.Usage(o) / sh
			} else {
				p.key[o] = math.Inf(1)
			}
		}
		act = p.sortActive(act)
	}
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
	backfillOrder(v, pl, order, nil, &p.res)
	p.order = order[:0]
}

// less is the ranking's total order: key, then owner index.
func (p *fairshare) less(a, b int32) bool {
	c := cmp.Compare(p.key[a], p.key[b])
	return c < 0 || c == 0 && a < b
}

// sortActive sorts the active owners by (key, owner). Keys move little from pass to pass, so it starts
// from the last pass's ranking (owners that have no waiting jobs now dropped, newly active ones
// appended) and insertion-sorts, falling back to a full sort when that order is far off. The
// order is total, so the result is the same either way.
func (p *fairshare) sortActive(act []int32) []int32 {
	if len(p.mark) != len(p.key) {
		p.mark = make([]uint32, len(p.key))
	}
	if p.pass++; p.pass == 0 {
		clear(p.mark)
		p.pass = 1
	}
	for _, o := range act {
		p.mark[o] = p.pass
	}
	// Rebuild act as the still-active owners in last pass's order, then the rest.
	out := p.prev[:0]
	for _, o := range p.prev {
		if p.mark[o] == p.pass {
			out = append(out, o)
			p.mark[o] = p.pass - 1 // placed
		}
	}
	for _, o := range act {
		if p.mark[o] == p.pass {
			out = append(out, o)
		}
	}
	copy(act, out)
	moves, limit := 0, 8*len(act)+64
	for i := 1; i < len(act); i++ {
		o := act[i]
		j := i
		for j > 0 && p.less(o, act[j-1]) {
			act[j] = act[j-1]
			j--
		}
		act[j] = o
		if moves += i - j; moves > limit {
			slices.SortFunc(act, func(a, b int32) int {
				if c := cmp.Compare(p.key[a], p.key[b]); c != 0 {
					return c
				}
				return cmp.Compare(a, b)
			})
			break
		}
	}
	p.prev = append(out[:0], act...)
	return act
}
