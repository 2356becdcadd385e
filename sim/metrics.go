package sim

import (
	"math"

	"github.com/gpuplan/gpuplan"
)

// BoundedSlowdownTauS is the runtime floor of the bounded slowdown, max(1, (wait+run)/max(run, tau)),
// so that very short jobs do not dominate the mean.
const BoundedSlowdownTauS = slowdownTauS

const (
	slowdownTauS = 10.0          // bounded slowdown threshold
	monthS       = 30.44 * 86400 // for the demand charge
	jPerKWh      = 3.6e6
)

// result turns the finished run into a Result measured over [a, b], absolute times with
// t0 <= a <= b: the run's own window or the one it shares with the other policies of its run.
// Waits and slowdowns are over the measured jobs: those submitted at or after mFrom and, when
// the window's end was given, before mTo.
func (e *engine) result(name string, w *gpuplan.Workload, a, b float64) *Result {
	n := int(e.n)
	r := &Result{Name: name, GPUs: int(e.w.gpus), Start: e.start, End: e.end, Prices: e.opt.Prices}
	r.Window = Window{FromS: a - e.t0, ToS: b - e.t0, SteadyState: e.opt.Measure.steady()}
	r.mFrom, r.mTo = e.mFrom, e.mTo
	if e.completed > 0 {
		r.MakespanS = e.lastEnd - e.t0
	}
	var capKW float64
	capped := false
	for i := range e.w.sites {
		if s := &e.w.sites[i]; s.capped() {
			capKW += s.capW / 1000
			capped = true
		}
	}
	if capped {
		r.PowerCapKW = &capKW
	}
	all := !r.Window.SteadyState // every job is measured: no filter to apply
	measured := func(submit float64) bool { return all || submit >= e.mFrom && submit < e.mTo }

	// Measured jobs' waits grouped by owner (the groups sized from the arrival counts), and sums.
	no := len(w.Owners)
	type acc struct {
		wait, bsld, work float64
		jobs, infeasible int32
	}
	ow := make([]acc, no)
	var jc JobCounts
	if all {
		jc = JobCounts{Submitted: n, Completed: e.completed, Infeasible: e.infeasible, InfeasibleGPUHours: e.infeasibleGPUS / 3600}
		for o := range ow {
			ow[o].jobs, ow[o].infeasible = e.ownerJobs[o], e.ownerInfeasible[o]
		}
	} else {
		var infS float64
		for i := range w.Jobs {
			jb := &w.Jobs[i]
			if !measured(jb.Submit) {
				continue
			}
			jc.Submitted++
			o := &ow[jb.Owner]
			o.jobs++
			if math.IsNaN(r.Start[i]) {
				jc.Infeasible++
				o.infeasible++
				infS += float64(jb.GPUs) * jb.Duration
			} else {
				jc.Completed++
			}
		}
		jc.InfeasibleGPUHours = infS / 3600
	}
	r.Jobs = jc
	off := make([]int, no+1)
	for o := range no {
		off[o+1] = off[o] + int(ow[o].jobs-ow[o].infeasible)
	}
	fill := append([]int(nil), off[:no]...)
	waits := make([]float64, jc.Completed)
	var sumWait, sumBsld, work, maxWait float64
	var split map[int32]splitWork
	if !all && e.pre != nil {
		split = e.splitWork(a, b)
	}
	for i := range w.Jobs {
		st := r.Start[i]
		if math.IsNaN(st) {
			continue
		}
		jb := &w.Jobs[i]
		g := float64(jb.GPUs)
		en := r.End[i]
		run := en - st
		// Work delivered inside [a, b]: the job's work in proportion to the part of its run there;
		// for a job preempted across the window's edges, the work each of its runs kept, each
		// where it was done (splitWork).
		jw := g * jb.Duration
		sw, ok := splitWork{}, false
		if split != nil && (jb.Submit < a || en > b) { // else every run of it lies in [a, b]
			sw, ok = split[int32(i)]
		}
		if ok && (sw.first < a || en > b) {
			jw = sw.kept + e.lastRunWork(sw.k, st, en, a, b)
		} else if st < a || en > b {
			if ov := min(en, b) - max(st, a); ov > 0 && run > 0 {
				jw *= ov / run
			} else {
				jw = 0
			}
		}
		o := &ow[jb.Owner]
		o.work += jw
		work += jw
		if !measured(jb.Submit) {
			continue
		}
		wait := st - jb.Submit
		bsld := max(1, (wait+run)/max(run, slowdownTauS))
		o.wait += wait
		o.bsld += bsld
		waits[fill[jb.Owner]] = wait
		fill[jb.Owner]++
		sumWait += wait
		sumBsld += bsld
		maxWait = max(maxWait, wait)
	}
	var bslds []float64
	r.Owners = make([]OwnerResult, no)
	for i, name := range w.Owners {
		o := &ow[i]
		done := off[i+1] - off[i]
		row := OwnerResult{Owner: name, Jobs: int(o.jobs), Infeasible: int(o.infeasible), GPUHours: o.work / 3600}
		if done > 0 {
			row.MeanWaitS = o.wait / float64(done)
			row.MeanBoundedSlowdown = o.bsld / float64(done)
			row.P95WaitS = quantiles(waits[off[i]:off[i+1]], 0.95)[0]
			bslds = append(bslds, row.MeanBoundedSlowdown)
		}
		r.Owners[i] = row
	}
	e.led.fill(r, a, b, e.mTo, func(k int32) bool { return measured(e.jobs[e.in(k)].Submit) })
	if c := jc.Completed; c > 0 {
		r.WaitCDFS = percentiles(waits)
		q := r.WaitCDFS
		r.WaitS = Summary{Mean: sumWait / float64(c), P50: q[50], P95: q[95], P99: q[99], Max: maxWait}
		r.MeanBoundedSlowdown = sumBsld / float64(c)
	}
	r.JainSlowdown = jain(bslds)
	r.GPUHours = work / 3600

	win := b - a
	r.WindowS = win
	if win > 0 {
		ca, cb := e.cumAt(a), e.cumAt(b)
		if e.w.gpus > 0 {
			r.Utilization = (cb.alloc - ca.alloc) / (float64(e.w.gpus) * win)
		}
		r.EnergyKWh = Energy{IT: (cb.it - ca.it) / jPerKWh, Facility: (cb.fac - ca.fac) / jPerKWh}
		r.PeakPowerKW = e.peakIn(a, b) / 1000
		r.CapTimeShare = (cb.capT - ca.capT) / win
	}
	p := e.opt.Prices
	r.CostKRW = r.EnergyKWh.Facility*p.KRWPerKWh + p.KRWPerKWMonth*r.PeakPowerKW*win/monthS
	r.EmissionsKgCO2 = r.EnergyKWh.Facility * p.KgCO2PerKWh
	if r.GPUHours > 0 {
		kwh := r.EnergyKWh.Facility / r.GPUHours
		r.KWhPerGPUHour = &kwh
		if p.priced() {
			krw := r.CostKRW / r.GPUHours
			r.KRWPerGPUHour = &krw
		}
	}
	r.Timeline = e.timeline(a, b)
	return r
}

// splitWork is what a preempted job delivered before its last run: when its first run began, and
// the GPU-seconds of work its preempted runs kept (saved at a checkpoint) inside the window. k is
// its engine job.
type splitWork struct {
	first, kept float64
	k           int32
}

// splitWork gathers, by Workload job, what the preempted jobs' earlier runs delivered inside
// [a, b]. Over the whole run it is not needed: every run lies inside, and a job delivers its
// whole work, however many runs it took.
func (e *engine) splitWork(a, b float64) map[int32]splitWork {
	m := map[int32]splitWork{}
	for _, c := range e.led.losses.chunks {
		for i := range c {
			x := &c[i]
			if !x.pre {
				continue
			}
			in := e.in(x.k)
			sw, ok := m[in]
			if !ok { // losses are in time order: this is the job's first run
				sw = splitWork{first: x.s, k: x.k}
			}
			sw.kept += float64(e.j[x.k].gpus) * x.keptWithin(a, b)
			m[in] = sw
		}
	}
	return m
}

// lastRunWork is the work job k's last run, [st, en], delivered inside [a, b]: the run's work
// after its restart overhead, spread over the real time it took, as loss.within spreads the
// overhead.
func (e *engine) lastRunWork(k int32, st, en, a, b float64) float64 {
	d, ovh := e.j[k].dur, e.pre[k].ovh
	u := d - ovh // useful work of the last run, s
	if !(u > 0 && en > st) {
		return 0
	}
	from := st + (en-st)*(ovh/d) // the overhead ends
	g := float64(e.j[k].gpus)
	if from >= a && en <= b {
		return g * u
	}
	return g * u * overlap(from, en, a, b) / (en - from)
}

// timeline samples the run at evenly spaced instants over the window, each showing the state after
// everything at that instant happened. Utilization and queue length come from the jobs' times
// (difference arrays, O(jobs + points)); power from per-job draws when it is a sum of them, else
// from the recorded trace.
func (e *engine) timeline(a, b float64) Timeline {
	win := b - a
	m := e.opt.TimelinePoints
	if m <= 0 {
		m = 500
	}
	tl := Timeline{T: []float64{}, Utilization: []float64{}, Queued: []int{}, PowerKW: []float64{}, LimitFrac: []float64{}}
	if win <= 0 {
		return tl
	}
	ts := make([]float64, m)
	step := 0.0
	if m > 1 {
		step = win / float64(m-1)
		for i := range ts {
			ts[i] = a + win*float64(i)/float64(m-1)
		}
		ts[m-1] = b
	} else {
		ts[0] = a
	}
	// firstAt is the first sample at or after x: a guess from the spacing, corrected against the
	// sample times themselves.
	inv := 0.0
	if step > 0 {
		inv = 1 / step
	}
	firstAt := func(x float64) int {
		i := m
		if inv > 0 {
			i = min(max(int((x-a)*inv), 0), m)
		}
		for i > 0 && ts[i-1] >= x {
			i--
		}
		for i < m && ts[i] < x {
			i++
		}
		return i
	}
	du := make([]float64, m+1)
	dq := make([]int, m+1)
	var dp []float64
	if !e.trace.on {
		dp = make([]float64, m+1)
	}
	for k := range e.n {
		i := e.in(k)
		st := e.start[i]
		if math.IsNaN(st) {
			continue
		}
		placed := st
		if e.place != nil {
			placed = e.place[k]
		}
		if sub := e.jobs[i].Submit; sub < placed {
			if a, b := firstAt(sub), firstAt(placed); a < b {
				dq[a]++
				dq[b]--
			}
		}
		j := &e.j[k]
		if a, b := firstAt(st), firstAt(e.end[i]); a < b {
			du[a] += float64(j.gpus)
			du[b] -= float64(j.gpus)
			if dp != nil {
				dp[a] += float64(j.fac)
				dp[b] -= float64(j.fac)
			}
		}
	}
	var idle float64
	for i := range e.w.sites {
		s := &e.w.sites[i]
		idle += s.pue * float64(s.baseAll) / 1000
	}
	tl.T = ts
	tl.Utilization = make([]float64, m)
	tl.Queued = make([]int, m)
	tl.PowerKW = make([]float64, m)
	tl.LimitFrac = make([]float64, m)
	var u, p float64
	var q int
	var prev *tracePoint // the last trace point at or before the sample
	ci, pi := 0, 0       // the next trace point: chunk, index
	for i := range m {
		u += du[i]
		q += dq[i]
		if e.w.gpus > 0 {
			tl.Utilization[i] = u / float64(e.w.gpus)
		}
		tl.Queued[i] = q
		if dp != nil {
			p += dp[i]
			tl.PowerKW[i] = (idle + p) / 1000
			tl.LimitFrac[i] = 1
			continue
		}
		for ch := e.trace.chunks; ci < len(ch) && ch[ci][pi].t <= ts[i]; {
			prev = &ch[ci][pi]
			if pi++; pi == len(ch[ci]) {
				ci, pi = ci+1, 0
			}
		}
		tl.PowerKW[i], tl.LimitFrac[i] = idle/1000, 1
		if prev != nil {
			tl.PowerKW[i], tl.LimitFrac[i] = prev.kw, prev.f
		}
	}
	return tl
}
