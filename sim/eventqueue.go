package sim

// eventQueue holds the engine's events by time (a keyHeap on tkey(time)). Events with equal
// times leave in an order fixed by the sequence of operations; the engine applies all of them
// before scheduling, so that order never changes a schedule.
type eventQueue struct {
	keyHeap[uint64] // value: ref<<32 | gen
}

// earliest returns the earliest event time; the queue must not be empty.
func (q *eventQueue) earliest() float64 { return untkey(q.k[0]) }

func (q *eventQueue) push(e event) { q.keyHeap.push(tkey(e.t), uint64(e.ref)<<32|uint64(e.gen)) }

// pop takes an earliest event.
func (q *eventQueue) pop() event {
	k, v := q.keyHeap.pop()
	return event{t: untkey(k), ref: uint32(v >> 32), gen: uint32(v)}
}
