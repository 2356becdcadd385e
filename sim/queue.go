package sim

import (
	"math"
	"sort"
)

// queue holds a pool's waiting jobs in scheduling order. Positions are stable during a
// scheduling pass: a job k that starts leaves a hole (^k, negative). After the pass leading holes
// are dropped, and the rest are closed only once they outnumber the waiting jobs, so that
// backfilling deep in a long queue costs O(1) per start, amortized, rather than a shift of the
// queue. Unless a policy reorders it, the queue is in job id order, holes included, so a job is
// found by binary search.
type queue struct {
	jobs []int32
	// Each entry's GPUs and duration travel with it: a pass then reads no job record to test or
	// start its head, and records of jobs that waited long are no longer in cache.
	gs      []int32
	ds      []float64
	head    int
	holes   int     // holes at positions head and beyond
	live    int     // jobs waiting
	count   []int32 // waiting jobs by GPU count, to know the smallest request
	minG    int32   // smallest request waiting; MaxInt32 when none
	ordered bool    // in job id order (holes by the id they held)
}

func (q *queue) init(maxG int32) {
	q.count = make([]int32, maxG+1)
	q.minG = math.MaxInt32
	q.ordered = true
}

func (q *queue) len() int          { return len(q.jobs) - q.head }
func (q *queue) at(i int) int32    { return q.jobs[q.head+i] }
func (q *queue) gpus(i int) int32  { return q.gs[q.head+i] }
func (q *queue) dur(i int) float64 { return q.ds[q.head+i] }
func (q *queue) entries() []int32  { return q.jobs[q.head:] }

func (q *queue) push(job, g int32, d float64) {
	if q.head > 0 && len(q.jobs) == cap(q.jobs) && q.head >= len(q.jobs)/2 {
		n := copy(q.jobs, q.jobs[q.head:])
		copy(q.gs, q.gs[q.head:])
		copy(q.ds, q.ds[q.head:])
		q.jobs, q.gs, q.ds = q.jobs[:n], q.gs[:n], q.ds[:n]
		q.head = 0
	}
	q.jobs = append(q.jobs, job)
	q.gs = append(q.gs, g)
	q.ds = append(q.ds, d)
	q.live++
	q.count[g]++
	if g < q.minG {
		q.minG = g
	}
}

// find returns the position of waiting job k, or -1.
func (q *queue) find(k int32) int {
	e := q.entries()
	if q.ordered {
		i := sort.Search(len(e), func(i int) bool {
			x := e[i]
			if x < 0 {
				x = ^x
			}
			return x >= k
		})
		if i < len(e) && e[i] == k {
			return i
		}
		return -1
	}
	for i, x := range e {
		if x == k {
			return i
		}
	}
	return -1
}

// take removes the job at position i, which must not be a hole, leaving a hole.
func (q *queue) take(i int, g int32) {
	q.jobs[q.head+i] = ^q.jobs[q.head+i]
	q.holes++
	q.live--
	q.count[g]--
	if q.count[g] == 0 && g == q.minG {
		q.minG = math.MaxInt32
		if q.live > 0 {
			for x := g + 1; x < int32(len(q.count)); x++ {
				if q.count[x] > 0 {
					q.minG = x
					break
				}
			}
		}
	}
}

// tidy runs after a pass: it drops leading holes, and closes all holes once they outnumber the
// waiting jobs.
func (q *queue) tidy() {
	for q.head < len(q.jobs) && q.jobs[q.head] < 0 {
		q.head++
		q.holes--
	}
	if q.holes > 16 && q.holes > q.live {
		q.compact()
	}
	if q.head == len(q.jobs) {
		q.jobs, q.gs, q.ds = q.jobs[:0], q.gs[:0], q.ds[:0]
		q.head = 0
	}
}

// compact closes every hole, keeping the order of the waiting jobs.
func (q *queue) compact() {
	if q.holes == 0 {
		return
	}
	w := q.head
	for r := q.head; r < len(q.jobs); r++ {
		if j := q.jobs[r]; j >= 0 {
			q.jobs[w], q.gs[w], q.ds[w] = j, q.gs[r], q.ds[r]
			w++
		}
	}
	q.jobs, q.gs, q.ds = q.jobs[:w], q.gs[:w], q.ds[:w]
	q.holes = 0
}
