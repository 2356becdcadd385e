package sim

import (
	"math"
	"sort"
)

// easy is EASY backfilling (Lifka 1995; Mu'alem and Feitelson 2001). Jobs start in queue order
// while they fit. When the head H does not, it gets a reservation at its shadow time s: the earliest
// estimated end of a running job at which the GPUs (and, under a cap, the power) then free cover
// H's need, counting every job estimated to end exactly at s; extra is what is free at s beyond H's
// need. Each later job J, in queue order, starts now if it fits now and either ends by s
// (now + estimate <= s; at a throttled site the estimate runs at the current speed) or takes no
// more than extra (which it then uses up).
//
// The backfill scan does not walk the queue: the waiting jobs are indexed by GPU count, each count
// with a min-tree of estimates, so the next job that could qualify is found in O(counts * log n).
// The decisions are exactly those of the scan in queue order: state only shrinks during a pass
// (free GPUs, extra), so a job passed over stays unqualified.
type easy struct {
	sizes []sizeQueue // by GPU count, ascending
	seen  int32       // highest job id indexed

	// The reservation of the last pass, reused while the pool's version is unchanged (nothing freed
	// or started since), the head is the same, s is still ahead and refusals are final.
	valid   bool
	ver     uint64
	head    int32
	s       float64
	extra   room
	scanned int32 // highest job id the last pass looked at: none up to it qualified then
}

var _ policy = (*easy)(nil)

func newEasy() policy { return &easy{seen: -1} }

func (p *easy) Schedule(v *view, pl *plan) {
	n := v.Len()
	now := v.Now()
	cur := int32(-1)
	// Refusals are final until something is freed when fitting can only get harder as jobs start
	// (see view.RefusalsFinal).
	final := v.RefusalsFinal()
	if final && p.valid && p.ver == v.Version() && n > 0 && v.ID(0) == p.head && p.s > now {
		// Nothing freed or started since the last pass and time only moved on: the head still
		// does not fit, the reservation stands, and the jobs the pass looked at would be refused
		// again, so only later arrivals need a look.
		cur = p.scanned
	} else {
		i := 0
		for ; i < n; i++ {
			if !v.Waiting(i) {
				continue
			}
			k, g := v.ID(i), v.GPUs(i)
			if !pl.Start(i) {
				break
			}
			if k <= p.seen {
				p.list(g).remove(k)
			}
		}
		if i == n {
			p.valid = false
			return
		}
		p.head = v.ID(i)
		p.s, p.extra = p.shadow(v, v.Need(i))
		cur = p.head
	}
	p.index(v)
	s, extra := p.s, p.extra
	// Candidates by estimate: est <= (s - now) * speed, with slack for rounding; the exact test
	// (EndIfStarted <= s) follows.
	short := min((s-now)*v.Speed()*(1+1e-9)+1e-9*max(1, math.Abs(s)), math.MaxFloat64)
	var blocked uint64 // sizes (by index, first 64) that cannot start this pass
	stale := false
	own := v.OwnDraws()
	for {
		free := v.Free()
		if free.GPUs < v.MinGPUs() {
			break
		}
		best, bi := int32(-1), -1
		for i := range p.sizes {
			q := &p.sizes[i]
			if q.g > free.GPUs {
				break
			}
			if q.live == 0 || (i < 64 && blocked&(1<<i) != 0) {
				continue
			}
			x := short
			if q.g <= extra.GPUs && (own || extra.Power >= v.NeedFor(q.g).Power) {
				x = math.MaxFloat64
			}
			if k := q.first(cur, x); k >= 0 && (best < 0 || k < best) {
				best, bi = k, i
			}
		}
		if best < 0 {
			break
		}
		cur = best
		fits := v.EndIfStarted(best) <= s
		need := v.NeedOf(best)
		if !fits && !extra.covers(need) {
			continue
		}
		switch o := pl.StartJob(best); o {
		case started:
			p.sizes[bi].remove(best)
			took := free.minus(v.Free()) // powering nodes on included
			if !fits {
				extra = extra.minus(took)
			}
			// It took more than it gives back when it ends (a node it powered on stays on): the
			// reservation no longer holds as computed, so compute it afresh next time.
			stale = stale || took != v.Holds(best)
		case noRoom, noPower:
			// Nothing freed since: every later job of this size gets no better placement and,
			// without draws of their own and with final refusals, needs no less power.
			if bi < 64 && (o == noRoom || !own && final) {
				blocked |= 1 << bi
			}
		}
	}
	// A job that took more power than its estimated need (mixed GPU types under a cap) can also
	// leave extra negative.
	p.valid = !stale && extra.GPUs >= 0 && extra.Power >= 0
	p.ver, p.s, p.extra, p.scanned = v.Version(), s, extra, p.seen
}

// index adds the jobs that joined the queue since the last pass and are still waiting: they are
// its tail, in id order (jobs started by this pass's first-come part are holes before them, and
// are never indexed, which spares most jobs of an uncongested pool the index altogether).
func (p *easy) index(v *view) {
	n := v.Len()
	i := n
	for i > 0 && v.ID(i-1) > p.seen {
		i--
	}
	for ; i < n; i++ {
		j := v.Job(i)
		p.list(j.GPUs).add(j.Job, j.Estimate)
		p.seen = j.Job
	}
}

// list returns the size queue for g GPUs, creating it in order.
func (p *easy) list(g int32) *sizeQueue {
	i := sort.Search(len(p.sizes), func(i int) bool { return p.sizes[i].g >= g })
	if i == len(p.sizes) || p.sizes[i].g != g {
		p.sizes = append(p.sizes, sizeQueue{})
		copy(p.sizes[i+1:], p.sizes[i:])
		p.sizes[i] = sizeQueue{g: g}
	}
	return &p.sizes[i]
}

// shadow finds the head's reservation: s, the earliest estimated end at which enough is free, and
// extra, what is free at s beyond need. s is +Inf when the running jobs can never free enough
// (power held by other pools of the site): then nothing is reserved.
func (p *easy) shadow(v *view, need room) (s float64, extra room) {
	acc := v.Free()
	s = math.Inf(1)
	if acc.covers(need) { // node fragmentation or power only: the reservation is now
		s = v.Now()
	}
	for r := v.Running(); r.Next(); {
		end := r.End()
		if end > s {
			break
		}
		acc = acc.plus(r.Frees())
		if math.IsInf(s, 1) && acc.covers(need) {
			s = end
		}
	}
	if math.IsInf(s, 1) {
		return s, room{}
	}
	return s, acc.minus(need)
}
