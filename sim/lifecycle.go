package sim

import "slices"

// A job's life: arrive (queue or infeasible), tryStart (placed; runs now or after its nodes boot),
// begin (running), complete. Every change of GPUs or power goes through these functions.

// drawMW is job k's per-GPU draw on GPU type t at full power limit.
func (e *engine) drawMW(k, t int32) int64 {
	if e.anyPW {
		if pw := e.j[k].pw; pw > 0 {
			return int64(pw)
		}
	}
	return e.w.types[t].busy
}

// nodeOnMW is what powering node i on adds to its site: node draw and every GPU idle.
func (e *engine) nodeOnMW(pl *pool, i int32) int64 {
	g := &pl.groups[pl.nodes.grp[i]]
	return g.nodeMW + int64(g.gpn)*e.w.types[g.typ].idle
}

// tryStart places job k in pool pl now if it fits, and starts it, or books its start for when its
// powered-off nodes have booted.
//
// g and d are the job's GPUs and duration, passed in from its queue entry so that a job record
// gone cold while the job waited is only written, never read.
func (e *engine) tryStart(pl *pool, k, g int32, d float64) outcome {
	s := &e.w.sites[pl.site]
	ns := pl.nodes
	parts := e.partBuf[:0]
	node := int32(-1)
	var nodes []int32
	var onMW int64
	if g > 0 {
		switch {
		case ns == nil:
			if pl.free < g {
				return noRoom
			}
			if pl.gfree == nil {
				parts = append(parts, part{pl.groups[0].typ, g})
			} else {
				parts = pl.groupParts(g, pl.gfree, parts)
			}
		case g <= ns.maxCap:
			if node = ns.bestFit(g); node < 0 {
				return noRoom
			}
			parts = append(parts, part{pl.groups[ns.grp[node]].typ, g})
			if ns.isOff(node) {
				onMW = e.nodeOnMW(pl, node)
			}
		default:
			if nodes = ns.wholeNodes(g, e.nodeBuf[:0]); nodes == nil {
				return noRoom
			}
			e.nodeBuf = nodes
			parts = e.spread(pl, g, nodes, parts)
			for _, i := range nodes {
				if ns.isOff(i) {
					onMW += e.nodeOnMW(pl, i)
				}
			}
		}
	}
	e.partBuf = parts
	if s.capped() {
		d := e.placedMWOf(s, k, parts)
		if !s.within(s.base + onMW + s.placed + d) {
			pl.blocked = true
			return noPower
		}
		s.placed += d
		e.cost[k] = d
	}

	startAt := e.now
	if g > 0 {
		switch {
		case ns == nil:
			if pl.gfree != nil {
				e.j[k].alloc = pl.takeGroups(g)
			}
		case node >= 0:
			ns.setFree(node, ns.free[node]-g)
			e.j[k].alloc = node
			startAt = max(startAt, e.claim(pl, s, node))
		default:
			prev := int32(-1)
			for _, i := range nodes {
				ns.setFree(i, 0)
				if prev < 0 {
					e.j[k].alloc = i
				} else {
					ns.next[prev] = i
				}
				prev = i
				startAt = max(startAt, e.claim(pl, s, i))
			}
		}
		pl.free -= g
	}
	pl.version++
	if pl.est != nil {
		var gen uint32
		if e.pre != nil {
			gen = e.pre[k].gen
		}
		pl.est.push(k, gen, e.estKey(s, d, startAt))
	}
	e.led.placed(k, g, e.now)
	if e.place != nil {
		e.place[k] = e.now
	}
	if startAt > e.now {
		e.j[k].state = jobBooting
		e.ev.push(event{t: startAt, ref: mkRef(evBoot, k)})
		e.touch(pl.site)
	} else {
		e.beginParts(k, pl, s, parts, d)
	}
	return started
}

// estKey is job k's estimated end in its site's work clock if it starts at startAt: real time at
// an unthrottled site; at a throttled one the estimate runs at the current speed.
func (e *engine) estKey(s *site, d, startAt float64) float64 {
	if startAt == e.now {
		return s.vnow(e.now) + d*e.estFactor
	}
	return s.vnow(e.now) + s.speed*(startAt-e.now) + d*e.estFactor
}

// estEnd is estKey in real time.
func (e *engine) estEnd(pl *pool, k int32, startAt float64) float64 {
	s := &e.w.sites[pl.site]
	return s.realAt(e.estKey(s, e.j[k].dur, startAt))
}

// readyAt is when job k could start if placed now: later than now only where the nodes it would
// get are off or still booting.
func (e *engine) readyAt(pl *pool, k int32) float64 {
	ns := pl.nodes
	g := e.j[k].gpus
	if ns == nil || ns.off == nil || g == 0 {
		return e.now
	}
	ready := func(i int32) float64 {
		if hasBit(ns.off, int(i)) {
			return e.now + e.w.bootS
		}
		return max(e.now, ns.bootUntil[i])
	}
	if g <= ns.maxCap {
		if i := ns.bestFit(g); i >= 0 {
			return ready(i)
		}
		return e.now
	}
	t := e.now
	nodes := ns.wholeNodes(g, e.nodeBuf[:0])
	for _, i := range nodes {
		t = max(t, ready(i))
	}
	if nodes != nil {
		e.nodeBuf = nodes
	}
	return t
}

// claim takes node i for a job and returns when the node is ready: powering it on if it was off
// (it boots for Farm.BootS) and cancelling its idle timer.
func (e *engine) claim(pl *pool, s *site, i int32) float64 {
	ns := pl.nodes
	if ns.off == nil {
		return e.now
	}
	ns.gen[i]++
	if hasBit(ns.off, int(i)) {
		clearBit(ns.off, int(i))
		s.base += e.nodeOnMW(pl, i)
		ns.bootUntil[i] = e.now + e.w.bootS
	}
	return ns.bootUntil[i]
}

// spread splits a job of g GPUs over whole nodes in order, each full but the last.
func (e *engine) spread(pl *pool, g int32, nodes []int32, dst []part) []part {
	ns := pl.nodes
	for _, i := range nodes {
		n := min(ns.cap[i], g)
		g -= n
		dst = append(dst, part{pl.groups[ns.grp[i]].typ, n})
	}
	return dst
}

// partsOf returns how placed job k's GPUs split over GPU types, from its allocation.
func (e *engine) partsOf(pl *pool, k int32) []part {
	g := e.j[k].gpus
	parts := e.partBuf[:0]
	if g > 0 {
		ns := pl.nodes
		switch {
		case ns == nil && pl.gfree == nil:
			parts = append(parts, part{pl.groups[0].typ, g})
		case ns == nil:
			ng := len(pl.groups)
			slot := int(e.j[k].alloc)
			for gi, n := range pl.split[slot*ng : (slot+1)*ng] {
				if n > 0 {
					parts = append(parts, part{pl.groups[gi].typ, n})
				}
			}
		case g <= ns.maxCap:
			parts = append(parts, part{pl.groups[ns.grp[e.j[k].alloc]].typ, g})
		default:
			for i := e.j[k].alloc; i >= 0; i = ns.next[i] {
				n := min(ns.cap[i], g)
				g -= n
				parts = append(parts, part{pl.groups[ns.grp[i]].typ, n})
			}
		}
	}
	e.partBuf = parts
	return parts
}

// placedMWOf is what job k adds to its site's admission sum (draw at the admission fraction above
// idle).
func (e *engine) placedMWOf(s *site, k int32, parts []part) int64 {
	var d int64
	for _, p := range parts {
		t := &e.w.types[p.typ]
		d += int64(p.n) * (min(e.drawMW(k, p.typ), s.checkT[p.typ]) - t.idle)
	}
	return d
}

// needMW estimates what a waiting job adds to its site's admission sum, as if all its GPUs were of
// the pool's first type (exact for single-type pools).
func (e *engine) needMW(pl *pool, k int32) int64 {
	s := &e.w.sites[pl.site]
	if !s.capped() || e.j[k].gpus == 0 {
		return 0
	}
	typ := pl.groups[0].typ
	return int64(e.j[k].gpus) * (min(e.drawMW(k, typ), s.checkT[typ]) - e.w.types[typ].idle)
}

// runPower adds (sign +1) or removes (-1) a running job's draw.
func (e *engine) runPower(s *site, k int32, parts []part, sign int64) (delta1 int64) {
	e.busy += sign * int64(e.j[k].gpus)
	for _, p := range parts {
		t := &e.w.types[p.typ]
		wm := e.drawMW(k, p.typ)
		n := int64(p.n) * sign
		d := n * (min(wm, t.tdp) - t.idle)
		delta1 += d
		s.run1 += d
		s.runIdle += n * t.idle
		if s.throttle() {
			s.draws.add(n, wm, t.tdp)
		}
	}
	return delta1
}

// begin starts a job whose nodes have booted.
func (e *engine) begin(k int32) {
	pl := &e.w.pools[e.j[k].pool]
	e.beginParts(k, pl, &e.w.sites[pl.site], e.partsOf(pl, k), e.j[k].dur)
}

// beginParts starts job k now: it draws busy power and its completion is scheduled, in real time
// (s + d, one addition) or, at a throttled site, in the site's virtual time.
func (e *engine) beginParts(k int32, pl *pool, s *site, parts []part, d float64) {
	j := &e.j[k]
	e.start[e.in(k)] = e.now
	j.state = jobRunning
	d1 := e.runPower(s, k, parts, 1)
	j.fac = float32(s.pue * float64(d1) / 1000)
	var gen uint32
	if e.pre != nil {
		// The run's start and end in the site's work clock, read when it is preempted and, at a
		// throttled site, when it completes. A site that never throttles keeps real time as its
		// work clock, so a job never preempted there (generation 0) needs no record: its start
		// is e.start (runStart).
		if s.throttle() || e.wasPreempted(k) {
			r := &e.pre[k]
			r.vstart, r.vend, gen = s.vnow(e.now), s.vnow(e.now)+d, r.gen
		}
		e.led.began(k)
	}
	if s.throttle() && d > 0 {
		s.ch.push(vEntry{s.vnow(e.now) + d, k})
		s.proxyDirty = true
	} else {
		e.ev.push(event{t: e.now + d, ref: mkRef(evDone, k), gen: gen})
	}
	e.touch(pl.site)
}

// complete ends job k now and gives its GPUs and power back.
func (e *engine) complete(k int32) {
	pl := &e.w.pools[e.j[k].pool]
	s := &e.w.sites[pl.site]
	e.end[e.in(k)] = e.now
	e.j[k].state = jobDone
	parts := e.partsOf(pl, k)
	e.runPower(s, k, parts, -1)
	if s.capped() {
		s.placed -= e.cost[k]
	}
	e.release(pl, k)
	if e.pre != nil {
		var ovh float64 // the last run's restart overhead delivered no work
		if e.wasPreempted(k) {
			ovh = e.pre[k].ovh
		}
		e.led.finished(k, e.j[k].gpus, ovh, e.start[e.in(k)], e.now, e.j[k].dur)
		e.trimEst(pl)
		e.dones[pl.idx]++
	} else if pl.est != nil {
		pl.est.trim(e.done)
	}
	e.active--
	e.completed++
	e.progress()
	e.freed(pl, s)
}

// done reports whether job k has completed.
func (e *engine) done(k int32) bool { return e.j[k].state == jobDone }

// release returns job k's GPUs to the pool; nodes left idle arm their power-off timers.
func (e *engine) release(pl *pool, k int32) {
	g := e.j[k].gpus
	e.led.released(k, g, e.now)
	if g == 0 {
		return
	}
	ns := pl.nodes
	switch {
	case ns == nil:
		if pl.gfree != nil {
			pl.releaseGroups(e.j[k].alloc)
		}
	case g <= ns.maxCap:
		i := e.j[k].alloc
		ns.setFree(i, ns.free[i]+g)
		e.armIdle(ns, i)
	default:
		for i := e.j[k].alloc; i >= 0; {
			nx := ns.next[i]
			ns.next[i] = -1
			ns.setFree(i, ns.cap[i])
			e.armIdle(ns, i)
			i = nx
		}
	}
	pl.free += g
}

// freed tells the pools that could use what pl just gave back: pl itself, and at a capped site
// every pool of the site, since power is shared.
func (e *engine) freed(pl *pool, s *site) {
	pl.version++
	e.markDirty(pl)
	if s.capped() {
		for _, pi := range s.pools {
			if o := &e.w.pools[pi]; o != pl {
				o.version++
				if o.q.live > 0 {
					e.markDirty(o)
				}
			}
		}
	}
	e.touch(pl.site)
}

// armIdle starts node i's power-off timer if it is idle.
func (e *engine) armIdle(ns *nodeSet, i int32) {
	if ns.off == nil || ns.free[i] != ns.cap[i] {
		return
	}
	ns.gen[i]++
	e.ev.push(event{t: e.now + e.w.idleOffS, ref: mkRef(evIdleOff, i), gen: ns.gen[i]})
}

// idleOff powers node i of the power-off pool down if it has stayed idle since its timer was armed.
func (e *engine) idleOff(i int32, gen uint32) {
	pl := &e.w.pools[e.w.offPool]
	ns := pl.nodes
	if gen != ns.gen[i] || ns.free[i] != ns.cap[i] || hasBit(ns.off, int(i)) {
		return
	}
	setBit(ns.off, int(i))
	s := &e.w.sites[pl.site]
	s.base -= e.nodeOnMW(pl, i)
	if s.capped() {
		e.freed(pl, s)
	} else {
		e.touch(pl.site)
	}
}

// powerFeasible reports whether job k could ever start under its site's cap: with only it running
// and, on the power-off pool, only its nodes powered.
func (e *engine) powerFeasible(pl *pool, k int32) bool {
	s := &e.w.sites[pl.site]
	g := e.j[k].gpus
	if !s.capped() || g == 0 {
		return true
	}
	own := e.j[k].pw > 0 // jobs without their own draw: the answer depends on g only
	if !own {
		if pl.feasible == nil {
			pl.feasible = make([]int8, pl.total+1)
		}
		if f := pl.feasible[g]; f != 0 {
			return f > 0
		}
	}
	parts, nodesMW := e.emptyPlacement(pl, g)
	base := s.baseAll
	if pl.idx == e.w.offPool {
		base += nodesMW - pl.allOn
	}
	ok := s.within(base + e.placedMWOf(s, k, parts))
	if !own {
		pl.feasible[g] = -1
		if ok {
			pl.feasible[g] = 1
		}
	}
	return ok
}

// emptyPlacement is where a job of g GPUs would go in the empty pool, and the draw of the nodes it
// would occupy.
func (e *engine) emptyPlacement(pl *pool, g int32) ([]part, int64) {
	parts := e.partBuf[:0]
	var nodesMW int64
	ns := pl.nodes
	switch {
	case ns == nil:
		for _, gr := range pl.groups {
			n := min(g, gr.gpn*gr.count)
			if n > 0 {
				parts = append(parts, part{gr.typ, n})
				g -= n
			}
		}
	case g <= ns.maxCap:
		// Best fit on an empty pool: the first node of the first group with the fewest GPUs that
		// hold g (nodes are numbered group by group).
		best, first, i := -1, int32(0), int32(0)
		for gi, gr := range pl.groups {
			if gr.gpn >= g && (best < 0 || gr.gpn < pl.groups[best].gpn) {
				best, first = gi, i
			}
			i += gr.count
		}
		parts = append(parts, part{pl.groups[best].typ, g})
		nodesMW = e.nodeOnMW(pl, first)
	default:
		for i := int32(0); g > 0; i++ {
			n := min(ns.cap[i], g)
			g -= n
			parts = append(parts, part{pl.groups[ns.grp[i]].typ, n})
			nodesMW += e.nodeOnMW(pl, i)
		}
	}
	e.partBuf = parts
	return parts, nodesMW
}

// reorder sorts pl's waiting jobs by cmp, stably.
func (e *engine) reorder(pl *pool, cmp func(a, b queued) int) {
	pl.q.compact()
	e.view.pl = pl
	ks := pl.q.entries()
	slices.SortStableFunc(ks, func(a, b int32) int {
		return cmp(e.queuedOf(a), e.queuedOf(b))
	})
	for i, k := range ks {
		pl.q.gs[pl.q.head+i], pl.q.ds[pl.q.head+i] = e.j[k].gpus, e.j[k].dur
	}
}

func (e *engine) queuedOf(k int32) queued {
	jb := &e.jobs[e.in(k)]
	return queued{Job: k, Owner: jb.Owner, GPUs: e.j[k].gpus, Submit: jb.Submit, Estimate: e.j[k].dur * e.estFactor}
}
