package sim

import (
	"math"
	"slices"

	"github.com/gpuplan/gpuplan"
)

// engine runs one policy over one workload on one world. Jobs are renumbered in queue order
// (submit time, then input position), so arrivals are a sequential read and a first-come queue is
// id order; per-job state is kept in parallel slices indexed by that number.
type engine struct {
	w         *world
	opt       Options
	estFactor float64
	n         int32

	jobs  []gpuplan.Job // Workload.Jobs
	orig  []int32       // engine job -> index in Workload.Jobs; nil when ident
	j     []jobRec      // by engine job, filled at arrival
	start []float64     // Result.Start, by input position
	end   []float64     // Result.End, by input position
	place []float64     // with power-off: when the job was placed (its start may wait for a boot)
	anyPW bool          // some job has its own power draw
	ident bool          // orig is the identity: the input was in queue order
	cost  []int64       // with a capped site: what the placed job adds to its site's admission sum, mW

	ev      eventQueue
	now     float64
	next    int32 // next arrival
	active  int   // jobs waiting, booting or running
	queued  int
	dirty   []int32
	touched []int32
	partBuf []part
	nodeBuf []int32
	walkBuf []int32
	view    view
	plan    plan

	// Accounting. Power totals are W; energies J. The integrals run from t0 (see cum); peak
	// covers only the part of the run inside the measured window as far as it is known here,
	// [mFrom, mTo).
	t0, lastT       float64
	totIT, totFac   float64
	busy            int64 // GPUs of running jobs (booting ones excluded)
	sum             cum   // integrals from t0 to lastT
	peak            float64
	binding         int // capped sites whose cap constrains them now
	mFrom, mTo      float64
	marks           [2]cum      // sum at mFrom and at mTo, once the run has reached them
	marked          int         // how many of marks are taken
	nextMark        float64     // the next mark's time; +Inf when none is left
	lastEnd         float64     // the last completion, or t0
	atEnd           cum         // sum at lastEnd
	peakEnd         float64     // peak at lastEnd
	tail            []tailPoint // power from lastEnd on: the world stays idle after it
	completed       int
	infeasible      int
	infeasibleGPUS  float64 // GPU-seconds
	ownerJobs       []int32 // by Workload owner: jobs arrived
	ownerInfeasible []int32 // and of them infeasible
	trace           powerTrace

	hook func(e *engine, at hookPoint)

	led *ownerLedger // per-owner accounting, for policies that keep it; else nil (see ledger.go)
	pre []preRec     // per job, when the policy preempts; else nil
	// bit k: job k was preempted at least once. Only such a job can have a stale completion
	// event or a restart overhead, so the others' records in pre are not read at completion.
	preOnce  []uint64
	requeued []int32 // jobs preempted in the current pass
	// by pool: completions of its jobs (view.Completions); each bumps the pool's version once
	dones []uint64
}

// jobRec is what the engine keeps per job while it runs, in 32 bytes, so that starting or
// completing a job touches one cache line. It is filled when the job arrives; submit time and
// owner stay in Workload.Jobs, start and end go straight to the result.
type jobRec struct {
	dur   float64
	fac   float32 // facility draw the running job adds, W (timeline, when power is a sum of job terms)
	gpus  int32
	pool  int32
	alloc int32 // node (node placement) or split slot (pool placement, several groups)
	pw    int32 // the job's own per-GPU draw, mW; 0: its GPU type's busy draw
	state jobState
}

type jobState uint8

const (
	jobNew        jobState = iota // not arrived yet
	jobWaiting                    // in its pool's queue
	jobBooting                    // placed, waiting for its nodes to boot
	jobRunning                    // running
	jobDone                       // completed
	jobInfeasible                 // could never run
)

// in maps an engine job to its input position. Most inputs come sorted, and then it is the
// identity: skipping the lookup spares a cache miss when a job that waited long starts.
func (e *engine) in(k int32) int32 {
	if e.ident {
		return k
	}
	return e.orig[k]
}

func (e *engine) sub(k int32) float64     { return e.jobs[e.in(k)].Submit }
func (e *engine) startOf(k int32) float64 { return e.start[e.in(k)] }
func (e *engine) endOf(k int32) float64   { return e.end[e.in(k)] }

type hookPoint uint8

const (
	hookEvent hookPoint = iota // after one event or arrival was applied
	hookBatch                  // after a timestamp's scheduling passes and power update
)

// powerTrace records facility power and the power-limit fraction whenever they change, for the
// timeline of runs whose power is not a sum of per-job terms (throttling, power-off). It grows by
// fixed chunks, so a long run never copies what it recorded.
type powerTrace struct {
	on     bool
	chunks [][]tracePoint
	last   tracePoint
	n      int
}

type tracePoint struct{ t, kw, f float64 }

// cum holds the running integrals of a run: IT and facility energy (J), time at a binding cap (s)
// and running GPUs (GPU-s).
type cum struct{ it, fac, capT, alloc float64 }

// tailPoint is the power from t on, after the last completion: idle draw, which power-off timers
// still lower.
type tailPoint struct {
	t, it, fac float64
	binding    bool
}

const traceChunk = 1 << 15

func (tr *powerTrace) add(p tracePoint) {
	if tr.n > 0 && p.kw == tr.last.kw && p.f == tr.last.f {
		return
	}
	if k := len(tr.chunks); k == 0 || len(tr.chunks[k-1]) == traceChunk {
		tr.chunks = append(tr.chunks, make([]tracePoint, 0, traceChunk))
	}
	c := &tr.chunks[len(tr.chunks)-1]
	*c = append(*c, p)
	tr.last = p
	tr.n++
}

func newEngine(wd *world, w *gpuplan.Workload, opt Options, withEst bool) *engine {
	n := int32(len(w.Jobs))
	e := &engine{w: wd, opt: opt, n: n, estFactor: opt.EstimateFactor}
	if e.estFactor == 0 {
		e.estFactor = 1
	}
	sorted := true
	for i := range w.Jobs {
		if i > 0 && w.Jobs[i].Submit < w.Jobs[i-1].Submit {
			sorted = false
		}
		if w.Jobs[i].PowerW > 0 {
			e.anyPW = true
		}
	}
	e.ident = sorted
	if !sorted {
		e.orig = make([]int32, n)
		for i := range e.orig {
			e.orig[i] = int32(i)
		}
		slices.SortFunc(e.orig, func(a, b int32) int {
			sa, sb := w.Jobs[a].Submit, w.Jobs[b].Submit
			switch {
			case sa < sb:
				return -1
			case sa > sb:
				return 1
			}
			return int(a - b)
		})
	}
	e.jobs = w.Jobs
	e.j = make([]jobRec, n)
	e.start = make([]float64, n)
	e.end = make([]float64, n)
	e.ownerJobs = make([]int32, len(w.Owners))
	e.ownerInfeasible = make([]int32, len(w.Owners))
	throttled := false
	for i := range wd.sites {
		throttled = throttled || wd.sites[i].throttle()
	}
	if wd.offPool >= 0 {
		e.place = make([]float64, n)
		for k := range e.place {
			e.place[k] = math.NaN()
		}
	}
	for i := range wd.sites {
		if wd.sites[i].capped() {
			e.cost = make([]int64, n)
			break
		}
	}
	e.trace.on = throttled || wd.offPool >= 0
	// Backfilling needs placed jobs by estimated end. When estimates are exact, the site never
	// throttles, nodes never boot and there is one pool, those are the completion events
	// themselves, and the event queue serves (view.Running walks it).
	exact := e.estFactor == 1 && !throttled && wd.offPool < 0 && len(wd.pools) == 1
	if withEst && !exact {
		for i := range wd.pools {
			wd.pools[i].est = &estHeap{}
		}
	}
	e.view.e, e.plan.e = e, e
	return e
}

// run replays the workload. Each iteration handles one timestamp: every event and arrival at it is
// applied, then each pool whose state changed runs one scheduling pass, then power is settled.
func (e *engine) run() {
	if e.n == 0 {
		return
	}
	e.t0 = e.sub(0)
	e.lastT, e.now, e.lastEnd = e.t0, e.t0, e.t0
	e.mFrom, e.mTo = e.t0+e.opt.Measure.FromS, math.Inf(1)
	if e.opt.Measure.ToS > 0 {
		e.mTo = e.t0 + e.opt.Measure.ToS
	}
	e.nextMark = e.mFrom
	e.initPower()
	e.noteIdle()
	for {
		t := math.Inf(1)
		if e.next < e.n {
			t = e.sub(e.next)
		}
		if e.ev.len() > 0 && e.ev.earliest() < t {
			t = e.ev.earliest()
		}
		if math.IsInf(t, 1) {
			break
		}
		if t >= e.nextMark {
			e.takeMarks(t)
		}
		e.advance(t)
		done := e.completed
		for e.ev.len() > 0 && e.ev.earliest() <= t {
			e.apply(e.ev.pop())
		}
		for e.next < e.n && e.sub(e.next) <= t {
			e.arrive(e.next)
			e.next++
		}
		e.schedule()
		e.settle()
		if e.completed != done {
			e.lastEnd, e.atEnd, e.peakEnd = t, e.sum, e.peak
			e.tail = e.tail[:0]
		}
		e.noteIdle()
		if e.hook != nil {
			e.hook(e, hookBatch)
		}
		if e.next == e.n && e.active == 0 {
			break
		}
	}
	// The world is idle now; what is left are power-off timers, which lower its draw until every
	// idle node is off. Running them out makes the tail exact for any window end.
	for e.ev.len() > 0 {
		t := e.ev.earliest()
		if t >= e.nextMark {
			e.takeMarks(t)
		}
		e.advance(t)
		for e.ev.len() > 0 && e.ev.earliest() <= t {
			e.apply(e.ev.pop())
		}
		e.schedule()
		e.settle()
		e.noteIdle()
		if e.hook != nil {
			e.hook(e, hookBatch)
		}
	}
	if e.opt.Progress != nil {
		e.opt.Progress(e.completed+e.infeasible, int(e.n))
	}
}

// initPower starts every site at its idle draw and, with power-off, arms every node's idle timer.
func (e *engine) initPower() {
	for si := range e.w.sites {
		e.touch(int32(si))
	}
	if e.w.offPool >= 0 {
		ns := e.w.pools[e.w.offPool].nodes
		for i := range ns.cap {
			e.armIdle(ns, int32(i))
		}
	}
	e.settle()
}

// noteIdle records the power of an idle world (nothing waiting, booting or running), the tail
// that a window ending after the last completion integrates.
func (e *engine) noteIdle() {
	if e.active == 0 {
		e.tail = append(e.tail, tailPoint{t: e.now, it: e.totIT, fac: e.totFac, binding: e.binding > 0})
	}
}

// advance integrates power and running GPUs over [lastT, t), during which the state was constant.
// The window's ends inside [lastT, t] must have been marked first (mark), which keeps this small
// enough to inline.
func (e *engine) advance(t float64) {
	e.now = t
	if !(t > e.lastT) {
		return
	}
	dt := t - e.lastT
	e.sum.it += e.totIT * dt
	e.sum.fac += e.totFac * dt
	e.sum.alloc += float64(e.busy) * dt
	if t > e.mFrom && e.lastT < e.mTo {
		e.peak = max(e.peak, e.totFac)
	}
	if e.binding > 0 {
		e.sum.capT += dt
	}
	e.lastT = t
}

// takeMarks records the integrals at the window's ends that lie in [lastT, t].
func (e *engine) takeMarks(t float64) {
	for e.marked < 2 && e.nextMark <= t {
		e.marks[e.marked] = e.sumAt(e.nextMark)
		e.marked++
		e.nextMark = math.Inf(1)
		if e.marked == 1 {
			e.nextMark = e.mTo
		}
	}
}

// sumAt extends sum from lastT to x >= lastT at the current rates.
func (e *engine) sumAt(x float64) cum {
	c, dt := e.sum, max(x-e.lastT, 0)
	c.it += e.totIT * dt
	c.fac += e.totFac * dt
	c.alloc += float64(e.busy) * dt
	if e.binding > 0 {
		c.capT += dt
	}
	return c
}

// cumAt is the integrals from t0 to x, for any x >= t0 once the run is over: a mark before the last
// completion, the tail after it.
func (e *engine) cumAt(x float64) cum {
	switch {
	case x < e.lastEnd && x == e.mFrom && e.marked > 0:
		return e.marks[0]
	case x < e.lastEnd && x == e.mTo && e.marked > 1:
		return e.marks[1]
	case x < e.lastEnd:
		panic("sim: internal error: integrals asked at an unmarked time")
	}
	c := e.atEnd
	for i, p := range e.tail {
		if p.t >= x {
			break
		}
		end := x
		if i+1 < len(e.tail) {
			end = min(end, e.tail[i+1].t)
		}
		from := max(p.t, e.lastEnd)
		if dt := end - from; dt > 0 {
			c.it += p.it * dt
			c.fac += p.fac * dt
			if p.binding {
				c.capT += dt
			}
		}
	}
	return c
}

// peakIn is the peak facility power over [a, b), a window that holds the measured one's known ends.
func (e *engine) peakIn(a, b float64) float64 {
	pk := e.peakEnd
	for i, p := range e.tail {
		end := math.Inf(1)
		if i+1 < len(e.tail) {
			end = e.tail[i+1].t
		}
		if from := max(p.t, e.lastEnd, a); min(end, b) > from {
			pk = max(pk, p.fac)
		}
	}
	return pk
}

func (e *engine) apply(ev event) {
	i := ev.index()
	switch ev.kind() {
	case evDone:
		if e.staleDone(i, ev.gen) {
			break
		}
		e.complete(i)
	case evSite:
		s := &e.w.sites[i]
		if ev.gen != s.gen {
			return
		}
		for s.ch.len() > 0 && s.realAt(s.ch.top().v) <= e.now {
			x := s.ch.pop()
			if e.pre != nil && (e.j[x.job].state != jobRunning || e.pre[x.job].vend != x.v) {
				continue // a preempted run's completion
			}
			e.complete(x.job)
		}
		s.proxyDirty = true
		e.touch(i)
	case evBoot:
		e.begin(i)
	case evIdleOff:
		e.idleOff(i, ev.gen)
	}
	if e.hook != nil {
		e.hook(e, hookEvent)
	}
}

func (e *engine) arrive(k int32) {
	i := e.in(k)
	jb := &e.jobs[i]
	j := &e.j[k]
	*j = jobRec{dur: jb.Duration, gpus: jb.GPUs, pool: e.w.ownerPool[jb.Owner], pw: int32(mw(jb.PowerW))}
	pl := &e.w.pools[j.pool]
	g := j.gpus
	e.ownerJobs[jb.Owner]++
	if g > pl.total || !e.powerFeasible(pl, k) || e.led.infeasible(jb.Owner, g) {
		e.ownerInfeasible[jb.Owner]++
		j.state = jobInfeasible
		e.start[i], e.end[i] = math.NaN(), math.NaN()
		e.infeasible++
		e.infeasibleGPUS += float64(g) * j.dur
		e.progress()
	} else {
		j.state = jobWaiting
		pl.q.push(k, g, j.dur)
		e.active++
		e.queued++
		e.markDirty(pl)
	}
	if e.hook != nil {
		e.hook(e, hookEvent)
	}
}

func (e *engine) progress() {
	if e.opt.Progress != nil && (e.completed+e.infeasible)&(1<<14-1) == 0 {
		e.opt.Progress(e.completed+e.infeasible, int(e.n))
	}
}

func (e *engine) markDirty(pl *pool) {
	if !pl.dirty {
		pl.dirty = true
		e.dirty = append(e.dirty, pl.idx)
	}
}

func (e *engine) touch(si int32) {
	s := &e.w.sites[si]
	if !s.touched {
		s.touched = true
		e.touched = append(e.touched, si)
	}
}

// schedule runs one pass of every pool whose state changed, in pool order.
func (e *engine) schedule() {
	if len(e.dirty) > 1 {
		slices.Sort(e.dirty)
	}
	for _, pi := range e.dirty {
		pl := &e.w.pools[pi]
		pl.dirty = false
		if pl.q.live == 0 {
			continue
		}
		was := pl.blocked
		pl.blocked = false
		e.view.pl, e.plan.pl, e.plan.started = pl, pl, 0
		pl.pol.Schedule(&e.view, &e.plan)
		e.requeue(pl)
		pl.q.tidy()
		e.queued -= e.plan.started
		if pl.blocked != was {
			s := &e.w.sites[pl.site]
			if pl.blocked {
				s.powerBlockedN++
			} else {
				s.powerBlockedN--
			}
			e.touch(pl.site)
		}
	}
	e.dirty = e.dirty[:0]
}

// settle brings every touched site's power up to date: its throttle fraction (which re-anchors its
// virtual clock when it changes), its draw, and its pending completion event.
func (e *engine) settle() {
	for _, si := range e.touched {
		s := &e.w.sites[si]
		s.touched = false
		if s.throttle() {
			if f := s.solveF(); f != s.f {
				s.v0, s.t0 = s.vnow(e.now), e.now
				s.f, s.speed = f, speedAt(e.w.types, s.types, f)
				s.proxyDirty = true
				for _, pi := range s.pools {
					e.w.pools[pi].version++ // estimated ends moved
				}
			}
		}
		if b := s.capped() && (s.f < 1 || s.powerBlockedN > 0); b != s.binding {
			s.binding = b
			if b {
				e.binding++
			} else {
				e.binding--
			}
		}
		it := s.itMW() / 1000
		fac := s.pue * it
		e.totIT += it - s.itW
		e.totFac += fac - s.facW
		s.itW, s.facW = it, fac
		if s.proxyDirty {
			s.proxyDirty = false
			s.gen++
			if s.ch.len() > 0 {
				e.ev.push(event{t: max(e.now, s.realAt(s.ch.top().v)), ref: mkRef(evSite, si), gen: s.gen})
			}
		}
	}
	if len(e.touched) > 0 && e.trace.on {
		e.record()
	}
	e.touched = e.touched[:0]
}

func (e *engine) record() {
	f := 1.0
	for i := range e.w.sites {
		if s := &e.w.sites[i]; s.throttle() {
			f = min(f, s.f)
		}
	}
	e.trace.add(tracePoint{t: e.now, kw: e.totFac / 1000, f: f})
}
