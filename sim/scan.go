package sim

import "math"

// reservation is the last pass's reservation, kept by a policy that backfills over its own order
// so the next pass can reuse it under easy's conditions: refusals are final, nothing was freed or
// started since (the pool's version is unchanged), the head is the same job and its shadow time is
// still ahead. The running jobs, the free room and the head's need are then those it was computed
// from, and extra already has the jobs that used it taken off, so shadow would give the same s and
// extra again.
type reservation struct {
	valid bool
	ver   uint64
	head  int32
	s     float64
	extra room
	// unset: the pass had a head but needed no reservation (no later job fit what was free), so
	// none was computed and nothing was backfilled.
	unset bool
	dones uint64 // the pool's Completions with ver, for policies that reuse it past completions
}

// shadowFor is a head's reservation, computed when a job that fits what is free first asks for it:
// a pass in which nothing after the head fits needs none (shadow walks the running jobs).
type shadowFor struct {
	need  room
	known bool
	s     float64
	extra room
	short float64 // estimates above it cannot end by s (see easy's scan)
}

func (r *shadowFor) get(v *view) {
	if !r.known {
		r.s, r.extra = (*easy).shadow(nil, v, r.need)
		r.set(v, r.s, r.extra)
	}
}

func (r *shadowFor) set(v *view, s float64, extra room) {
	r.known, r.s, r.extra = true, s, extra
	r.short = min((s-v.Now())*v.Speed()*(1+1e-9)+1e-9*max(1, math.Abs(s)), math.MaxFloat64)
}

// backfillOrder is EASY backfilling over the waiting jobs at the given queue positions, taken as
// a priority order, written as the plain scan of design §5 (the scan the easy policy is tested
// against): jobs start in that order while they fit; the first that does not (H) gets a
// reservation at its shadow time, and every later job in the order starts if it fits now and
// either ends by the shadow time or uses no more than the extra, which it then uses up.
//
// rescue, when set, is asked about a job of the first-come part that does not fit, by its index
// in order; it may make room (preemption) and start it, and reports whether it did. res, when not
// nil, carries the reservation from pass to pass. It returns the head's index in order
// (len(order) when every job started).
func backfillOrder(v *view, p *plan, order []int, rescue func(h int) bool, res *reservation) int {
	h := 0
	for ; h < len(order); h++ {
		i := order[h]
		if !v.Waiting(i) || p.Start(i) || rescue != nil && rescue(h) {
			continue
		}
		break
	}
	if h == len(order) {
		if res != nil {
			res.valid, res.unset = false, false
		}
		return h
	}
	head := v.ID(order[h])
	r := shadowFor{need: v.Need(order[h])}
	if res != nil && res.valid && res.ver == v.Version() && res.head == head && res.s > v.Now() && v.RefusalsFinal() {
		r.set(v, res.s, res.extra)
	}
	stale := backfillAfter(v, p, order[h+1:], &r)
	if res != nil {
		*res = reservation{valid: r.known && !stale && r.extra.GPUs >= 0 && r.extra.Power >= 0, ver: v.Version(),
			head: head, s: r.s, extra: r.extra, unset: !r.known}
	}
	return h
}

// backfillAfter is the backfill part of backfillOrder: each waiting job at the given positions, in
// that order, starts if it fits now and either ends by r's s or needs no more than r's extra, which
// it then uses up. It reports whether a start took more than it will give back (a node it powered
// on stays on), so that the reservation no longer holds as computed.
func backfillAfter(v *view, p *plan, order []int, r *shadowFor) bool {
	stale := false
	own := v.OwnDraws()
	for _, j := range order {
		free := v.FreeGPUs()
		if free < v.MinGPUs() {
			break // nothing waiting is small enough: the rest of the scan would start nothing
		}
		g := v.GPUs(j)
		if !v.Waiting(j) || g > free {
			continue
		}
		backfillOne(v, p, j, r, own, &stale)
	}
	return stale
}

// backfillOne decides the waiting job at position j, which fits what is free, as backfillAfter
// does, and reports whether it started; stale is set when its start took more than it gives back.
func backfillOne(v *view, p *plan, j int, r *shadowFor, own bool, stale *bool) bool {
	r.get(v)
	// A job whose estimate cannot end by s and whose size (or, with equal draws, power) the extra
	// cannot hold is refused below too: spare it the estimated end.
	g := v.GPUs(j)
	if v.Estimate(j) > r.short && (g > r.extra.GPUs || !own && r.extra.Power < v.NeedFor(g).Power) {
		return false
	}
	k := v.ID(j)
	before := v.Free()
	if v.EndIfStarted(k) <= r.s {
		if !p.Start(j) {
			return false
		}
		// It took more than it gives back when it ends (a node it powered on stays on): the
		// reservation no longer holds as computed.
		*stale = *stale || before.minus(v.Free()) != v.Holds(k)
		return true
	}
	if r.extra.covers(v.Need(j)) && p.Start(j) {
		took := before.minus(v.Free())
		r.extra = r.extra.minus(took)
		*stale = *stale || took != v.Holds(k)
		return true
	}
	return false
}
