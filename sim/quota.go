package sim

import "math"

// quota guarantees every owner their quota of the farm pool and lends what is idle.
//
// Classes. At every pass each owner's waiting jobs, in queue order, are in quota while the GPUs
// the owner holds plus those jobs' GPUs stay within the quota; from the owner's first job that
// would exceed it on, every later job of the owner is over quota (an owner's jobs keep their
// first-come order, as in their private pool). The priority order is the in-quota jobs in queue
// order, then the over-quota jobs in queue order, and the pass is EASY backfilling over it
// (backfillOrder). Over-quota jobs borrow idle GPUs; with Options.QuotaNoBorrow they never
// start. When no quota binds, every job is in quota and the pass is exactly easy's.
//
// Preemption. When an in-quota job does not fit in the first-come part and some owners hold more
// than their quota, running jobs of those owners are preempted: repeatedly a job of the owner
// most over quota (ties: lowest owner index), the most recently started of theirs (ties: highest
// job id), as long as the owner is still over quota. Nobody is preempted unless the victims so
// chosen free enough (GPUs and power) for the job; with node placement more may be taken while
// it still does not fit. Booting jobs are never preempted.
//
// Violations. A job's guarantee clock starts at the first pass that finds it in quota; if it
// starts more than Options.QuotaGraceS (default 60 s) later, its owner gets a violation.
type quota struct {
	order, over []int
	cum         []int64 // by owner, valid when stamp is the pass's
	blocked     []bool
	stamp       []uint32
	pass        uint32
	since       []float64 // by job: first time found in quota while waiting; NaN when not
	cands       []victim
	excess      []int64
}

type victim struct {
	job   int32
	owner int32
	start float64
	frees room
}

var _ policy = (*quota)(nil)

func newQuota() policy { return &quota{} }

const defaultGraceS = 60

func (p *quota) Schedule(v *view, pl *plan) {
	no := v.Owners()
	if len(p.cum) != no {
		p.cum, p.blocked, p.excess = make([]int64, no), make([]bool, no), make([]int64, no)
		p.stamp = make([]uint32, no)
	}
	if p.pass++; p.pass == 0 { // wrapped: every stamp may look current
		clear(p.stamp)
		p.pass = 1
	}
	now := v.Now()
	borrow := !v.Options().QuotaNoBorrow
	in, over := p.order[:0], p.over[:0]
	for i, n := 0, v.Len(); i < n; i++ {
		if !v.Waiting(i) {
			continue
		}
		k, g := v.ID(i), v.GPUs(i)
		o := v.Owner(k)
		if p.stamp[o] != p.pass {
			p.stamp[o], p.cum[o], p.blocked[o] = p.pass, int64(v.Held(o)), false
		}
		if !p.blocked[o] && p.cum[o]+int64(g) <= int64(v.Quota(o)) {
			p.cum[o] += int64(g)
			in = append(in, i)
			p.clock(k, now)
		} else {
			p.blocked[o] = true
			if borrow {
				over = append(over, i)
			}
		}
	}
	nIn := len(in)
	order := append(in, over...)
	backfillOrder(v, pl, order, func(h int) bool { return h < nIn && p.rescue(v, pl, order[h]) })
	grace := v.Options().QuotaGraceS
	if grace <= 0 {
		grace = defaultGraceS
	}
	for _, i := range order {
		if v.Waiting(i) {
			continue
		}
		k := ^v.ID(i) // started in this pass
		if int(k) < len(p.since) && !math.IsNaN(p.since[k]) {
			if now-p.since[k] > grace {
				pl.Violation(k)
			}
			p.since[k] = math.NaN()
		}
	}
	p.order, p.over = order[:0], over[:0]
}

// clock starts job k's guarantee clock if it is not running yet.
func (p *quota) clock(k int32, now float64) {
	for int(k) >= len(p.since) {
		p.since = append(p.since, math.NaN())
	}
	if math.IsNaN(p.since[k]) {
		p.since[k] = now
	}
}

// rescue preempts borrowers so that the in-quota job at position i can start, and starts it.
func (p *quota) rescue(v *view, pl *plan, i int) bool {
	if v.e.qs.overN == 0 {
		return false
	}
	anyOver := false
	for o := range p.excess {
		p.excess[o] = int64(v.Held(int32(o))) - int64(v.Quota(int32(o)))
		anyOver = anyOver || p.excess[o] > 0
	}
	if !anyOver {
		return false
	}
	// Every placed job is in the pool's estimate heap; its order does not matter here (victims
	// are chosen by owner, start and id), so the heap is read as an array.
	c := p.cands[:0]
	h := v.pl.est
	for x, k := range h.job {
		if v.e.estDead(k, h.key[x]) || !v.IsRunning(k) {
			continue
		}
		if o := v.Owner(k); p.excess[o] > 0 && v.Holds(k).GPUs > 0 {
			c = append(c, victim{job: k, owner: o, start: v.StartOf(k), frees: v.Holds(k)})
		}
	}
	p.cands = c
	// next picks the next victim (see the type's comment) and removes it from c.
	next := func() (victim, bool) {
		best := -1
		for x, cv := range c {
			if p.excess[cv.owner] <= 0 {
				continue
			}
			if best < 0 {
				best = x
				continue
			}
			b := c[best]
			switch eo, eb := p.excess[cv.owner], p.excess[b.owner]; {
			case eo != eb:
				if eo > eb {
					best = x
				}
			case cv.owner != b.owner:
				if cv.owner < b.owner {
					best = x
				}
			case cv.start != b.start:
				if cv.start > b.start {
					best = x
				}
			case cv.job > b.job:
				best = x
			}
		}
		if best < 0 {
			return victim{}, false
		}
		vic := c[best]
		c[best] = c[len(c)-1]
		c = c[:len(c)-1]
		p.excess[vic.owner] -= int64(vic.frees.GPUs)
		return vic, true
	}
	need := v.Need(i)
	acc := v.Free()
	var chosen []victim
	for !acc.covers(need) {
		vic, ok := next()
		if !ok {
			return false // preempting every borrower would not make room: preempt nobody
		}
		chosen = append(chosen, vic)
		acc = acc.plus(vic.frees)
	}
	for _, vic := range chosen {
		pl.Preempt(vic.job)
	}
	for !pl.Start(i) { // node placement: the freed GPUs may sit on the wrong nodes
		vic, ok := next()
		if !ok {
			return false
		}
		pl.Preempt(vic.job)
	}
	return true
}
