package sim

// backfillOrder is EASY backfilling over the waiting jobs at the given queue positions, taken as
// a priority order, written as the plain scan of design §5 (the scan the easy policy is tested
// against): jobs start in that order while they fit; the first that does not (H) gets a
// reservation at its shadow time, and every later job in the order starts if it fits now and
// either ends by the shadow time or uses no more than the extra, which it then uses up.
//
// rescue, when set, is asked about a job of the first-come part that does not fit, by its index
// in order; it may make room (preemption) and start it, and reports whether it did.
func backfillOrder(v *view, p *plan, order []int, rescue func(h int) bool) {
	h := 0
	for ; h < len(order); h++ {
		i := order[h]
		if !v.Waiting(i) || p.Start(i) || rescue != nil && rescue(h) {
			continue
		}
		break
	}
	if h == len(order) {
		return
	}
	s, extra := (*easy).shadow(nil, v, v.Need(order[h]))
	for _, j := range order[h+1:] {
		free := v.Free().GPUs
		if free < v.MinGPUs() {
			break // nothing waiting is small enough: the rest of the scan would start nothing
		}
		if !v.Waiting(j) || v.GPUs(j) > free {
			continue
		}
		if v.EndIfStarted(v.ID(j)) <= s {
			p.Start(j)
			continue
		}
		if before := v.Free(); extra.covers(v.Need(j)) && p.Start(j) {
			extra = extra.minus(before.minus(v.Free()))
		}
	}
}
