package sim

// policy decides which waiting jobs of one pool start now. It reads the pool through a view and
// asks the plan to start jobs; the engine checks each start against placement and the site's power
// cap and applies it at once, so the view shows its effect to the next decision. A policy never
// changes engine state any other way, which keeps the engine the one place that enforces
// capacity, power and accounting. Each pool gets its own policy value, created for the run, so a
// policy may keep state between passes (a cache, decayed usage).
//
// Priority policies (fairshare) pass the scan an order of queue positions (or sort the queue
// through plan.Reorder); preemption (quota) goes through plan.Preempt, which the engine applies
// like a completion that returns the job to its queue after the pass.
type policy interface {
	Schedule(v *view, p *plan)
}

// queued describes a waiting job to a policy.
type queued struct {
	Job      int32 // engine job id; queue order is id order for first-come-first-served
	Owner    int32 // index into Workload.Owners
	GPUs     int32
	Submit   float64
	Estimate float64 // runtime estimate, s: duration times Options.EstimateFactor
}

// room is an amount of what a start consumes: GPUs and, at a capped site, power: IT draw above
// idle at the site's admission fraction, in integer mW so that sums are exact in any order. An
// uncapped site has unlimited power room (noLimit) and jobs need none.
type room struct {
	GPUs  int32
	Power int64
}

const noLimit = int64(1) << 60

func (r room) covers(n room) bool { return r.GPUs >= n.GPUs && r.Power >= n.Power }
func (r room) plus(n room) room   { return room{r.GPUs + n.GPUs, r.Power + n.Power} }
func (r room) minus(n room) room  { return room{r.GPUs - n.GPUs, r.Power - n.Power} }

// view is the read-only face of one pool during a scheduling pass. Queue positions are stable
// for the whole pass: a started job leaves its position empty (Waiting reports false), and such
// positions may also remain from earlier passes.
type view struct {
	e  *engine
	pl *pool
}

func (v *view) Now() float64 { return v.e.now }

// Len is the number of queue positions, started ones included.
func (v *view) Len() int { return v.pl.q.len() }

// Waiting reports whether position i holds a waiting job; positions of jobs that started (in
// this pass or before) are skipped. Position 0 always holds one at the start of a pass.
func (v *view) Waiting(i int) bool { return v.pl.q.at(i) >= 0 }

// ID and GPUs describe the waiting job at position i cheaply (no job record is read).
func (v *view) ID(i int) int32   { return v.pl.q.at(i) }
func (v *view) GPUs(i int) int32 { return v.pl.q.gpus(i) }

// Total is the pool's GPU count.
func (v *view) Total() int32 { return v.pl.total }

// JobInfo describes waiting job k.
func (v *view) JobInfo(k int32) queued { return v.e.queuedOf(k) }

// EndIfStarted is when waiting job k would be expected to end if it were placed now: now + its
// estimate (one addition) at an unthrottled site; at a throttled one the estimate is work done at
// the current power limit's speed, as for the running jobs' estimated ends; and where its nodes
// would first have to boot, it starts when they are up.
func (v *view) EndIfStarted(k int32) float64 {
	return v.e.estEnd(v.pl, k, v.e.readyAt(v.pl, k))
}

// Speed is the rate at which the pool's jobs progress now (perf of the site's power limit).
func (v *view) Speed() float64 { return v.e.w.sites[v.pl.site].speed }

// NeedFor is what a job of g GPUs without its own power draw needs (see Need).
func (v *view) NeedFor(g int32) room {
	s := &v.e.w.sites[v.pl.site]
	if !s.capped() || g == 0 {
		return room{GPUs: g}
	}
	typ := v.pl.groups[0].typ
	t := &v.e.w.types[typ]
	return room{GPUs: g, Power: int64(g) * (min(t.busy, s.checkT[typ]) - t.idle)}
}

// RefusalsFinal reports whether a job refused now stays refused until something is freed. It is
// false when where a job lands changes what it needs: the power, at a capped site with several GPU
// types, and when it could start, where nodes power off (a node another job powered on boots
// sooner than an off one).
func (v *view) RefusalsFinal() bool {
	s := &v.e.w.sites[v.pl.site]
	return v.e.w.offPool < 0 && (!s.capped() || len(s.types) == 1)
}

// OwnDraws reports whether some jobs have their own power draw, so that jobs of the same size may
// need different power.
func (v *view) OwnDraws() bool { return v.e.anyPW }

// NeedOf is Need for waiting job k.
func (v *view) NeedOf(k int32) room {
	return room{GPUs: v.e.j[k].gpus, Power: v.e.needMW(v.pl, k)}
}

// Job describes the job at position i, which must be waiting.
func (v *view) Job(i int) queued {
	return v.e.queuedOf(v.pl.q.at(i))
}

// Pos is the queue position of waiting job k, -1 when it is not waiting.
func (v *view) Pos(k int32) int { return v.pl.q.find(k) }

// Estimate is the runtime estimate of the waiting job at position i (queued.Estimate), read
// without its job record.
func (v *view) Estimate(i int) float64 { return v.pl.q.dur(i) * v.e.estFactor }

// MinGPUs is the smallest request waiting (MaxInt32 when none): a pass can stop once fewer GPUs
// are free.
func (v *view) MinGPUs() int32 { return v.pl.q.minG }

// Free is what the pool could give a job now, counted as if GPUs were interchangeable (with node
// placement a job may still not fit).
func (v *view) Free() room {
	r := room{GPUs: v.pl.free, Power: noLimit}
	if s := &v.e.w.sites[v.pl.site]; s.capped() {
		r.Power = s.capMW - s.base - s.placed
	}
	return r
}

// FreeGPUs is Free().GPUs, without the power.
func (v *view) FreeGPUs() int32 { return v.pl.free }

// Need is what the job at position i needs, its power estimated for the pool's first GPU type.
func (v *view) Need(i int) room {
	return v.NeedOf(v.pl.q.at(i))
}

// Version changes whenever the room in the pool may have grown or shrunk (a start, a completion,
// power freed at the site). Arrivals do not change it.
func (v *view) Version() uint64 { return v.pl.version }

// OnlyCompleted reports whether, since the pool's Version was ver and Completions dones, the only
// changes to the pool were completions of jobs at their estimated ends (policies that preempt).
// Then, for a head that still does not fit, the reservation computed then stands: the jobs that
// ended were the first of the running-jobs walk, ending by now, and gave back what the walk would
// have counted. It is false unless estimates are the completion times (no throttling, no boots,
// one pool) and the site has no cap. Only for policies created with estimates.
func (v *view) OnlyCompleted(ver, dones uint64) bool {
	return v.pl.est == nil && !v.e.w.sites[v.pl.site].capped() && v.pl.version-ver == v.Completions()-dones
}

// Completions counts the completions of the pool's jobs for policies that preempt (0 for others,
// for which OnlyCompleted is then true only when nothing changed); see OnlyCompleted.
func (v *view) Completions() uint64 {
	if v.e.dones == nil {
		return 0
	}
	return v.e.dones[v.pl.idx]
}

// Running lists the pool's placed jobs by estimated end, with what each frees. The estimated end is
// start + estimate at an unthrottled site; at a throttled one the estimate is work, done at the
// current power limit's speed. A job past its estimate is expected to end now. Only for policies
// created with estimates.
func (v *view) Running() running {
	if v.pl.est == nil { // estimates are the completion times: walk the event queue
		return running{v: v, w: newEstWalk(v.e.ev.k, v.e.walkBuf), events: true}
	}
	return running{v: v, w: newEstWalk(v.pl.est.k, v.e.walkBuf)}
}

// running walks placed jobs by estimated end; it visits the k earliest in O(k log k).
type running struct {
	v      *view
	w      estWalk
	events bool // walking the event queue, whose completions are this pool's jobs
	slot   int32
	job    int32
}

func (r *running) Next() bool {
	e := r.v.e
	for {
		r.slot = r.w.next()
		if r.slot < 0 {
			break
		}
		if r.events {
			x := e.ev.v[r.slot]
			if ev := (event{ref: uint32(x >> 32), gen: uint32(x)}); ev.kind() == evDone {
				r.job = ev.index()
				if !e.staleDone(r.job, ev.gen) {
					break
				}
			}
		} else if x := r.v.pl.est.v[r.slot]; !e.estDead(x) {
			r.job = x.job
			break
		}
	}
	e.walkBuf = r.w.fr[:0] // keep the grown scratch for the next walk
	return r.slot >= 0
}

// End is the estimated end of the current job.
func (r *running) End() float64 {
	return max(r.v.e.w.sites[r.v.pl.site].realAt(untkey(r.w.key[r.slot])), r.v.e.now)
}

// Frees is what the current job gives back when it ends.
func (r *running) Frees() room { return r.v.Holds(r.job) }

// Holds is what placed job k holds: its GPUs and its admission power.
func (v *view) Holds(k int32) room {
	rm := room{GPUs: v.e.j[k].gpus}
	if v.e.cost != nil {
		rm.Power = v.e.cost[k]
	}
	return rm
}

// plan carries a policy's decisions to the engine.
type plan struct {
	e       *engine
	pl      *pool
	started int // jobs started in this pass
}

// Started is how many jobs this pass has started so far.
func (p *plan) Started() int { return p.started }

// Start starts the job at position i now if it is waiting and fits (placement and power), and
// reports whether it did.
func (p *plan) Start(i int) bool { return p.try(i) == started }

// StartJob is Start for the waiting job with engine id k, and says why a job did not start.
func (p *plan) StartJob(k int32) outcome {
	i := p.pl.q.find(k)
	if i < 0 {
		return notWaiting
	}
	return p.try(i)
}

func (p *plan) try(i int) outcome {
	q := &p.pl.q
	k := q.at(i)
	if k < 0 {
		return notWaiting
	}
	g := q.gpus(i)
	if g > p.pl.free {
		return noRoom // without touching the job's record, cold when it waited long
	}
	if o := p.e.tryStart(p.pl, k, g, q.dur(i)); o != started {
		return o
	}
	q.take(i, g)
	p.started++
	return started
}

// outcome is what became of a start.
type outcome uint8

const (
	started    outcome = iota
	noRoom             // no placement for its GPUs now (the same for every job of its size)
	noPower            // placed, but the site's power cap refuses it
	notWaiting         // not in the queue (already started)
)

// Reorder sorts the waiting jobs by cmp (stable); call it before starting anything in the pass.
// First-come-first-served policies never need it: the queue is kept in submit order.
func (p *plan) Reorder(cmp func(a, b queued) int) {
	p.e.reorder(p.pl, cmp)
	p.pl.q.ordered = false
}

// Owner is the Workload owner of job k. Only for policies that keep an owner ledger, as are the
// methods below up to Options.
func (v *view) Owner(k int32) int32 { return v.e.led.owner[k] }

// Owners is the number of Workload owners.
func (v *view) Owners() int { return len(v.e.ownerJobs) }

// Jobs is the number of jobs in the run, an upper bound on every engine job id.
func (v *view) Jobs() int { return int(v.e.n) }

// Held is the GPUs owner o's jobs hold now (booting or running), Quota their guarantee and Share
// their fair-share weight (shares sum to 1).
func (v *view) Held(o int32) int32    { return v.e.led.held[o] }
func (v *view) Quota(o int32) int32   { return v.e.led.quota[o] }
func (v *view) Share(o int32) float64 { return v.e.led.share[o] }

// Usage is owner o's decayed usage now, GPU-seconds (policies registered with ledgerUsage).
func (v *view) Usage(o int32) float64 { return v.e.led.usageAt(o, v.e.now) }

// OwnersOver is how many owners hold more GPUs than their quota.
func (v *view) OwnersOver() int { return v.e.led.overN }

// Overs appends the owners over quota to buf, in owner order, without looking at the rest.
func (v *view) Overs(buf []int32) []int32 { return v.e.led.overs(buf) }

// HeldVersion changes whenever some owner's held GPUs change, in any pool: a policy that classes
// jobs by their owners' holdings knows from it that nobody's changed since its last pass.
func (v *view) HeldVersion() uint64 { return v.e.led.heldV }

// HeldChanges lists the owners whose held GPUs changed since HeldVersion was since, oldest first,
// with repeats (policies registered with ledgerLog); false when that is too far back to tell. The
// slice is the ledger's: read it before anything starts.
func (v *view) HeldChanges(since uint64) ([]int32, bool) { return v.e.led.heldChanges(since) }

// LatestRun is owner o's running job that began last (-1: none), and PrevRun the one that began
// before running job k (-1: none): owners' running jobs in start order, walked back (policies
// that preempt). Jobs of every pool are listed; InPool tells this pool's.
func (v *view) LatestRun(o int32) int32 { return v.e.led.tail[o] }
func (v *view) PrevRun(k int32) int32   { return v.e.led.prevRun[k] }

// InPool reports whether placed job k holds GPUs in this pool, so that stopping it frees some here.
func (v *view) InPool(k int32) bool {
	j := &v.e.j[k]
	return j.gpus > 0 && j.pool == v.pl.idx
}

// GPUsOf is job k's GPU count.
func (v *view) GPUsOf(k int32) int32 { return v.e.j[k].gpus }

// Options are the run's options, a copy: a policy reads them, never changes them. The owner maps
// (Quota.Quotas, FairShare.Shares) and Progress are left out, so that nothing shared with the
// caller or the other runs is reachable: quotas and shares are read resolved, through Quota and
// Share.
func (v *view) Options() Options {
	o := v.e.opt
	o.Quota.Quotas, o.FairShare.Shares, o.Progress = nil, nil, nil
	return o
}

// StartOf is when job k last started.
func (v *view) StartOf(k int32) float64 { return v.e.startOf(k) }

// IsRunning reports whether job k is running (placed, and not waiting for nodes to boot).
func (v *view) IsRunning(k int32) bool { return v.e.j[k].state == jobRunning }

// Preempt stops running job k of this pool now (see engine.preempt) and reports whether it did.
// The job rejoins the queue at its original position after the pass.
func (p *plan) Preempt(k int32) bool { return p.e.preempt(p.pl, k) }

// Violation records that job k, about to start or just started, waited in quota beyond the grace
// time: a metric, not a decision.
func (p *plan) Violation(k int32) { p.e.led.violation(k) }
