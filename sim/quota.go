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
//
// Implementation. The classes are kept from pass to pass: each owner's waiting jobs in queue
// order and how many of them are in quota, reclassed only for the owners whose held GPUs (the
// ledger's change log, view.HeldChanges) or waiting jobs changed since the last pass (reclass).
// A pass takes the in-quota jobs from that list and reads the over-quota ones from the queue only
// as far as it gets (fullPass); after arrivals alone it decides only the arrivals against the
// kept reservation, as easy does (arrivals). Three shortcuts keep the bookkeeping small: an
// arrival is classed on its own unless its owner is reclassed anyway (arrived); an in-quota start
// leaves its owner's classes as they are, so the ledger's note of it calls for no reclass
// (clsHeld); and a full pass keeps the last reservation when the only changes to the pool since
// were completions at their estimated ends (view.OnlyCompleted), which the shadow walk would have
// counted before reaching the same shadow time. The rescue reads an owner's victim cursor only
// when it picks them. The decisions are those of the definition above:
// TestQuotaFastPassesEqualFullPasses checks them, and the kept classes, against a pass that
// classes the whole queue afresh and computes every reservation anew (full, referencePass), after
// every pass.
type quota struct {
	order, over []int
	since       []float64 // by job: first time found in quota while waiting; NaN when not
	excess      []int64
	overs       []int32
	cursor      []int32  // by owner: the next victim candidate, walking back from the latest start
	exAt, curAt []uint32 // by owner: the choice of victims (stamp) their excess and cursor are of
	stamp       uint32
	top         int32 // victims' first pick (its owner), or noTop once the excesses changed
	chosen      []int32
	res         reservation
	borrow      bool
	grace       float64

	// Classes, kept from pass to pass (see reclass).
	own     [][]waitingJob // by owner: their jobs waiting in this pool, in queue order
	nIn     []int32        // by owner: how many of own[o] are in quota
	clsHeld []int32        // by owner: the held GPUs their classes stand for (see reclass)
	inG     []int32        // by owner: the GPUs of their jobs in quota, own[o][:nIn[o]]
	in      []uint64       // bit k: waiting job k is in quota
	inIDs   []int32        // the waiting jobs in quota, in queue (id) order
	dirty   []int32        // owners to reclass at the next pass
	marked  []bool         // by owner: in dirty
	seen    int32          // highest job id taken into own
	back    []int32        // jobs preempted by the last pass, in the queue again since
	logAt   uint64         // the ledger's HeldVersion when the last pass read its changes
	hv      uint64         // the ledger's HeldVersion at the end of the last pass
	inArr   []int          // scratch: queue positions of this pass's arrivals in quota, and over it
	overArr []int

	// The arrivals-only pass (see arrivals).
	headIn bool // the last pass's head was in quota
	// Jobs started since the head's rescue last failed (or was not needed): only their starts can
	// make it succeed now (see arrivals).
	startedSince bool
	fast         bool // the last pass ended with a head, and the next may build on its reservation

	// Tests: full makes every pass a full one with classes computed afresh from the whole queue,
	// the reference the kept classes are checked against (mismatches counts disagreements);
	// arrivalsN counts arrivals-only passes.
	full       bool
	cum        []int64
	blocked    []bool
	mismatches int
	arrivalsN  int
	pastDone   int // full passes that kept the reservation past completions (OnlyCompleted)
	heldKept   int // owners with waiting jobs whose held GPUs changed and came to what their classes stand for
}

// waitingJob is a waiting job of an owner's list: its id and GPUs.
type waitingJob struct{ k, g int32 }

var _ policy = (*quota)(nil)

func newQuota() policy { return &quota{seen: -1} }

const defaultGraceS = 60

func (p *quota) Schedule(v *view, pl *plan) {
	no := v.Owners()
	if p.since == nil {
		// One clock per job at most: room for all of them up front, rather than a slice grown
		// (and copied) by doubling.
		p.since = make([]float64, 0, v.Jobs())
		p.in = make([]uint64, (v.Jobs()+63)/64)
		p.excess, p.cursor, p.own, p.nIn, p.clsHeld, p.inG, p.marked = make([]int64, no), make([]int32, no),
			make([][]waitingJob, no), make([]int32, no), make([]int32, no), make([]int32, no), make([]bool, no)
		p.exAt, p.curAt = make([]uint32, no), make([]uint32, no)
		opt := v.Options()
		p.borrow = !opt.Quota.NoBorrow
		if p.grace = opt.Quota.GraceS; p.grace <= 0 {
			p.grace = defaultGraceS
		}
	}
	now := v.Now()
	// What changed since the last pass: jobs preempted by it are back in the queue, jobs that
	// arrived since are its tail, and the ledger names the owners whose held GPUs changed.
	back := len(p.back) > 0
	for _, k := range p.back {
		o := v.Owner(k)
		l := p.own[o]
		at, _ := slices.BinarySearchFunc(l, k, func(w waitingJob, k int32) int { return int(w.k - k) })
		l = slices.Insert(l, at, waitingJob{k, v.GPUsOf(k)})
		if was := int(p.nIn[o]); at < was { // l[:nIn] must stay jobs in quota: end it before k
			for _, w := range l[at+1 : was+1] {
				p.setIn(w.k, false)
			}
			p.nIn[o] = int32(at)
		}
		p.own[o] = l
		p.mark(o)
	}
	p.back = p.back[:0]
	if changed, ok := v.HeldChanges(p.logAt); ok {
		for _, o := range changed {
			// An owner without waiting jobs has no classes; one whose held GPUs are back to
			// what their classes stand for (their in-quota starts, or changes undone since) has
			// the classes of the last pass.
			if len(p.own[o]) > 0 {
				if v.Held(o) != p.clsHeld[o] {
					p.mark(o)
				} else {
					p.heldKept++
				}
			}
		}
	} else {
		for o := range p.own {
			p.mark(int32(o))
		}
	}
	p.logAt = v.HeldVersion() // this pass's own starts and preemptions are read at the next
	n := v.Len()
	a := n
	for a > 0 && v.ID(a-1) > p.seen {
		a--
	}
	for i := a; i < n; i++ {
		k := v.ID(i)
		p.arrived(v, v.Owner(k), waitingJob{k, v.GPUs(i)}, now)
		p.seen = k
	}
	for _, o := range p.dirty {
		p.reclass(v, o, now)
	}
	p.dirty = p.dirty[:0]
	inArr, overArr := p.inArr[:0], p.overArr[:0]
	for i := a; i < n; i++ {
		if p.isIn(v.ID(i)) {
			inArr = append(inArr, i)
		} else if p.borrow {
			overArr = append(overArr, i)
		}
	}
	p.inArr, p.overArr = inArr, overArr
	if !back && !p.full && p.arrivals(v, pl, now) {
		p.arrivalsN++
	} else {
		p.fullPass(v, pl, now)
	}
	p.hv = v.HeldVersion()
}

func (p *quota) isIn(k int32) bool { return p.in[k>>6]&(1<<(k&63)) != 0 }

// setIn puts job k in quota or takes it out.
func (p *quota) setIn(k int32, in bool) {
	if in == p.isIn(k) {
		return
	}
	p.in[k>>6] ^= 1 << (k & 63)
	at, _ := slices.BinarySearch(p.inIDs, k)
	if in {
		p.inIDs = slices.Insert(p.inIDs, at, k)
	} else {
		p.inIDs = slices.Delete(p.inIDs, at, at+1)
	}
}

// mark has owner o reclassed at this pass.
func (p *quota) mark(o int32) {
	if !p.marked[o] {
		p.marked[o] = true
		p.dirty = append(p.dirty, o)
	}
}

// arrived adds the arrival w to the end of owner o's waiting jobs and classes it: an owner to be
// reclassed anyway, or whose held GPUs are not those their classes stand for, is marked;
// otherwise the classes of their other jobs stand and only w's is decided, as reclass would: in
// quota if every job before it is and it fits beside them.
func (p *quota) arrived(v *view, o int32, w waitingJob, now float64) {
	l := p.own[o]
	p.own[o] = append(l, w)
	if p.marked[o] {
		return
	}
	h := v.Held(o)
	if len(l) == 0 { // no classes yet: they stand for whatever is held
		p.clsHeld[o], p.nIn[o], p.inG[o] = h, 0, 0
	} else if h != p.clsHeld[o] { // a guard: the held changes have marked such an owner already
		p.mark(o)
		return
	}
	if int(p.nIn[o]) == len(l) && int64(h)+int64(p.inG[o])+int64(w.g) <= int64(v.Quota(o)) {
		p.nIn[o]++
		p.inG[o] += w.g
		p.setIn(w.k, true)
		p.clock(w.k, now)
	}
}

// reclass finds owner o's jobs in quota: the longest prefix of their waiting jobs that fits the
// quota beside their held GPUs (see the type's comment), and starts the clocks of those jobs. An
// owner's classes change only with their held GPUs and their waiting jobs, and both are noted
// (mark) when they change, so the classes of every other owner are still those of the last pass.
// clsHeld[o] is the held GPUs the classes stand for; an in-quota start adds its GPUs to it
// (tookOff), so that the ledger's note of that start calls for no reclass.
func (p *quota) reclass(v *view, o int32, now float64) {
	p.marked[o] = false
	l := p.own[o]
	h := v.Held(o)
	p.clsHeld[o] = h
	cum, q := int64(h), int64(v.Quota(o))
	m := 0
	for ; m < len(l) && cum+int64(l[m].g) <= q; m++ {
		cum += int64(l[m].g)
	}
	// l[:nIn] are jobs in quota already, their clocks started (tookOff and the requeue keep it
	// so): only the difference moves.
	was := int(p.nIn[o])
	for _, w := range l[m:max(m, was)] {
		p.setIn(w.k, false)
	}
	for _, w := range l[was:max(was, m)] {
		p.setIn(w.k, true)
		p.clock(w.k, now)
	}
	p.nIn[o] = int32(m)
	p.inG[o] = int32(cum - int64(h))
}

// fullPass is a pass over the whole queue in priority order (see the type's comment): the jobs in
// quota come from their kept list, the over-quota ones from the queue, looked at only as far as
// the pass gets (it ends when nothing waiting fits what is free).
func (p *quota) fullPass(v *view, pl *plan, now float64) {
	if p.full {
		p.referencePass(v, pl, now)
		return
	}
	in := p.order[:0]
	for _, k := range p.inIDs {
		in = append(in, v.Pos(k))
	}
	p.order = in
	nIn := len(in)
	p.fast = false
	if v.FreeGPUs() < v.MinGPUs() && (nIn == 0 || v.OwnersOver() == 0) {
		// Nothing fits and nobody can be preempted (rescue needs an owner over quota): the pass
		// would start nothing.
		return
	}
	started := p.over[:0] // queue positions of the over-quota jobs started
	h := 0
	for ; h < nIn; h++ {
		if i := in[h]; !v.Waiting(i) || pl.Start(i) || p.rescue(v, pl, i) {
			continue
		}
		break
	}
	n := v.Len()
	head, cur := -1, 0 // the head's queue position; where the over-quota jobs are looked at from
	if h < nIn {
		head = in[h]
	} else if p.borrow { // the over-quota jobs' first-come part
		for ; cur < n; cur++ {
			if !v.Waiting(cur) || p.isIn(v.ID(cur)) {
				continue
			}
			if !pl.Start(cur) {
				head = cur
				cur++
				break
			}
			started = append(started, cur)
		}
	}
	if head < 0 {
		p.res.valid, p.res.unset = false, false
	} else {
		id := v.ID(head)
		r := shadowFor{need: v.Need(head)}
		if p.res.valid && p.res.head == id && p.res.s > v.Now() && v.RefusalsFinal() {
			if p.res.ver == v.Version() {
				r.set(v, p.res.s, p.res.extra)
			} else if v.OnlyCompleted(p.res.ver, p.res.dones) {
				// Jobs that ended at their estimated ends (by now, before s) gave back what the
				// walk counted for them: the walk from what is free now reaches the same s with
				// the same extra.
				r.set(v, p.res.s, p.res.extra)
				p.pastDone++
			}
		}
		stale := false
		before := pl.Started()
		if h < nIn {
			stale = backfillAfter(v, pl, in[h+1:], &r)
		}
		if p.borrow {
			own := v.OwnDraws()
			for j := cur; j < n; j++ {
				free := v.FreeGPUs()
				if free < v.MinGPUs() {
					break // nothing waiting is small enough: the rest of the scan would start nothing
				}
				if v.GPUs(j) > free || !v.Waiting(j) || p.isIn(v.ID(j)) {
					continue
				}
				if backfillOne(v, pl, j, &r, own, &stale) {
					started = append(started, j)
				}
			}
		}
		p.res = reservation{valid: r.known && !stale && r.extra.GPUs >= 0 && r.extra.Power >= 0, ver: v.Version(),
			head: id, s: r.s, extra: r.extra, unset: !r.known, dones: v.Completions()}
		p.fast, p.headIn, p.startedSince = true, h < nIn, pl.Started() != before
	}
	p.over = started
	for _, i := range in {
		if !v.Waiting(i) {
			p.tookOff(v, pl, ^v.ID(i), now)
		}
	}
	for _, i := range started {
		p.tookOff(v, pl, ^v.ID(i), now)
	}
}

// referencePass is the pass as the type's comment says it, for tests: the classes afresh from the
// whole queue (walk), then backfillOrder over them.
func (p *quota) referencePass(v *view, pl *plan, now float64) {
	in, over := p.walk(v, now)
	nIn := len(in)
	order := append(in, over...)
	p.order, p.over = order[:0], over[:0]
	p.fast = false
	if v.FreeGPUs() < v.MinGPUs() && (nIn == 0 || v.OwnersOver() == 0) {
		return
	}
	h := backfillOrder(v, pl, order, func(h int) bool { return h < nIn && p.rescue(v, pl, order[h]) }, &p.res)
	p.fast, p.headIn, p.startedSince = h < len(order), h < nIn, true
	for _, i := range order {
		if !v.Waiting(i) {
			p.tookOff(v, pl, ^v.ID(i), now)
		}
	}
}

// walk classes the waiting jobs afresh from the whole queue, as the type's comment says, for
// tests: it starts the clocks of the jobs in quota and counts in mismatches every job whose kept
// class differs.
func (p *quota) walk(v *view, now float64) (in, over []int) {
	if p.cum == nil {
		p.cum, p.blocked = make([]int64, len(p.own)), make([]bool, len(p.own))
	}
	for o := range p.own {
		p.cum[o], p.blocked[o] = int64(v.Held(int32(o))), false
	}
	in, over = p.order[:0], p.over[:0]
	for i, n := 0, v.Len(); i < n; i++ {
		if !v.Waiting(i) {
			continue
		}
		k, g := v.ID(i), v.GPUs(i)
		o := v.Owner(k)
		isIn := !p.blocked[o] && p.cum[o]+int64(g) <= int64(v.Quota(o))
		if isIn != p.isIn(k) {
			p.mismatches++
		}
		if isIn {
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
	return in, over
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
	if !p.fast || !(p.res.valid && p.res.s > now || p.res.unset) || p.res.ver != v.Version() ||
		p.hv != v.HeldVersion() || !v.RefusalsFinal() {
		return false
	}
	head := p.res.head
	if p.headIn {
		if !p.isIn(head) {
			return false
		}
		// The full pass would try to rescue the head. It failed last time, or was not tried for
		// want of anyone over quota; starts since, which can make owners over quota and, through
		// ties in victim order, make room that was not there, call for asking again (preempting
		// nobody).
		if p.startedSince && v.OwnersOver() > 0 {
			if p.victims(v, v.NeedOf(head)) {
				return false
			}
			p.startedSince = false
		}
	} else if len(p.inArr) > 0 {
		return false
	}
	if len(p.inArr)+len(p.overArr) == 0 {
		return true
	}
	r := shadowFor{need: v.NeedOf(head)}
	if !p.res.unset {
		r.set(v, p.res.s, p.res.extra)
	}
	before := pl.Started()
	stale := backfillAfter(v, pl, p.inArr, &r)
	stale = backfillAfter(v, pl, p.overArr, &r) || stale
	p.startedSince = p.startedSince || pl.Started() != before
	p.res = reservation{valid: r.known && !stale && r.extra.GPUs >= 0 && r.extra.Power >= 0, ver: v.Version(),
		head: head, s: r.s, extra: r.extra, unset: !r.known, dones: v.Completions()}
	for _, arr := range [][]int{p.inArr, p.overArr} {
		for _, i := range arr {
			if !v.Waiting(i) {
				p.tookOff(v, pl, ^v.ID(i), now)
			}
		}
	}
	return true
}

// tookOff accounts for job k, started by this pass: it leaves its owner's waiting jobs (and its
// class), and its guarantee is checked.
func (p *quota) tookOff(v *view, pl *plan, k int32, now float64) {
	o := v.Owner(k)
	l := p.own[o]
	at := 0
	for l[at].k != k { // usually the first: owners' jobs mostly start in queue order
		at++
	}
	if at < int(p.nIn[o]) {
		// An in-quota start leaves the owner's other jobs in their classes: the GPUs before each
		// in their list count the same, now as held rather than waiting.
		p.nIn[o]--
		p.clsHeld[o] += l[at].g
		p.inG[o] -= l[at].g
	} else {
		p.mark(o) // an over-quota start adds to what is held before every waiting job
	}
	p.own[o] = slices.Delete(l, at, at+1)
	p.setIn(k, false)
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

// noTop marks victims' first pick taken.
const noTop = -2

// victims chooses, into chosen, the borrowers' jobs to preempt (see the type's comment) so that
// what is free and what they hold covers need, and reports whether it could; it preempts nobody.
//
// It keeps per owner only what the choice changes, for the owners it picks (stamped with this
// choice's number): how much they are still over quota and the cursor on their running jobs. Every
// other owner's excess is read from the ledger, unchanged until the chosen jobs are preempted, and
// their cursor starts at their latest started job.
func (p *quota) victims(v *view, need room) bool {
	p.stamp++
	overs := v.Overs(p.overs[:0])
	top, topX := int32(-1), int64(0) // the first pick, found on the way
	for _, o := range overs {
		if x := int64(v.Held(o)) - int64(v.Quota(o)); x > 0 && (top < 0 || x > topX) { // ties: the lowest owner
			top, topX = o, x
		}
	}
	p.overs, p.top = overs, top
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
		best := p.top
		if best == noTop {
			var bx int64
			for _, o := range p.overs {
				if x := p.excessOf(v, o); x > 0 && (best < 0 || x > bx) { // ties: overs is in owner order
					best, bx = o, x
				}
			}
		}
		p.top = noTop // the excesses change below
		if best < 0 {
			return -1, false
		}
		x := int64(0) // nothing of theirs to take in this pool
		k := p.victimOf(v, best, p.chosen)
		if k >= 0 {
			x = p.excessOf(v, best) - int64(v.GPUsOf(k))
		}
		p.excess[best], p.exAt[best] = x, p.stamp
		if k >= 0 {
			return k, true
		}
	}
}

// excessOf is how much owner o is over quota in this choice of victims (see victims).
func (p *quota) excessOf(v *view, o int32) int64 {
	if p.exAt[o] == p.stamp {
		return p.excess[o]
	}
	return int64(v.Held(o)) - int64(v.Quota(o))
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
	if p.curAt[o] != p.stamp {
		c, p.curAt[o] = v.LatestRun(o), p.stamp
	}
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
