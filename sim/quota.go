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
	borrow      bool
	grace       float64

	// Kept from pass to pass for the arrivals-only pass (see arrivals).
	wait      []int64 // by owner: GPUs of their jobs waiting in this pool, as of seen and back
	seen      int32   // highest job id counted in wait
	back      []int32 // jobs preempted by the last pass, in the queue again since
	hv        uint64  // the ledger's HeldVersion at the end of the last pass
	headIn    bool    // the last pass's head was in quota
	fast      bool    // the last pass ended with a reservation that the next may build on
	inArr     []int   // scratch: queue positions of arrivals in quota, and over quota
	overArr   []int
	full      bool // tests: every pass is a full one
	arrivalsN int  // tests: arrivals-only passes taken
}

var _ policy = (*quota)(nil)

func newQuota() policy { return &quota{seen: -1} }

const defaultGraceS = 60

func (p *quota) Schedule(v *view, pl *plan) {
	no := v.Owners()
	if len(p.cum) != no {
		p.cum, p.blocked, p.excess, p.wait = make([]int64, no), make([]bool, no), make([]int64, no), make([]int64, no)
		p.stamp, p.cursor = make([]uint32, no), make([]int32, no)
	}
	if p.since == nil {
		// One clock per job at most: room for all of them up front, rather than a slice grown
		// (and copied) by doubling.
		p.since = make([]float64, 0, v.Jobs())
		opt := v.Options()
		p.borrow = !opt.Quota.NoBorrow
		if p.grace = opt.Quota.GraceS; p.grace <= 0 {
			p.grace = defaultGraceS
		}
	}
	now := v.Now()
	// Jobs preempted by the last pass are back in the queue; jobs that arrived since are its tail.
	back := len(p.back) > 0
	for _, k := range p.back {
		p.wait[v.Owner(k)] += int64(v.GPUsOf(k))
	}
	p.back = p.back[:0]
	n := v.Len()
	a := n
	for a > 0 && v.ID(a-1) > p.seen {
		a--
	}
	// An arrival is in quota when its owner's held GPUs and waiting jobs, itself the last of them,
	// fit the quota (the walk below finds the same).
	inArr, overArr := p.inArr[:0], p.overArr[:0]
	for i := a; i < n; i++ {
		k := v.ID(i)
		o := v.Owner(k)
		p.wait[o] += int64(v.GPUs(i))
		p.seen = k
		if int64(v.Held(o))+p.wait[o] <= int64(v.Quota(o)) {
			inArr = append(inArr, i)
			p.clock(k, now)
		} else if p.borrow {
			overArr = append(overArr, i)
		}
	}
	p.inArr, p.overArr = inArr, overArr
	if !back && !p.full && p.arrivals(v, pl, now) {
		p.arrivalsN++
		p.hv = v.HeldVersion()
		return
	}
	p.full1(v, pl, now)
	p.hv = v.HeldVersion()
}

// full1 is a full pass: every owner's waiting jobs are classed afresh (see the type's comment).
func (p *quota) full1(v *view, pl *plan, now float64) {
	if p.pass++; p.pass == 0 { // wrapped: every stamp may look current
		clear(p.stamp)
		p.pass = 1
	}
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
			if p.borrow {
				over = append(over, i)
			}
		}
	}
	nIn := len(in)
	order := append(in, over...)
	p.order, p.over = order[:0], over[:0]
	p.fast = false
	if v.Free().GPUs < v.MinGPUs() && (nIn == 0 || v.OwnersOver() == 0) {
		// Nothing fits and nobody can be preempted (rescue needs an owner over quota): the pass
		// would start nothing. The classes above are still taken, for the guarantee clocks.
		return
	}
	h := backfillOrder(v, pl, order, func(h int) bool { return h < nIn && p.rescue(v, pl, order[h]) }, &p.res)
	p.fast, p.headIn = h < len(order), h < nIn
	for _, i := range order {
		if !v.Waiting(i) {
			p.tookOff(v, pl, ^v.ID(i), now)
		}
	}
}

// arrivals is the pass when only jobs arrived since the last one: it starts what the full pass
// would, looking at the arrivals alone, or reports false, having started nothing, when the pass
// must be a full one.
//
// It applies when, since the end of the last pass, nothing was started, freed or preempted in the
// pool (its version), nobody's held GPUs changed (HeldVersion) and nothing was requeued, as easy's
// reuse of its reservation does (refusals final, the reservation valid and still ahead). Then the
// last pass's starts are the only changes to the classes of the jobs it saw: an in-quota start
// leaves its owner's other jobs in their classes (held grows by what the waiting jobs shrink by),
// and an over-quota start can only move its owner's jobs out of quota. So no job seen before
// enters quota, every job before the last head in the order has started, and the head, if still in
// quota, stays first (an in-quota head whose owner now has more GPUs goes to the full pass); jobs
// the last pass refused stay refused wherever they now stand in the order, since what is free and
// the extra only shrank and ends only got later. Left to decide: the head's rescue and the
// arrivals. An in-quota arrival before an over-quota head would be tried first-come: full pass.
func (p *quota) arrivals(v *view, pl *plan, now float64) bool {
	if !p.fast || !p.res.valid || p.res.ver != v.Version() || p.hv != v.HeldVersion() ||
		!(p.res.s > now) || !v.RefusalsFinal() {
		return false
	}
	head := p.res.head
	if p.headIn {
		o := v.Owner(head)
		if int64(v.Held(o))+int64(v.GPUsOf(head)) > int64(v.Quota(o)) {
			return false
		}
		// The full pass would try to rescue the head. Starts since the last attempt can, through
		// ties in victim order, make room that was not there: ask again, preempting nobody.
		if v.OwnersOver() > 0 && p.victims(v, v.NeedOf(head)) {
			return false
		}
	} else if len(p.inArr) > 0 {
		return false
	}
	if len(p.inArr)+len(p.overArr) == 0 {
		return true
	}
	extra, stale := backfillAfter(v, pl, p.inArr, p.res.s, p.res.extra)
	extra, stale2 := backfillAfter(v, pl, p.overArr, p.res.s, extra)
	p.res.valid = !stale && !stale2 && extra.GPUs >= 0 && extra.Power >= 0
	p.res.ver, p.res.extra = v.Version(), extra
	for _, arr := range [][]int{p.inArr, p.overArr} {
		for _, i := range arr {
			if !v.Waiting(i) {
				p.tookOff(v, pl, ^v.ID(i), now)
			}
		}
	}
	return true
}

// tookOff accounts for job k, started by this pass: its owner's waiting GPUs, and its guarantee.
func (p *quota) tookOff(v *view, pl *plan, k int32, now float64) {
	p.wait[v.Owner(k)] -= int64(v.GPUsOf(k))
	if int(k) < len(p.since) && !math.IsNaN(p.since[k]) {
		if now-p.since[k] > p.grace {
			pl.Violation(k)
		}
		p.since[k] = math.NaN()
	}
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
	if v.OwnersOver() == 0 || !p.victims(v, v.Need(i)) {
		return false // preempting every borrower would not make room: preempt nobody
	}
	for _, k := range p.chosen {
		pl.Preempt(k)
		p.back = append(p.back, k)
	}
	for !pl.Start(i) { // node placement: the freed GPUs may sit on the wrong nodes
		k, ok := p.nextVictim(v)
		if !ok {
			return false
		}
		pl.Preempt(k)
		p.back = append(p.back, k)
	}
	return true
}

// victims chooses, into chosen, the borrowers' jobs to preempt (see the type's comment) so that
// what is free and what they hold covers need, and reports whether it could; it preempts nobody.
func (p *quota) victims(v *view, need room) bool {
	// Owners over quota, each with a cursor on their running jobs from the latest started.
	overs := p.overs[:0]
	for o := v.NextOver(0); o >= 0; o = v.NextOver(o + 1) {
		p.excess[o] = int64(v.Held(o)) - int64(v.Quota(o))
		overs = append(overs, o)
		p.cursor[o] = v.LatestRun(o)
	}
	p.overs = overs
	p.chosen = p.chosen[:0]
	acc := v.Free()
	for !acc.covers(need) {
		k, ok := p.nextVictim(v)
		if !ok {
			return false
		}
		p.chosen = append(p.chosen, k)
		acc = acc.plus(v.Holds(k))
	}
	return true
}

// nextVictim picks the next victim among p.overs (see the type's comment).
func (p *quota) nextVictim(v *view) (int32, bool) {
	for {
		best := int32(-1)
		for _, o := range p.overs {
			if p.excess[o] > 0 && (best < 0 || p.excess[o] > p.excess[best]) { // ties: overs is in owner order
				best = o
			}
		}
		if best < 0 {
			return -1, false
		}
		if k := p.victimOf(v, best, p.chosen); k >= 0 {
			p.excess[best] -= int64(v.GPUsOf(k))
			return k, true
		}
		p.excess[best] = 0 // nothing of theirs to take in this pool
	}
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
