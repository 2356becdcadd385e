package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gpuplan/gpuplan"
)

// The shared suite: every policy in Policies() runs over seeded random workloads on clusters that
// exercise pool and node placement, no cap, queue and throttle caps (at the farm and at a lab site
// shared by several owners), power-off, mixed GPU types and node sizes, zero-GPU and zero-length
// jobs, ties, infeasible jobs and unsorted input. After every event and every timestamp a hook
// checks the engine's state against invariants recomputed here from first principles; at the end
// the result is checked against what the hook saw. A new policy joins by being registered.

var zeus = []gpuplan.PerfPoint{{F: 0.3, Perf: 0.31}, {F: 0.4, Perf: 0.50}, {F: 0.5, Perf: 0.72}, {F: 0.6, Perf: 0.86},
	{F: 0.7, Perf: 0.92}, {F: 0.8, Perf: 0.97}, {F: 0.9, Perf: 0.99}, {F: 1, Perf: 1}}

type suiteCase struct {
	name string
	c    *gpuplan.Cluster
	opt  Options
}

// suiteCluster: two lab sites (lab1 shared by owners o0 and o1, lab2 by o2, o3 and o4, who has no
// jobs), two GPU types, and a farm of 3 nodes x 8 "a" plus 2 nodes x 4 "b" (32 GPUs).
func suiteCluster(labCap float64, labMode gpuplan.CapMode, farmCap float64, farmMode gpuplan.CapMode, idleOff float64) *gpuplan.Cluster {
	return &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{
			{Name: "a", TDPW: 700, IdleW: 70, BusyW: 500, MinLimit: 0.3, Perf: zeus},
			{Name: "b", TDPW: 300, IdleW: 30, BusyW: 250, MinLimit: 0.5},
		},
		Sites: []gpuplan.Site{
			{Name: "lab1", PUE: 1.8, CapW: labCap, CapMode: labMode},
			{Name: "lab2", PUE: 1.5},
			{Name: "farm", PUE: 1.3, CapW: farmCap, CapMode: farmMode},
		},
		Owners: []gpuplan.Owner{
			{Name: "o0", Site: "lab1", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 4, GPUType: "a", NodeW: 50}}},
			{Name: "o1", Site: "lab1", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 2, GPUType: "a", NodeW: 50}, {Count: 1, GPUsPerNode: 2, GPUType: "b", NodeW: 50}}},
			{Name: "o2", Site: "lab2", Nodes: []gpuplan.NodeGroup{{Count: 2, GPUsPerNode: 4, GPUType: "b", NodeW: 40}}},
			{Name: "o3", Site: "lab2", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 8, GPUType: "a", NodeW: 100}}},
			{Name: "o4", Site: "lab2", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 2, GPUType: "a", NodeW: 30}}},
		},
		Farm: gpuplan.Farm{Site: "farm", IdleOffS: idleOff, BootS: 3 * idleOff,
			Nodes: []gpuplan.NodeGroup{{Count: 3, GPUsPerNode: 8, GPUType: "a", NodeW: 400}, {Count: 2, GPUsPerNode: 4, GPUType: "b", NodeW: 200}}},
	}
}

func suiteCases() []suiteCase {
	// Farm: idle 4576 W, all busy at full power 20280 W, all busy at f = 0.5 (its floor) 14560 W.
	// lab1: idle 1134 W, all busy 6570 W.
	const farmCap, labCap = 14000.0, 4000.0
	pool, nodes := Options{Placement: PlacementPool}, Options{Placement: PlacementNodes}
	over := Options{Placement: PlacementNodes, EstimateFactor: 1.5}
	return []suiteCase{
		{"pool", suiteCluster(0, gpuplan.CapNone, 0, gpuplan.CapNone, 0), pool},
		{"nodes", suiteCluster(0, gpuplan.CapNone, 0, gpuplan.CapNone, 0), nodes},
		{"pool-queue", suiteCluster(labCap, gpuplan.CapQueue, farmCap, gpuplan.CapQueue, 0), pool},
		{"nodes-queue", suiteCluster(labCap, gpuplan.CapQueue, farmCap, gpuplan.CapQueue, 0), nodes},
		{"pool-throttle", suiteCluster(labCap, gpuplan.CapThrottle, farmCap, gpuplan.CapThrottle, 0), pool},
		{"nodes-throttle-overestimate", suiteCluster(labCap, gpuplan.CapThrottle, farmCap, gpuplan.CapThrottle, 0), over},
		{"nodes-poweroff", suiteCluster(0, gpuplan.CapNone, 0, gpuplan.CapNone, 20), nodes},
		{"nodes-poweroff-queue", suiteCluster(labCap, gpuplan.CapQueue, farmCap, gpuplan.CapQueue, 20), nodes},
		{"nodes-poweroff-throttle", suiteCluster(labCap, gpuplan.CapThrottle, farmCap, gpuplan.CapThrottle, 20), nodes},
		// Checkpoints and restart overheads (only preempting policies read them).
		{"pool-checkpoint", suiteCluster(0, gpuplan.CapNone, 0, gpuplan.CapNone, 0), Options{Placement: PlacementPool, Quota: Quota{CheckpointS: 15, RestartOverheadS: 4}}},
		{"nodes-throttle-checkpoint", suiteCluster(labCap, gpuplan.CapThrottle, farmCap, gpuplan.CapThrottle, 0), Options{Placement: PlacementNodes, Quota: Quota{CheckpointS: 10, RestartOverheadS: 3}}},
	}
}

// suiteWorkload draws n jobs for owners o0..o3: integer submit times (ties), integer durations
// (zero-length jobs), sizes from 0 to beyond the farm, a quarter with their own power draw, and a
// tenth of the rows moved out of submit order.
func suiteWorkload(seed uint64, n int) *gpuplan.Workload {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	sizes := []int32{0, 1, 1, 1, 1, 2, 2, 2, 3, 4, 4, 6, 8, 9, 12, 16, 40}
	w := &gpuplan.Workload{Owners: []string{"o0", "o1", "o2", "o3"}}
	t := 0.0
	for i := range n {
		t += math.Round(rng.ExpFloat64() * 4)
		j := gpuplan.Job{ID: fmt.Sprintf("j%d", i), Owner: int32(rng.IntN(4)), Group: -1, Submit: t,
			GPUs: sizes[rng.IntN(len(sizes))], Duration: math.Round(rng.ExpFloat64() * 60)}
		if rng.IntN(4) == 0 {
			j.PowerW = float64(100 + rng.IntN(700))
		}
		w.Jobs = append(w.Jobs, j)
	}
	for range n / 10 {
		a, b := rng.IntN(n), rng.IntN(n)
		w.Jobs[a], w.Jobs[b] = w.Jobs[b], w.Jobs[a]
	}
	return w
}

func TestPolicySuite(t *testing.T) {
	seeds := []uint64{1, 2, 3}
	n := 500
	if testing.Short() {
		seeds, n = seeds[:1], 300
	}
	for _, def := range registry {
		for _, sc := range suiteCases() {
			for _, seed := range seeds {
				t.Run(fmt.Sprintf("%s/%s/%d", def.name, sc.name, seed), func(t *testing.T) {
					r := checkRun(t, sc, &def, suiteWorkload(seed, n))
					t.Logf("completed %d infeasible %d util %.2f cap share %.2f mean wait %.1f preemptions %d lost %.2f GPU-h", r.Jobs.Completed, r.Jobs.Infeasible, r.Utilization, r.CapTimeShare, r.WaitS.Mean, r.Preemptions, r.LostGPUHours)
				})
			}
		}
	}
}

// checkRun runs one policy with the invariant hook and checks the result against what it saw.
func checkRun(t *testing.T, sc suiteCase, def *policyDef, w *gpuplan.Workload) *Result {
	t.Helper()
	lk, err := validate(sc.c, w, def.farm, sc.opt)
	if err != nil {
		t.Fatal(err)
	}
	ck := &checker{t: t, c: sc.c, fifo: def.name == "fifo" || def.name == "fragmented"}
	e, err := runPolicy(sc.c, w, lk, def, sc.opt, ck.hook)
	if err != nil {
		t.Fatal(err)
	}
	a, b := e.window(e.lastEnd)
	r := e.result(def.name, w, a, b)
	ck.final(w, r)
	return r
}

// checker recomputes, after every event, what the engine's state must satisfy.
type checker struct {
	t    *testing.T
	c    *gpuplan.Cluster
	fifo bool
	e    *engine

	lastT      float64
	power      float64   // facility power since lastT, recomputed here
	energy     []float64 // cumulative facility energy (J) at each batch time
	energyT    []float64
	speed      []float64 // per site, during [lastT, now)
	running    []int32   // jobs running during [lastT, now)
	work       []float64 // per job: integral of its speed while running, in its current run
	total      []float64 // per job: the same over the runs that were preempted
	preN       []int32   // per job: preemptions seen
	preempted  int       // preemptions seen
	placed     []bool
	maxPlaced  []int32 // per pool: highest job id placed so far
	violations int
}

func (ck *checker) fail(format string, a ...any) {
	ck.t.Helper()
	if ck.violations < 10 {
		ck.t.Errorf("t=%g: "+format, append([]any{ck.e.now}, a...)...)
	}
	ck.violations++
}

func (ck *checker) hook(e *engine, at hookPoint) {
	if ck.e == nil {
		ck.e = e
		ck.work = make([]float64, e.n)
		ck.total = make([]float64, e.n)
		ck.preN = make([]int32, e.n)
		ck.placed = make([]bool, e.n)
		ck.maxPlaced = make([]int32, len(e.w.pools))
		for i := range ck.maxPlaced {
			ck.maxPlaced[i] = -1
		}
		ck.lastT = e.t0
	}
	ck.checkAllocation()
	if at == hookBatch {
		ck.batch()
	}
}

// state of job k as the hook sees it.
func (ck *checker) waiting(k int32) bool {
	pl := &ck.e.w.pools[ck.e.j[k].pool]
	return slices.Contains(pl.q.entries(), k)
}

// checkAllocation: every placed job holds its GPUs exactly once; free counts match.
func (ck *checker) checkAllocation() {
	e := ck.e
	for pi := range e.w.pools {
		pl := &e.w.pools[pi]
		var held int32
		var nodeUse []int32
		if pl.nodes != nil {
			nodeUse = make([]int32, len(pl.nodes.cap))
		}
		var groupUse []int32
		if pl.gfree != nil {
			groupUse = make([]int32, len(pl.groups))
		}
		live := 0
		for _, k := range pl.q.entries() {
			if k >= 0 {
				live++
			}
		}
		if live != pl.q.live {
			ck.fail("pool %d: %d waiting, queue says %d", pi, live, pl.q.live)
		}
		for k := range e.n {
			j := &e.j[k]
			if j.pool != int32(pi) || !ck.isPlaced(k) || j.gpus == 0 {
				continue
			}
			held += j.gpus
			switch {
			case pl.nodes != nil && j.gpus <= pl.nodes.maxCap:
				nodeUse[j.alloc] += j.gpus
			case pl.nodes != nil:
				rem := j.gpus
				for i := j.alloc; i >= 0; i = pl.nodes.next[i] {
					if nodeUse[i] != 0 {
						ck.fail("job %d takes node %d, already used", k, i)
					}
					nodeUse[i] = pl.nodes.cap[i] // whole node
					rem -= min(rem, pl.nodes.cap[i])
				}
				if rem != 0 {
					ck.fail("job %d: nodes short by %d GPUs", k, rem)
				}
			case pl.gfree != nil:
				ng := len(pl.groups)
				var sum int32
				for g, n := range pl.split[int(j.alloc)*ng : int(j.alloc+1)*ng] {
					groupUse[g] += n
					sum += n
				}
				if sum != j.gpus {
					ck.fail("job %d: split holds %d of %d GPUs", k, sum, j.gpus)
				}
			}
		}
		if held > pl.total || pl.free != pl.total-held {
			ck.fail("pool %d: placed jobs hold %d of %d GPUs, free says %d", pi, held, pl.total, pl.free)
		}
		for i, u := range nodeUse {
			ns := pl.nodes
			if u > ns.cap[i] || ns.free[i] != ns.cap[i]-u {
				ck.fail("pool %d node %d: %d of %d GPUs used, free says %d", pi, i, u, ns.cap[i], ns.free[i])
			}
			if ns.off != nil && hasBit(ns.off, i) && u > 0 {
				ck.fail("pool %d node %d: off with jobs on it", pi, i)
			}
		}
		for g, u := range groupUse {
			if pl.gfree[g] != pl.groups[g].gpn*pl.groups[g].count-u {
				ck.fail("pool %d group %d: %d used, free says %d", pi, g, u, pl.gfree[g])
			}
		}
	}
}

// isPlaced: holds GPUs now (booting or running).
func (ck *checker) isPlaced(k int32) bool {
	st := ck.e.j[k].state
	return st == jobBooting || st == jobRunning
}

func (ck *checker) everPlaced(k int32) bool {
	st := ck.e.j[k].state
	return st == jobBooting || st == jobRunning || st == jobDone
}

// batch runs after a timestamp settled: power, energy, work, order.
func (ck *checker) batch() {
	e := ck.e
	now := e.now
	dt := now - ck.lastT
	// Work done during [lastT, now) by the jobs then running.
	for _, k := range ck.running {
		s := e.w.pools[e.j[k].pool].site
		ck.work[k] += ck.speed[s] * dt
	}
	if dt > 0 {
		prev := 0.0
		if n := len(ck.energy); n > 0 {
			prev = ck.energy[n-1]
		}
		ck.energy = append(ck.energy, prev+ck.power*dt)
		ck.energyT = append(ck.energyT, now)
	}
	// Jobs that left the queue at this timestamp, in order per pool (first-come policies).
	for k := range e.n {
		j := &e.j[k]
		if ck.placed[k] || !ck.everPlaced(k) {
			continue
		}
		if ck.waiting(k) {
			ck.fail("job %d placed and waiting", k)
		}
		ck.placed[k] = true
		if e.sub(k) > now {
			ck.fail("job %d placed before its submit %g", k, e.sub(k))
		}
		if ck.fifo {
			if k < ck.maxPlaced[j.pool] {
				ck.fail("pool %d: job %d placed after job %d (first-come order)", j.pool, k, ck.maxPlaced[j.pool])
			}
			ck.maxPlaced[j.pool] = max(ck.maxPlaced[j.pool], k)
		}
	}
	if ck.fifo {
		for pi := range e.w.pools {
			for _, k := range e.w.pools[pi].q.entries() {
				if k >= 0 && k < ck.maxPlaced[pi] {
					ck.fail("pool %d: job %d still waits behind placed job %d", pi, k, ck.maxPlaced[pi])
				}
			}
		}
	}
	// Preempted at this timestamp (possibly a job that began at it, after booting): the run's
	// work is set aside (final checks it against the work kept and lost), and the job holds
	// nothing (checkAllocation) and waits in its queue unless a later batch at the same time
	// restarted it.
	for _, k := range ck.running {
		if e.j[k].state == jobWaiting && e.pre == nil {
			ck.fail("job %d: waiting again without preemption", k)
		}
	}
	if e.pre != nil {
		for k := range e.n {
			d := int(e.pre[k].n - ck.preN[k])
			if d == 0 {
				continue
			}
			ck.preN[k] = e.pre[k].n
			ck.preempted += d
			ck.total[k] += ck.work[k]
			ck.work[k] = 0
			if st := e.j[k].state; st == jobWaiting && !ck.waiting(k) || st == jobDone {
				ck.fail("job %d: preempted, then %v and not waiting", k, st)
			}
		}
		// Requeued jobs keep the queue in id order (their original position).
		for pi := range e.w.pools {
			prev := int32(-1)
			for _, k := range e.w.pools[pi].q.entries() {
				if k < 0 {
					k = ^k
				}
				if k <= prev {
					ck.fail("pool %d: queue out of id order (%d after %d)", pi, k, prev)
				}
				prev = k
			}
		}
	}
	// Completions at this timestamp: the work they did is their duration (exact in real time where
	// no throttle applies).
	for _, k := range ck.running {
		j := &e.j[k]
		if j.state != jobDone {
			continue
		}
		if s := &e.w.sites[e.w.pools[j.pool].site]; !s.throttle() || j.dur == 0 {
			if end, start := e.endOf(k), e.startOf(k); end != start+j.dur {
				ck.fail("job %d: ends %v, want start %v + duration %v exactly", k, end, start, j.dur)
			}
		} else if math.Abs(ck.work[k]-j.dur) > 1e-6*max(1, j.dur) {
			ck.fail("job %d: did %v s of work, needs %v", k, ck.work[k], j.dur)
		}
	}
	// Power now, recomputed from the placed jobs and powered nodes.
	ck.power = 0
	ck.speed = ck.speed[:0]
	for si := range e.w.sites {
		s := &e.w.sites[si]
		it := ck.sitePowerIT(int32(si), s.f)
		fac := s.pue * it
		ck.power += fac
		if math.Abs(it-s.itW) > 1e-6*max(1, it) {
			ck.fail("site %s: IT draw %v W, engine says %v W", s.name, it, s.itW)
		}
		if s.capped() && fac > s.capW*(1+1e-9) {
			ck.fail("site %s: %v W above its %v W cap (f %v)", s.name, fac, s.capW, s.f)
		}
		if s.throttle() {
			if s.f < s.fmin || s.f > 1 {
				ck.fail("site %s: f %v outside [%v, 1]", s.name, s.f, s.fmin)
			}
			// f is the largest that fits: a little more would exceed the cap (the engine's cap is
			// whole mW, so allow it that much).
			if up := min(s.f+1e-4, 1); s.f < 1 && s.f > s.fmin && s.pue*ck.sitePowerIT(int32(si), up) <= s.capW-0.01 {
				ck.fail("site %s: f %v not the largest within the cap", s.name, s.f)
			}
			if want := speedAt(e.w.types, s.types, s.f); s.speed != want {
				ck.fail("site %s: speed %v at f %v, want %v", s.name, s.speed, s.f, want)
			}
		}
		ck.speed = append(ck.speed, s.speed)
	}
	if math.Abs(ck.power-e.totFac) > 1e-6*max(1, ck.power) {
		ck.fail("facility power %v W, engine total %v W", ck.power, e.totFac)
	}
	ck.running = ck.running[:0]
	for k := range e.n {
		if e.j[k].state == jobRunning {
			ck.running = append(ck.running, k)
		}
	}
	ck.lastT = now
}

// sitePowerIT is site si's IT draw (W) at power-limit fraction f: powered nodes at idle plus, for
// every running job, its GPUs' draw above idle.
func (ck *checker) sitePowerIT(si int32, f float64) float64 {
	e := ck.e
	var p float64
	for pi := range e.w.pools {
		pl := &e.w.pools[pi]
		if pl.site != si {
			continue
		}
		for gi, g := range pl.groups {
			t := ck.c.GPUTypes[g.typ]
			nodeOn := float64(g.nodeMW)/1000 + float64(g.gpn)*t.IdleW
			for n := range int(g.count) {
				if pl.nodes != nil && pl.nodes.off != nil {
					idx := ck.nodeIndex(pl, gi, n)
					if hasBit(pl.nodes.off, idx) {
						continue
					}
				}
				p += nodeOn
			}
		}
		for k := range e.n {
			j := &e.j[k]
			if j.pool != int32(pi) || j.state != jobRunning || j.gpus == 0 {
				continue
			}
			for _, pt := range ck.parts(pl, k) {
				t := ck.c.GPUTypes[pt.typ]
				w := t.BusyW
				if pw := ck.powerW(k); pw > 0 {
					w = pw
				}
				p += float64(pt.n) * (min(w, f*t.TDPW) - t.IdleW)
			}
		}
	}
	return p
}

func (ck *checker) powerW(k int32) float64 { return ck.e.jobs[ck.e.in(k)].PowerW }

func (ck *checker) nodeIndex(pl *pool, group, n int) int {
	i := 0
	for g := range group {
		i += int(pl.groups[g].count)
	}
	return i + n
}

// parts splits running job k's GPUs by type from its allocation, independently of the engine's
// partsOf.
func (ck *checker) parts(pl *pool, k int32) []part {
	j := &ck.e.j[k]
	switch {
	case pl.nodes == nil && pl.gfree == nil:
		return []part{{pl.groups[0].typ, j.gpus}}
	case pl.nodes == nil:
		var ps []part
		ng := len(pl.groups)
		for g, n := range pl.split[int(j.alloc)*ng : int(j.alloc+1)*ng] {
			ps = append(ps, part{pl.groups[g].typ, n})
		}
		return ps
	}
	ns := pl.nodes
	var ps []part
	rem := j.gpus
	for i := j.alloc; i >= 0 && rem > 0; {
		n := min(rem, ns.cap[i])
		ps = append(ps, part{pl.groups[ns.grp[i]].typ, n})
		rem -= n
		if j.gpus <= ns.maxCap {
			break
		}
		i = ns.next[i]
	}
	return ps
}

// final checks the result against the jobs' times and the energy seen by the hook.
func (ck *checker) final(w *gpuplan.Workload, r *Result) {
	t := ck.t
	t.Helper()
	if r.Jobs.Completed+r.Jobs.Infeasible != r.Jobs.Submitted || r.Jobs.Submitted != len(w.Jobs) {
		t.Errorf("completed %d + infeasible %d != submitted %d (%d jobs)", r.Jobs.Completed, r.Jobs.Infeasible, r.Jobs.Submitted, len(w.Jobs))
	}
	var work, infeasible, ran float64
	last := math.Inf(-1)
	e := ck.e
	run := make([]float64, len(w.Jobs)) // each job's last run: its duration unless preempted
	for k := range e.n {
		i := e.in(k)
		run[i] = w.Jobs[i].Duration
		if e.pre != nil && e.pre[k].n > 0 {
			run[i] = e.j[k].dur
		}
		ran += float64(e.j[k].gpus) * (ck.total[k] + ck.work[k])
	}
	for i, j := range w.Jobs {
		if math.IsNaN(r.Start[i]) {
			infeasible += float64(j.GPUs) * j.Duration
			if !math.IsNaN(r.End[i]) {
				t.Errorf("job %d: infeasible but ends at %v", i, r.End[i])
			}
			continue
		}
		if r.Start[i] < j.Submit || r.End[i] < r.Start[i]+run[i]*(1-1e-12) {
			t.Errorf("job %d: submit %v, runs [%v, %v] for %v s", i, j.Submit, r.Start[i], r.End[i], j.Duration)
		}
		work += float64(j.GPUs) * j.Duration
		last = max(last, r.End[i])
	}
	if d := math.Abs(r.GPUHours - work/3600); d > 1e-9*max(1, work/3600) {
		t.Errorf("GPU-hours %v, jobs did %v", r.GPUHours, work/3600)
	}
	// GPU work is conserved: what all runs did, measured here, is what was delivered plus what
	// preemption and restart overheads lost.
	if got := r.GPUHours + r.LostGPUHours; math.Abs(got-ran/3600) > 1e-6*max(1, ran/3600) {
		t.Errorf("GPU-hours %v delivered + %v lost, runs did %v", r.GPUHours, r.LostGPUHours, ran/3600)
	}
	if r.Preemptions != ck.preempted {
		t.Errorf("%d preemptions reported, %d seen", r.Preemptions, ck.preempted)
	}
	var ownPre int
	var ownLost float64
	for _, o := range r.Owners {
		ownPre += o.Preemptions
		ownLost += o.LostGPUHours
	}
	if ownPre != r.Preemptions || math.Abs(ownLost-r.LostGPUHours) > 1e-9*max(1, ownLost) {
		t.Errorf("owners' preemptions %d and lost %v GPU-h, totals %d and %v", ownPre, ownLost, r.Preemptions, r.LostGPUHours)
	}
	if d := math.Abs(r.Jobs.InfeasibleGPUHours - infeasible/3600); d > 1e-9*max(1, infeasible/3600) {
		t.Errorf("infeasible GPU-hours %v, want %v", r.Jobs.InfeasibleGPUHours, infeasible/3600)
	}
	// Facility energy over the window: the hook's integral up to the last completion.
	var want float64
	for i, at := range ck.energyT {
		if at <= last {
			want = ck.energy[i]
		}
	}
	if got := r.EnergyKWh.Facility * 3.6e6; math.Abs(got-want) > 1e-6*max(1, want) {
		t.Errorf("facility energy %v J, integral of power %v J", got, want)
	}
	if ck.violations > 0 {
		t.Errorf("%d invariant violations", ck.violations)
	}
}
