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
// Options.Quota.CheckpointS of useful work; none without checkpoints) and restarts with the rest plus
// Options.Quota.RestartOverheadS. Completion events and estimate entries of a stopped run are not
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

// initPreempt sets up what preemption needs: a record per job. A pool keeps an estimate heap only
// where estimates are not the completion times; where they are (newEngine leaves est nil), the
// walk of the event queue skips a preempted run's completion by its generation, which the event
// carries, as the heap's entries do.
func (e *engine) initPreempt() {
	e.pre = make([]preRec, e.n)
	e.preOnce = make([]uint64, (e.n+63)/64)
	e.dones = make([]uint64, len(e.w.pools))
}

// wasPreempted reports whether job k was ever preempted (policies that preempt only).
func (e *engine) wasPreempted(k int32) bool { return e.preOnce[k>>6]&(1<<(k&63)) != 0 }

// staleDone reports whether a completion event of job k's run of generation gen belongs to a
// preempted run: the job is waiting again, or running a later run. Only a job ever preempted can
// have one.
func (e *engine) staleDone(k int32, gen uint32) bool {
	return e.pre != nil && e.wasPreempted(k) && (gen != e.pre[k].gen || e.j[k].state != jobRunning)
}

// runStart is when running job k's current run began, in site s's work clock (see beginParts).
func (e *engine) runStart(s *site, k int32) float64 {
	if s.throttle() || e.wasPreempted(k) {
		return e.pre[k].vstart
	}
	return e.startOf(k)
}

// ownerOf is job k's Workload owner, for policies that keep an owner ledger.
func (e *engine) ownerOf(k int32) int32 { return e.led.owner[k] }

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
	if h == nil {
		return
	}
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
	prog := min(max(s.vnow(e.now)-e.runStart(s, k), 0), j.dur) // work done in this run
	useful := max(prog-r.ovh, 0)
	saved := r.saved
	if c := e.opt.Quota.CheckpointS; c > 0 {
		saved = max(saved, math.Floor((r.saved+useful)/c)*c)
	}
	dur := e.jobs[e.in(k)].Duration
	saved = min(saved, dur)
	head := min(r.ovh, prog) // restart overhead done, lost; then work kept, then work lost
	x := loss{s: e.start[e.in(k)], t: e.now, work: prog, head: head, tail: max(prog-head-(saved-r.saved), 0),
		gpuS: float64(j.gpus) * (prog - (saved - r.saved))}
	r.saved, r.ovh = saved, e.opt.Quota.RestartOverheadS
	r.gen++
	r.n++
	e.preOnce[k>>6] |= 1 << (k & 63)

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
	e.led.preempted(k, x)
	j.dur = r.ovh + (dur - saved)
	j.state = jobWaiting
	e.trimEst(pl)
	if s.throttle() {
		s.proxyDirty = true
	}
	pl.version++
	e.touch(pl.site)
	e.queued++
	e.requeued = append(e.requeued, k)
	return true
}

// requeue puts the jobs preempted in pl's pass back at their queue positions.
func (e *engine) requeue(pl *pool) {
	if len(e.requeued) == 0 {
		return
	}
	for _, k := range e.requeued {
		pl.q.insert(k, e.j[k].gpus, e.j[k].dur)
	}
	e.requeued = e.requeued[:0]
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
	}{{"checkpoint_s", opt.Quota.CheckpointS}, {"restart_overhead_s", opt.Quota.RestartOverheadS},
		{"quota_grace_s", opt.Quota.GraceS}, {"fairshare_half_life_s", opt.FairShare.HalfLifeS}} {
		if !finite(d.v) || d.v < 0 {
			errs = append(errs, fmt.Errorf("%w: %s %v must be finite and non-negative", ErrInvalidOptions, d.name, d.v))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(opt.Quota.Quotas)) {
		if _, ok := lk.owners[name]; !ok {
			errs = append(errs, fmt.Errorf("%w: quota for %q, who is not a cluster owner", ErrInvalidOptions, name))
		} else if q := opt.Quota.Quotas[name]; q < 0 {
			errs = append(errs, fmt.Errorf("%w: quota of %q is %d GPUs, must be non-negative", ErrInvalidOptions, name, q))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(opt.FairShare.Shares)) {
		if _, ok := lk.owners[name]; !ok {
			errs = append(errs, fmt.Errorf("%w: share for %q, who is not a cluster owner", ErrInvalidOptions, name))
		} else if s := opt.FairShare.Shares[name]; !finite(s) || s < 0 {
			errs = append(errs, fmt.Errorf("%w: share of %q is %v, must be finite and non-negative", ErrInvalidOptions, name, s))
		}
	}
	return errs
}
