package sim

import "math"

// eventQueue is a binary min-heap of events by time. Times are kept as order-preserving integer
// keys, in their own array so that a node's two children share a cache line; pop moves the hole
// to a leaf choosing the smaller child without a branch (integer keys compile to a flag set, and
// the comparisons are coin flips a branch would mispredict), then sifts the last element up, which
// is usually short. Events with equal times leave in an order fixed by the sequence of operations,
// so runs are reproducible; the engine applies all of them before scheduling, so that order never
// changes a schedule.
type eventQueue struct {
	k []uint64 // tkey(time)
	v []uint64 // ref<<32 | gen
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

func (q *eventQueue) len() int { return len(q.k) }

// earliest returns the earliest event time; the queue must not be empty.
func (q *eventQueue) earliest() float64 { return untkey(q.k[0]) }

func (q *eventQueue) push(e event) {
	key, v := tkey(e.t), uint64(e.ref)<<32|uint64(e.gen)
	q.k = append(q.k, key)
	q.v = append(q.v, v)
	ks, vs := q.k, q.v
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

// pop takes an earliest event.
func (q *eventQueue) pop() event {
	ks, vs := q.k, q.v
	top := event{t: untkey(ks[0]), ref: uint32(vs[0] >> 32), gen: uint32(vs[0])}
	n := len(ks) - 1
	lk, lv := ks[n], vs[n]
	ks, vs = ks[:n], vs[:n]
	q.k, q.v = ks, vs
	if n == 0 {
		return top
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
	return top
}
