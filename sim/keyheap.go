package sim

import "math"

// keyHeap is a binary min-heap of values by uint64 key, the engine's one heap shape: events by
// time, throttled jobs by virtual end, placed jobs by estimated end. Keys and values live in
// separate arrays so that a node's two children share a cache line. pop moves the hole to a leaf
// choosing the smaller child without a branch (integer keys compile to a flag set, and the
// comparisons are coin flips a branch would mispredict), then sifts the last element up, which is
// usually short. Entries with equal keys leave in an order fixed by the sequence of operations,
// so runs are reproducible.
type keyHeap[V any] struct {
	k []uint64
	v []V
}

func (h *keyHeap[V]) len() int { return len(h.k) }

func (h *keyHeap[V]) push(key uint64, v V) {
	h.k = append(h.k, key)
	h.v = append(h.v, v)
	ks, vs := h.k, h.v
	i := len(ks) - 1
	for i > 0 {
		p := (i - 1) >> 1
		if key >= ks[p] {
			break
		}
		ks[i], vs[i] = ks[p], vs[p]
		i = p
	}
	ks[i], vs[i] = key, v
}

// pop removes the entry with the smallest key and returns it; the heap must not be empty.
func (h *keyHeap[V]) pop() (uint64, V) {
	ks, vs := h.k, h.v
	topK, topV := ks[0], vs[0]
	n := len(ks) - 1
	lk, lv := ks[n], vs[n]
	ks, vs = ks[:n], vs[:n]
	h.k, h.v = ks, vs
	if n == 0 {
		return topK, topV
	}
	i := 0
	for {
		c := 2*i + 1
		if c+1 >= n {
			if c < n {
				ks[i], vs[i] = ks[c], vs[c]
				i = c
			}
			break
		}
		if ks[c+1] < ks[c] {
			c++
		}
		ks[i], vs[i] = ks[c], vs[c]
		i = c
	}
	for i > 0 {
		p := (i - 1) >> 1
		if lk >= ks[p] {
			break
		}
		ks[i], vs[i] = ks[p], vs[p]
		i = p
	}
	ks[i], vs[i] = lk, lv
	return topK, topV
}

// tkey maps a time to a uint64 with the same order; untkey inverts it.
func tkey(t float64) uint64 {
	u := math.Float64bits(t)
	if u>>63 != 0 {
		return ^u
	}
	return u | 1<<63
}

func untkey(k uint64) float64 {
	if k>>63 != 0 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}
