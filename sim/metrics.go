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
	r := &Result{Name: name, GPUs: int(e.w.gpus)}
	r.Start = make([]float64, n)
	r.End = make([]float64, n)
	for k, i := range e.orig {
		r.Start[i], r.End[i] = e.j[k].start, e.j[k].end
	}
	r.Jobs = JobCounts{Submitted: n, Completed: e.completed, Infeasible: e.infeasible, InfeasibleGPUHours: e.infeasibleGPUS / 3600}

	// Per owner: completed jobs' waits grouped by owner (a counting sort), sums of the rest.
	no := len(w.Owners)
	type acc struct {
		jobs, infeasible, done int
		wait, bsld, work       float64
	}
	ow := make([]acc, no)
	for k := range n {
		o := &ow[e.j[k].owner]
		o.jobs++
		if math.IsNaN(e.j[k].start) {
			o.infeasible++
		} else {
			o.done++
		}
	}
	off := make([]int, no+1)
	for i := range ow {
		off[i+1] = off[i] + ow[i].done
	}
	waits := make([]float64, e.completed)
	fill := append([]int(nil), off[:no]...)
	var sumWait, sumBsld, alloc, work, maxWait float64
	for k := range n {
		st := e.j[k].start
		if math.IsNaN(st) {
			continue
		}
		wait := st - e.j[k].sub
		run := e.j[k].end - st
		bsld := max(1, (wait+run)/max(run, slowdownTauS))
		g := float64(e.j[k].gpus)
		o := &ow[e.j[k].owner]
		o.wait += wait
		o.bsld += bsld
		o.work += g * e.j[k].dur
		waits[fill[e.j[k].owner]] = wait
		fill[e.j[k].owner]++
		sumWait += wait
		sumBsld += bsld
		alloc += g * run
		work += g * e.j[k].dur
		maxWait = max(maxWait, wait)
	}
	var bslds []float64
	r.Owners = make([]OwnerResult, no)
	for i, name := range w.Owners {
		o := &ow[i]
		row := OwnerResult{Owner: name, Jobs: o.jobs, Infeasible: o.infeasible, GPUHours: o.work / 3600}
		if o.done > 0 {
			row.MeanWaitS = o.wait / float64(o.done)
			row.MeanBoundedSlowdown = o.bsld / float64(o.done)
			row.P95WaitS = quantiles(waits[off[i]:off[i+1]], 0.95)[0]
			bslds = append(bslds, row.MeanBoundedSlowdown)
		}
		r.Owners[i] = row
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
	// firstAt is the first sample at or after x.
	firstAt := func(x float64) int {
		i := m
		if step > 0 {
			i = int(min(max(math.Ceil((x-e.t0)/step), 0), float64(m)))
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
	for k := range int(e.n) {
		st := e.j[k].start
		if math.IsNaN(st) {
			continue
		}
		placed := st
		if e.place != nil {
			placed = e.place[k]
		}
		if a, b := firstAt(e.j[k].sub), firstAt(placed); a < b {
			dq[a]++
			dq[b]--
		}
		if a, b := firstAt(st), firstAt(e.j[k].end); a < b {
			du[a] += float64(e.j[k].gpus)
			du[b] -= float64(e.j[k].gpus)
			if dp != nil {
				dp[a] += e.j[k].fac
				dp[b] -= e.j[k].fac
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
	var q, j int
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
		tr := &e.trace
		for j < len(tr.t) && tr.t[j] <= ts[i] {
			j++
		}
		tl.PowerKW[i], tl.LimitFrac[i] = idle/1000, 1
		if j > 0 {
			tl.PowerKW[i], tl.LimitFrac[i] = tr.p[j-1], tr.f[j-1]
		}
	}
	return tl
}
