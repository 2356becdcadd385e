package sim

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
)

// Preemption. A policy that preempts (quota) asks the plan to stop a running job; the engine
// gives its GPUs and power back at once, so the rest of the pass sees them, and puts the job back
// in its queue at its original position after the pass (so it never restarts in the pass that
// stopped it). A preempted job keeps the useful work saved at its last checkpoint (multiples of
// Options.CheckpointS of useful work; none without checkpoints) and restarts with the rest plus
// Options.RestartOverheadS. Completion events and estimate entries of a stopped run are not
// searched for: they carry the run's generation and are skipped when stale. The generation, not
// the time, tells runs apart: a job stopped with all its work saved and restarted at the same
// instant has the same end as the run it dropped.

// preRec is what the engine keeps per job for preemption, only when the policy preempts.
type preRec struct {
	saved  float64 // useful work kept in checkpoints, s at full speed
	ovh    float64 // restart overhead at the start of the current run
	vstart float64 // site work clock when the current run began
	vend   float64 // at a throttled site: the run's end in the site's work clock
	gen    uint32  // run generation, carried by its completion event and estimate entry
	n      int32   // times preempted
}

// quotaState holds per-owner quota bookkeeping, by Workload owner.
type quotaState struct {
	owner   []int32   // by engine job: its Workload owner
	held    []int32   // GPUs placed (booting or running)
	quota   []int32   // guaranteed GPUs
	share   []float64 // fair-share weights, summing to 1
	cap     []int32   // with QuotaNoBorrow: jobs above it are infeasible; else nil
	pre     []int32   // preemptions suffered
	lost    []float64 // GPU-seconds lost
	viol    []int32   // guarantee violations
	preN    int
	lostS   float64 // GPU-seconds lost, all owners
	allocS  float64 // GPU-seconds allocated to runs that were preempted
	violN   int
	requeue []int32 // jobs preempted in the current pass

	// Decayed usage (fair share only; else nil), GPU-seconds: usage[o] as of uAt[o], held
	// constant since.
	usage  []float64
	uAt    []float64
	lambda float64 // decay rate, 1/s
	overN  int     // owners holding more than their quota

	// Running jobs per owner, in the order they began: a list linked by job through prevRun and
	// nextRun, tail[o] the latest (-1: none). Only with preemption.
	prevRun, nextRun []int32
	tail             []int32
}

// linkRun appends job k, just begun, to its owner's running list.
func (qs *quotaState) linkRun(o, k int32) {
	qs.prevRun[k], qs.nextRun[k] = qs.tail[o], -1
	if t := qs.tail[o]; t >= 0 {
		qs.nextRun[t] = k
	}
	qs.tail[o] = k
}

// unlinkRun removes job k from its owner's running list.
func (qs *quotaState) unlinkRun(o, k int32) {
	pr, nx := qs.prevRun[k], qs.nextRun[k]
	if nx >= 0 {
		qs.prevRun[nx] = pr
	} else {
		qs.tail[o] = pr
	}
	if pr >= 0 {
		qs.nextRun[pr] = nx
	}
}

// addHeld changes owner o's held GPUs by dg at time t, first bringing their usage up to t.
func (qs *quotaState) addHeld(o, dg int32, t float64) {
	if qs.usage != nil {
		qs.usage[o] = qs.usageAt(o, t)
		qs.uAt[o] = t
	}
	was := qs.held[o] > qs.quota[o]
	qs.held[o] += dg
	if is := qs.held[o] > qs.quota[o]; is != was {
		if is {
			qs.overN++
		} else {
			qs.overN--
		}
	}
}

// usageAt is owner o's decayed usage at t: u(t) = u e^(-lambda dt) + held (1 - e^(-lambda dt))/lambda,
// the exact integral of held GPUs weighted by e^(-lambda (t - s)).
func (qs *quotaState) usageAt(o int32, t float64) float64 {
	dt := t - qs.uAt[o]
	if !(dt > 0) {
		return qs.usage[o]
	}
	x := -qs.lambda * dt
	return qs.usage[o]*math.Exp(x) - float64(qs.held[o])*math.Expm1(x)/qs.lambda
}

// initOwners sets up per-owner state for quota and fair-share policies: quotas and shares from
// Options or from the GPUs each owner holds in the Cluster.
func (e *engine) initOwners(c *Cluster, w *Workload, preempt bool) {
	no := len(w.Owners)
	qs := &quotaState{held: make([]int32, no), quota: make([]int32, no), share: make([]float64, no),
		pre: make([]int32, no), lost: make([]float64, no), viol: make([]int32, no)}
	if !preempt { // fair share; quota needs no usage
		qs.usage, qs.uAt = make([]float64, no), make([]float64, no)
	}
	hl := e.opt.FairShareHalfLifeS
	if hl <= 0 {
		hl = 7 * 86400
	}
	qs.lambda = math.Ln2 / hl
	gpus := map[string]int{}
	for _, o := range c.Owners {
		for _, g := range o.Nodes {
			gpus[o.Name] += g.Count * g.GPUsPerNode
		}
	}
	var sum float64
	for i, name := range w.Owners {
		q := gpus[name]
		if x, ok := e.opt.Quotas[name]; ok {
			q = x
		}
		qs.quota[i] = int32(max(0, min(q, math.MaxInt32)))
		sh := float64(gpus[name])
		if x, ok := e.opt.Shares[name]; ok {
			sh = x
		}
		qs.share[i] = max(sh, 0)
		sum += qs.share[i]
	}
	for i := range qs.share {
		if sum > 0 {
			qs.share[i] /= sum
		} else {
			qs.share[i] = 1 / float64(no)
		}
	}
	if preempt && e.opt.QuotaNoBorrow {
		qs.cap = qs.quota
	}
	// Owners by engine job, read by every pass over the queue: 4 bytes a job, in queue order,
	// rather than a job record each.
	qs.owner = make([]int32, e.n)
	for k := range e.n {
		qs.owner[k] = e.jobs[e.in(k)].Owner
	}
	e.qs = qs
	if preempt {
		qs.prevRun, qs.nextRun, qs.tail = make([]int32, e.n), make([]int32, e.n), make([]int32, no)
		for o := range qs.tail {
			qs.tail[o] = -1
		}
		e.pre = make([]preRec, e.n)
		for i := range e.w.pools { // stale entries are skipped by key, which needs the heap
			if e.w.pools[i].est == nil {
				e.w.pools[i].est = &estHeap{}
			}
		}
	}
}

// ownerOf is job k's Workload owner.
func (e *engine) ownerOf(k int32) int32 { return e.qs.owner[k] }

// estDead reports whether an estimate-heap entry no longer stands for a placed run.
func (e *engine) estDead(x estRun) bool {
	if e.pre == nil {
		return e.done(x.job)
	}
	st := e.j[x.job].state
	return (st != jobRunning && st != jobBooting) || e.pre[x.job].gen != x.gen
}

func (e *engine) trimEst(pl *pool) {
	h := pl.est
	for len(h.k) > 0 && e.estDead(h.v[0]) {
		h.pop()
	}
}

// preempt stops running job k of pool pl now: it frees the job's GPUs and power, records the
// work lost since its last checkpoint and queues the job for requeueing after the pass.
func (e *engine) preempt(pl *pool, k int32) bool {
	j := &e.j[k]
	if e.pre == nil || j.state != jobRunning || j.pool != pl.idx || j.gpus == 0 {
		return false
	}
	s := &e.w.sites[pl.site]
	r := &e.pre[k]
	prog := min(max(s.vnow(e.now)-r.vstart, 0), j.dur) // work done in this run
	useful := max(prog-r.ovh, 0)
	saved := r.saved
	if c := e.opt.CheckpointS; c > 0 {
		saved = max(saved, math.Floor((r.saved+useful)/c)*c)
	}
	dur := e.jobs[e.in(k)].Duration
	saved = min(saved, dur)
	lost := float64(j.gpus) * (prog - (saved - r.saved))
	o := e.ownerOf(k)
	e.qs.preN++
	e.qs.pre[o]++
	e.qs.lostS += lost
	e.qs.lost[o] += lost
	e.qs.allocS += float64(j.gpus) * (e.now - e.startOf(k))
	r.saved, r.ovh = saved, e.opt.RestartOverheadS
	r.gen++
	r.n++

	e.runPower(s, k, e.partsOf(pl, k), -1)
	if s.capped() {
		s.placed -= e.cost[k]
		for _, pi := range s.pools { // power freed for the site's other pools
			if x := &e.w.pools[pi]; x != pl {
				x.version++
				if x.q.live > 0 {
					e.markDirty(x)
				}
			}
		}
	}
	e.release(pl, k)
	e.qs.unlinkRun(o, k)
	j.dur = r.ovh + (dur - saved)
	j.state = jobWaiting
	e.trimEst(pl)
	if s.throttle() {
		s.proxyDirty = true
	}
	pl.version++
	e.touch(pl.site)
	e.queued++
	e.qs.requeue = append(e.qs.requeue, k)
	return true
}

// requeue puts the jobs preempted in pl's pass back at their queue positions.
func (e *engine) requeue(pl *pool) {
	if e.qs == nil || len(e.qs.requeue) == 0 {
		return
	}
	for _, k := range e.qs.requeue {
		pl.q.insert(k, e.j[k].gpus, e.j[k].dur)
	}
	e.qs.requeue = e.qs.requeue[:0]
}

// insert puts job k back at its place in an id-ordered queue.
func (q *queue) insert(k, g int32, d float64) {
	es := q.entries()
	i := sort.Search(len(es), func(i int) bool {
		x := es[i]
		if x < 0 {
			x = ^x
		}
		return x >= k
	})
	switch {
	case i < len(es) && es[i] == ^k: // the hole it left when it started
		at := q.head + i
		q.jobs[at], q.gs[at], q.ds[at] = k, g, d
		q.holes--
	case i == 0 && q.head > 0: // before the head: reuse the slot of a dropped hole
		q.head--
		q.jobs[q.head], q.gs[q.head], q.ds[q.head] = k, g, d
	default:
		at := q.head + i
		q.jobs = slices.Insert(q.jobs, at, k)
		q.gs = slices.Insert(q.gs, at, g)
		q.ds = slices.Insert(q.ds, at, d)
	}
	q.live++
	q.count[g]++
	q.minG = min(q.minG, g)
}

// validateQuota checks the quota and fair-share options: durations finite and non-negative,
// quotas and shares for cluster owners only, quotas non-negative, shares finite and non-negative.
func validateQuota(opt Options, lk *lookup) []error {
	var errs []error
	for _, d := range []struct {
		name string
		v    float64
	}{{"checkpoint_s", opt.CheckpointS}, {"restart_overhead_s", opt.RestartOverheadS},
		{"quota_grace_s", opt.QuotaGraceS}, {"fairshare_half_life_s", opt.FairShareHalfLifeS}} {
		if !finite(d.v) || d.v < 0 {
			errs = append(errs, fmt.Errorf("%w: %s %v must be finite and non-negative", ErrInvalidOptions, d.name, d.v))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(opt.Quotas)) {
		if _, ok := lk.owners[name]; !ok {
			errs = append(errs, fmt.Errorf("%w: quota for %q, who is not a cluster owner", ErrInvalidOptions, name))
		} else if q := opt.Quotas[name]; q < 0 {
			errs = append(errs, fmt.Errorf("%w: quota of %q is %d GPUs, must be non-negative", ErrInvalidOptions, name, q))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(opt.Shares)) {
		if _, ok := lk.owners[name]; !ok {
			errs = append(errs, fmt.Errorf("%w: share for %q, who is not a cluster owner", ErrInvalidOptions, name))
		} else if s := opt.Shares[name]; !finite(s) || s < 0 {
			errs = append(errs, fmt.Errorf("%w: share of %q is %v, must be finite and non-negative", ErrInvalidOptions, name, s))
		}
	}
	return errs
}
