package sim

import (
	"math"
	"slices"
)

// quota guarantees every owner their quota of the farm pool and lends what is idle.
//
// Classes. At every pass each owner's waiting jobs, in queue order, are in quota while the GPUs
// the owner holds plus those jobs' GPUs stay within the quota; from the owner's first job that
// would exceed it on, every later job of the owner is over quota (an owner's jobs keep their
// first-come order, as in their private pool). The priority order is the in-quota jobs in queue
// order, then the over-quota jobs in queue order, and the pass is EASY backfilling over it
// (backfillOrder). Over-quota jobs borrow idle GPUs; with Options.Quota.NoBorrow they never
// start. When no quota binds, every job is in quota and the pass is exactly easy's.
//
// Preemption. When an in-quota job does not fit in the first-come part and some owners hold more
// than their quota, running jobs of those owners are preempted: repeatedly a job of the owner
// most over quota (ties: lowest owner index), the most recently started of theirs (ties: the later
// in queue order, even when the two began in different passes at one instant), as long as the
// owner is still over quota. Nobody is preempted unless the victims so chosen free enough (GPUs
// and power) for the job; with node placement more may be taken while it still does not fit.
// Booting jobs are never preempted.
//
// Violations. A job's guarantee clock starts at the first pass that finds it in quota; if it
// starts more than Options.Quota.GraceS (default 60 s) later, its owner gets a violation.
type quota struct {
	order, over []int
	cum         []int64 // by owner, valid when stamp is the pass's
	blocked     []bool
	stamp       []uint32
	pass        uint32
	since       []float64 // by job: first time found in quota while waiting; NaN when not
	excess      []int64
	overs       []int32
	cursor      []int32 // by owner: the next victim candidate, walking back from the latest start
	chosen      []int32
	res         reservation
}

var _ policy = (*quota)(nil)

func newQuota() policy { return &quota{} }

const defaultGraceS = 60

func (p *quota) Schedule(v *view, pl *plan) {
	no := v.Owners()
	if len(p.cum) != no {
		p.cum, p.blocked, p.excess = make([]int64, no), make([]bool, no), make([]int64, no)
		p.stamp, p.cursor = make([]uint32, no), make([]int32, no)
	}
	if p.since == nil {
		// One clock per job at most: room for all of them up front, rather than a slice grown
		// (and copied) by doubling.
		p.since = make([]float64, 0, v.Jobs())
	}
	if p.pass++; p.pass == 0 { // wrapped: every stamp may look current
		clear(p.stamp)
		p.pass = 1
	}
	now := v.Now()
	opt := v.Options()
	borrow := !opt.Quota.NoBorrow
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
	if v.Free().GPUs < v.MinGPUs() && (nIn == 0 || v.OwnersOver() == 0) {
		// Nothing fits and nobody can be preempted (rescue needs an owner over quota): the pass
		// would start nothing. The classes above are still taken, for the guarantee clocks.
		p.order, p.over = order[:0], over[:0]
		return
	}
	backfillOrder(v, pl, order, func(h int) bool { return h < nIn && p.rescue(v, pl, order[h]) }, &p.res)
	grace := opt.Quota.GraceS
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
	if v.OwnersOver() == 0 {
		return false
	}
	// Owners over quota, each with a cursor on their running jobs from the latest started.
	overs := p.overs[:0]
	for o := range p.excess {
		if p.excess[o] = int64(v.Held(int32(o))) - int64(v.Quota(int32(o))); p.excess[o] > 0 {
			overs = append(overs, int32(o))
			p.cursor[o] = v.LatestRun(int32(o))
		}
	}
	p.overs = overs
	chosen := p.chosen[:0]
	// next picks the next victim (see the type's comment).
	next := func() (int32, bool) {
		for {
			best := int32(-1)
			for _, o := range overs {
				if p.excess[o] > 0 && (best < 0 || p.excess[o] > p.excess[best]) { // ties: overs is in owner order
					best = o
				}
			}
			if best < 0 {
				return -1, false
			}
			if k := p.victimOf(v, best, chosen); k >= 0 {
				p.excess[best] -= int64(v.GPUsOf(k))
				return k, true
			}
			p.excess[best] = 0 // nothing of theirs to take in this pool
		}
	}
	need := v.Need(i)
	acc := v.Free()
	for !acc.covers(need) {
		k, ok := next()
		if !ok {
			p.chosen = chosen
			return false // preempting every borrower would not make room: preempt nobody
		}
		chosen = append(chosen, k)
		acc = acc.plus(v.Holds(k))
	}
	p.chosen = chosen
	for _, k := range chosen {
		pl.Preempt(k)
	}
	for !pl.Start(i) { // node placement: the freed GPUs may sit on the wrong nodes
		k, ok := next()
		if !ok {
			return false
		}
		pl.Preempt(k)
	}
	return true
}

// victimOf takes owner o's next victim in this pool: of their running jobs not yet chosen, the
// one started last, ties broken by the later queue position (the higher engine id). It returns -1
// when none is left.
//
// The owner's list is in the order the jobs began, so start times only grow along it, and the
// cursor walks it back from the latest. Jobs that began at one instant but in different passes
// (a zero-length job's completion makes another pass at its instant) are in pass order there, not
// in queue order: the candidate is the highest id among the cursor's job and those just before it
// with the same start. Chosen jobs stay linked until the choice is made, so they are skipped.
func (p *quota) victimOf(v *view, o int32, chosen []int32) int32 {
	// Jobs in other pools (a Lab owner's private pool) free nothing here.
	other := func(k int32) bool { return !v.InPool(k) }
	c := p.cursor[o]
	for c >= 0 && (other(c) || slices.Contains(chosen, c)) {
		c = v.PrevRun(c)
	}
	if p.cursor[o] = c; c < 0 {
		return -1
	}
	k := c
	if x := v.PrevRun(c); x >= 0 {
		t := v.StartOf(c)
		for ; x >= 0 && v.StartOf(x) == t; x = v.PrevRun(x) {
			if x > k && !other(x) && !slices.Contains(chosen, x) {
				k = x
			}
		}
	}
	if k == c {
		p.cursor[o] = v.PrevRun(c)
	}
	return k
}
