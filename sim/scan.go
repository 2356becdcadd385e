package sim

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
			res.valid = false
		}
		return h
	}
	var s float64
	var extra room
	head := v.ID(order[h])
	if res != nil && res.valid && res.ver == v.Version() && res.head == head && res.s > v.Now() && v.RefusalsFinal() {
		s, extra = res.s, res.extra
	} else {
		s, extra = (*easy).shadow(nil, v, v.Need(order[h]))
	}
	extra, stale := backfillAfter(v, p, order[h+1:], s, extra)
	if res != nil {
		*res = reservation{valid: !stale && extra.GPUs >= 0 && extra.Power >= 0, ver: v.Version(), head: head, s: s, extra: extra}
	}
	return h
}

// backfillAfter is the backfill part of backfillOrder: each waiting job at the given positions, in
// that order, starts if it fits now and either ends by s or needs no more than extra, which it then
// uses up. It returns what is left of extra, and whether a start took more than it will give back
// (a node it powered on stays on), so that the reservation no longer holds as computed.
func backfillAfter(v *view, p *plan, order []int, s float64, extra room) (room, bool) {
	stale := false
	for _, j := range order {
		free := v.Free().GPUs
		if free < v.MinGPUs() {
			break // nothing waiting is small enough: the rest of the scan would start nothing
		}
		if !v.Waiting(j) || v.GPUs(j) > free {
			continue
		}
		k := v.ID(j)
		before := v.Free()
		if v.EndIfStarted(k) <= s {
			if p.Start(j) {
				// It took more than it gives back when it ends (a node it powered on stays on):
				// the reservation no longer holds as computed.
				stale = stale || before.minus(v.Free()) != v.Holds(k)
			}
			continue
		}
		if extra.covers(v.Need(j)) && p.Start(j) {
			took := before.minus(v.Free())
			extra = extra.minus(took)
			stale = stale || took != v.Holds(k)
		}
	}
	return extra, stale
}
