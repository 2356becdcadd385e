package sim

import "math"

const (
	slowdownTauS = 10.0          // bounded slowdown threshold
	monthS       = 30.44 * 86400 // for the demand charge
	jPerKWh      = 3.6e6
)

// result turns the finished run into a Result.
func (e *engine) result(name string, w *Workload) *Result {
	n := int(e.n)
	r := &Result{Name: name, GPUs: int(e.w.gpus), Start: e.start, End: e.end}
	r.Jobs = JobCounts{Submitted: n, Completed: e.completed, Infeasible: e.infeasible, InfeasibleGPUHours: e.infeasibleGPUS / 3600}

	// Completed jobs' waits grouped by owner (the groups sized from the arrival counts), and sums.
	no := len(w.Owners)
	type acc struct{ wait, bsld, work float64 }
	ow := make([]acc, no)
	off := make([]int, no+1)
	for o := range no {
		off[o+1] = off[o] + int(e.ownerJobs[o]-e.ownerInfeasible[o])
	}
	fill := append([]int(nil), off[:no]...)
	waits := make([]float64, e.completed)
	var sumWait, sumBsld, alloc, work, maxWait float64
	for i := range w.Jobs {
		st := r.Start[i]
		if math.IsNaN(st) {
			continue
		}
		jb := &w.Jobs[i]
		wait := st - jb.Submit
		run := r.End[i] - st
		bsld := max(1, (wait+run)/max(run, slowdownTauS))
		g := float64(jb.GPUs)
		o := &ow[jb.Owner]
		o.wait += wait
		o.bsld += bsld
		o.work += g * jb.Duration
		waits[fill[jb.Owner]] = wait
		fill[jb.Owner]++
		sumWait += wait
		sumBsld += bsld
		alloc += g * run
		work += g * jb.Duration
		maxWait = max(maxWait, wait)
	}
	var bslds []float64
	r.Owners = make([]OwnerResult, no)
	for i, name := range w.Owners {
		o := &ow[i]
		done := off[i+1] - off[i]
		row := OwnerResult{Owner: name, Jobs: int(e.ownerJobs[i]), Infeasible: int(e.ownerInfeasible[i]), GPUHours: o.work / 3600}
		if done > 0 {
			row.MeanWaitS = o.wait / float64(done)
			row.MeanBoundedSlowdown = o.bsld / float64(done)
			row.P95WaitS = quantiles(waits[off[i]:off[i+1]], 0.95)[0]
			bslds = append(bslds, row.MeanBoundedSlowdown)
		}
		if qs := e.qs; qs != nil && e.pre != nil {
			row.QuotaGPUs = int(qs.quota[i])
			row.Preemptions = int(qs.pre[i])
			row.LostGPUHours = qs.lost[i] / 3600
			row.GuaranteeViolations = int(qs.viol[i])
		}
		r.Owners[i] = row
	}
	if qs := e.qs; qs != nil && e.pre != nil {
		r.Preemptions, r.LostGPUHours, r.GuaranteeViolations = qs.preN, qs.lostS/3600, qs.violN
		alloc += qs.allocS // preempted runs held their GPUs too
	}
	if c := e.completed; c > 0 {
		q := quantiles(waits, 0.5, 0.95, 0.99)
		r.WaitS = Summary{Mean: sumWait / float64(c), P50: q[0], P95: q[1], P99: q[2], Max: maxWait}
		r.MeanBoundedSlowdown = sumBsld / float64(c)
	}
	r.JainSlowdown = jain(bslds)
	r.GPUHours = work / 3600

	if e.completed > 0 {
		r.WindowS = e.lastEnd - e.t0
	}
	win := r.WindowS
	if win > 0 && e.w.gpus > 0 {
		r.Utilization = alloc / (float64(e.w.gpus) * win)
	}
	if win > 0 {
		r.EnergyKWh = Energy{IT: e.atEnd[0] / jPerKWh, Facility: e.atEnd[1] / jPerKWh}
		r.PeakPowerKW = e.atEnd[2] / 1000
		r.CapTimeShare = e.atEnd[3] / win
	}
	p := e.opt.Prices
	r.CostKRW = r.EnergyKWh.Facility*p.KRWPerKWh + p.KRWPerKWMonth*r.PeakPowerKW*win/monthS
	r.EmissionsKgCO2 = r.EnergyKWh.Facility * p.KgCO2PerKWh
	r.Timeline = e.timeline(win)
	return r
}

// timeline samples the run at evenly spaced instants over the window, each showing the state after
// everything at that instant happened. Utilization and queue length come from the jobs' times
// (difference arrays, O(jobs + points)); power from per-job draws when it is a sum of them, else
// from the recorded trace.
func (e *engine) timeline(win float64) Timeline {
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
			ts[i] = e.t0 + win*float64(i)/float64(m-1)
		}
		ts[m-1] = e.lastEnd
	} else {
		ts[0] = e.t0
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
			i = min(max(int((x-e.t0)*inv), 0), m)
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
