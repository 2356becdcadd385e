package sim

import (
	"math"
	"sort"
)

// sizeQueue holds the waiting jobs of one GPU count in queue order, with a min-tree over their
// estimates, so that backfilling finds "the first job after position p whose estimate is at most x"
// in O(log n) instead of scanning the queue. Removed jobs stay as +Inf leaves until a rebuild.
type sizeQueue struct {
	g    int32
	ids  []int32   // job ids, increasing (queue order for a first-come queue)
	tree []float64 // min-tree: root at 1, leaf i at size+i; +Inf for removed and unused leaves
	size int
	live int
	lo   int // entries before lo are all removed
}

func (q *sizeQueue) add(id int32, est float64) {
	if len(q.ids) == q.size {
		q.rebuild()
	}
	i := len(q.ids)
	q.ids = append(q.ids, id)
	q.set(i, min(est, math.MaxFloat64))
	q.live++
}

// remove drops job id, which must be present.
func (q *sizeQueue) remove(id int32) {
	i := q.lo
	if q.ids[i] != id {
		i = q.lo + sort.Search(len(q.ids)-q.lo, func(j int) bool { return q.ids[q.lo+j] >= id })
	}
	q.set(i, math.Inf(1))
	q.live--
	for q.lo < len(q.ids) && math.IsInf(q.tree[q.size+q.lo], 1) {
		q.lo++
	}
}

func (q *sizeQueue) set(i int, v float64) {
	j := q.size + i
	q.tree[j] = v
	for j > 1 {
		j >>= 1
		q.tree[j] = min(q.tree[2*j], q.tree[2*j+1])
	}
}

// rebuild drops removed entries and makes room for at least as many again.
func (q *sizeQueue) rebuild() {
	var ids []int32
	var vals []float64
	for i, id := range q.ids {
		if v := q.tree[q.size+i]; !math.IsInf(v, 1) {
			ids = append(ids, id)
			vals = append(vals, v)
		}
	}
	size := 16
	for size < 2*len(ids) {
		size *= 2
	}
	q.size = size
	q.ids = append(q.ids[:0], ids...)
	q.tree = make([]float64, 2*size)
	for i := range size {
		q.tree[size+i] = math.Inf(1)
	}
	copy(q.tree[size:], vals)
	for j := size - 1; j >= 1; j-- {
		q.tree[j] = min(q.tree[2*j], q.tree[2*j+1])
	}
	q.lo = 0
}

// first returns the id of the first job after job id `after` whose estimate is at most x
// (x <= MaxFloat64), or -1.
func (q *sizeQueue) first(after int32, x float64) int32 {
	t := q.tree
	if q.live == 0 || t[1] > x { // nothing in the list qualifies
		return -1
	}
	i0 := q.lo
	if q.ids[i0] <= after {
		i0 += sort.Search(len(q.ids)-i0, func(j int) bool { return q.ids[i0+j] > after })
		if i0 >= len(q.ids) {
			return -1
		}
	}
	j := q.size + i0
	if t[j] > x {
		for {
			for j&1 == 1 { // climb while j is a right child
				j >>= 1
				if j <= 1 {
					return -1
				}
			}
			j++ // the right sibling covers the next positions
			if t[j] <= x {
				break
			}
		}
		for j < q.size {
			j *= 2
			if t[j] > x {
				j++
			}
		}
	}
	return q.ids[j-q.size]
}
