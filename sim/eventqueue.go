package sim

import (
	"math"
	"math/bits"
)

// eventQueue is a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan 1990) of events by time. It relies
// on what a discrete-event simulation guarantees: no event is scheduled before the last one taken.
// Looking at the earliest time does not take anything, so arrivals (read from the sorted jobs, not
// queued) may come before it and schedule events of their own.
// Bucket b holds events whose time key differs from the last taken key first at bit b-1, so a push
// is an append and each event moves down a few buckets over its life, with no comparisons between
// unrelated events, which makes it several times cheaper than a comparison heap here. Events with
// equal times leave in an order fixed by the sequence of operations, so runs are reproducible; the
// engine applies all of them before scheduling, so that order never changes a schedule.
type eventQueue struct {
	last  uint64 // key of the last event taken
	n     int
	b     [65][]event
	minOK bool    // minT caches the earliest time in buckets 1 and up
	minT  float64 // valid when minOK
}

// tkey maps a time to a uint64 with the same order.
func tkey(t float64) uint64 {
	u := math.Float64bits(t)
	if u>>63 != 0 {
		return ^u
	}
	return u | 1<<63
}

func (q *eventQueue) len() int { return q.n }

func (q *eventQueue) push(e event) {
	k := tkey(e.t)
	i := bits.Len64(k ^ q.last)
	q.b[i] = append(q.b[i], e)
	q.n++
	if i > 0 && q.minOK && e.t < q.minT { // the cache covers buckets 1 and up
		q.minT = e.t
	}
}

// earliest returns the earliest event time; the queue must not be empty.
func (q *eventQueue) earliest() float64 {
	if len(q.b[0]) > 0 {
		return q.b[0][0].t
	}
	if !q.minOK {
		i := 1
		for len(q.b[i]) == 0 {
			i++
		}
		m := q.b[i][0].t
		for _, e := range q.b[i][1:] {
			m = min(m, e.t)
		}
		q.minT, q.minOK = m, true
	}
	return q.minT
}

// pop takes an earliest event; the caller has reached its time, so later pushes are not earlier.
func (q *eventQueue) pop() event {
	if len(q.b[0]) == 0 {
		q.settle()
	}
	e := q.b[0][len(q.b[0])-1]
	q.b[0] = q.b[0][:len(q.b[0])-1]
	q.n--
	return e
}

// settle refills bucket 0 from the first non-empty bucket: its smallest key becomes last, and every
// event in it moves to a lower bucket.
func (q *eventQueue) settle() {
	i := 1
	for len(q.b[i]) == 0 {
		i++
	}
	bk := q.b[i]
	m := tkey(bk[0].t)
	for _, e := range bk[1:] {
		m = min(m, tkey(e.t))
	}
	q.last = m
	for _, e := range bk {
		j := bits.Len64(tkey(e.t) ^ m)
		q.b[j] = append(q.b[j], e)
	}
	q.b[i] = bk[:0]
	q.minOK = false
}
