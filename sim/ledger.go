package sim

import (
	"math"
	"math/bits"

	"github.com/gpuplan/gpuplan"
)

// ownerLedger keeps per-owner accounting for the policies that need it (quota, fairshare): GPUs
// held, quotas and shares, decayed usage, each owner's running jobs in start order, and the
// preemption and guarantee metrics. The engine notifies it when a job is placed, begins,
// finishes, is released or preempted; policies read it only through the view (Held, Quota,
// Share, Usage, LatestRun, PrevRun, OwnersOver, Overs, HeldVersion, HeldChanges). A run whose
// policy keeps no owner state has a nil ledger, and every notification is then a no-op, so the
// engine never asks which policy it runs.
type ownerLedger struct {
	owner []int32   // by engine job: its Workload owner
	held  []int32   // GPUs placed (booting or running)
	quota []int32   // guaranteed GPUs
	share []float64 // fair-share weights, summing to 1
	cap   []int32   // with Quota.NoBorrow: jobs above it are infeasible; else nil
	overN int       // owners holding more than their quota
	over  []uint64  // bit o: owner o holds more than their quota
	heldV uint64    // held GPUs changed this many times, all owners
	// With ledgerLog: the owners of the latest held changes, oldest first; entry i is change
	// logBase+i+1. Older entries are dropped in halves, so it stays short.
	heldLog []int32
	logBase uint64

	// Decayed usage (ledgerUsage only; else nil), GPU-seconds: usage[o] as of uAt[o], held
	// constant since.
	usage  []float64
	uAt    []float64
	lambda float64 // decay rate, 1/s

	// Running jobs per owner, in the order they began (ledgerRuns only): a list linked by job
	// through prevRun and nextRun, tail[o] the latest (-1: none).
	prevRun, nextRun []int32
	tail             []int32

	// Metrics of preemption and guarantees, reported by policies that preempt: each loss and
	// each violation as it happened, in that order, so that a result counts those of its window
	// (fill). Losses are kept in fixed chunks, so that tens of thousands of them are never copied.
	losses lossLog
	viols  []int32 // the job of each guarantee violation
}

// lossLog holds losses in the order they happened.
type lossLog struct{ chunks [][]loss }

const lossChunk = 4096

func (g *lossLog) add(x loss) {
	if k := len(g.chunks); k == 0 || len(g.chunks[k-1]) == lossChunk {
		g.chunks = append(g.chunks, make([]loss, 0, lossChunk))
	}
	c := &g.chunks[len(g.chunks)-1]
	*c = append(*c, x)
}

// loss is GPU time that delivered no kept work in one run of job k, which ran over [s, t] in real
// time and did work seconds of work at full speed (its site's work clock): the run's first head
// seconds of work were restart overhead and, when it was preempted at t (pre), its last tail
// seconds were lost since its last checkpoint. gpuS is the GPU-seconds lost, gpus*(head+tail) as
// the engine reckoned them when the run ended.
type loss struct {
	s, t, work float64
	head, tail float64
	gpuS       float64
	k          int32
	pre        bool
}

// within is the part of l's GPU-seconds that lies in [a, b]: the head and tail mapped onto the
// run's real span in proportion to work, as delivered work is (Result.GPUHours), so a throttled
// run's lost seconds are spread evenly over it.
func (l *loss) within(a, b float64) float64 {
	if l.s >= a && l.t <= b {
		return l.gpuS
	}
	if !(l.gpuS > 0 && l.work > 0 && l.t > l.s) {
		return 0
	}
	perWork := (l.t - l.s) / l.work // real seconds per second of work
	hr, tr := l.head*perWork, l.tail*perWork
	in := overlap(l.s, l.s+hr, a, b) + overlap(l.t-tr, l.t, a, b)
	return l.gpuS * min(in/(hr+tr), 1)
}

// keptWithin is the work (s at full speed) that l's run kept at its checkpoint, between its
// overhead and its lost tail, inside [a, b], mapped onto the run's real span as within does.
func (l *loss) keptWithin(a, b float64) float64 {
	kept := l.work - l.head - l.tail
	if !(kept > 0 && l.t > l.s) {
		return 0
	}
	perWork := (l.t - l.s) / l.work
	from, to := l.s+l.head*perWork, l.t-l.tail*perWork
	if from >= a && to <= b {
		return kept
	}
	if !(to > from) {
		return 0
	}
	return kept * overlap(from, to, a, b) / (to - from)
}

// overlap is the length of [x, y] within [a, b].
func overlap(x, y, a, b float64) float64 { return max(min(y, b)-max(x, a), 0) }

// ledgerNeeds says which parts of the ledger a policy reads; the registry declares it.
type ledgerNeeds uint8

const (
	ledgerHeld  ledgerNeeds = 1 << iota // held GPUs, quotas and shares
	ledgerUsage                         // decayed usage (fair-share priority)
	ledgerRuns                          // running jobs by owner in start order (preemption victims)
	ledgerLog                           // whose held GPUs changed lately (HeldChanges)
)

// heldLogKeep is how many held changes the log keeps at least: far more than one instant's events
// between two passes of the farm pool, usually; a policy that falls further behind is told so.
const heldLogKeep = 4096

// newLedger sets up per-owner state: quotas and shares from Options or from the GPUs each owner
// holds in the Cluster. owner maps engine jobs to Workload owners.
func newLedger(c *gpuplan.Cluster, w *gpuplan.Workload, opt Options, needs ledgerNeeds, owner []int32) *ownerLedger {
	no := len(w.Owners)
	l := &ownerLedger{owner: owner, held: make([]int32, no), quota: make([]int32, no), share: make([]float64, no),
		over: make([]uint64, (no+63)/64)}
	if needs&ledgerUsage != 0 {
		l.usage, l.uAt = make([]float64, no), make([]float64, no)
	}
	if needs&ledgerLog != 0 {
		l.heldLog = make([]int32, 0, 2*heldLogKeep)
	}
	hl := opt.FairShare.HalfLifeS
	if hl <= 0 {
		hl = 7 * 86400
	}
	l.lambda = math.Ln2 / hl
	gpus := map[string]int{}
	for _, o := range c.Owners {
		for _, g := range o.Nodes {
			gpus[o.Name] += g.GPUs()
		}
	}
	var sum float64
	for i, name := range w.Owners {
		q := gpus[name]
		if x, ok := opt.Quota.Quotas[name]; ok {
			q = x
		}
		l.quota[i] = int32(max(0, min(q, math.MaxInt32)))
		sh := float64(gpus[name])
		if x, ok := opt.FairShare.Shares[name]; ok {
			sh = x
		}
		l.share[i] = max(sh, 0)
		sum += l.share[i]
	}
	for i := range l.share {
		if sum > 0 {
			l.share[i] /= sum
		} else {
			l.share[i] = 1 / float64(no)
		}
	}
	if needs&ledgerRuns != 0 {
		if opt.Quota.NoBorrow {
			l.cap = l.quota
		}
		n := len(owner)
		l.prevRun, l.nextRun, l.tail = make([]int32, n), make([]int32, n), make([]int32, no)
		for o := range l.tail {
			l.tail[o] = -1
		}
	}
	return l
}

// infeasible reports whether a job of owner o and g GPUs can never run because borrowing is
// forbidden and it exceeds the owner's quota.
func (l *ownerLedger) infeasible(o, g int32) bool {
	return l != nil && l.cap != nil && g > l.cap[o]
}

// placed notes that job k took g GPUs at t (booting or running).
func (l *ownerLedger) placed(k, g int32, t float64) {
	if l != nil {
		l.addHeld(l.owner[k], g, t)
	}
}

// released notes that job k gave its g GPUs back at t (finished or preempted).
func (l *ownerLedger) released(k, g int32, t float64) {
	if l != nil {
		l.addHeld(l.owner[k], -g, t)
	}
}

// began notes that job k started running.
func (l *ownerLedger) began(k int32) {
	if l != nil && l.tail != nil {
		l.linkRun(l.owner[k], k)
	}
}

// finished notes that running job k of g GPUs completed at t, its last run having begun at s
// with work seconds of work, of which ovh were restart overhead: GPU time that delivered nothing.
func (l *ownerLedger) finished(k, g int32, ovh, s, t, work float64) {
	if l == nil || l.tail == nil {
		return
	}
	if ovh > 0 {
		l.losses.add(loss{s: s, t: t, work: work, head: ovh, gpuS: float64(g) * ovh, k: k})
	}
	l.unlinkRun(l.owner[k], k)
}

// preempted notes that running job k was stopped, with what its run lost (x.pre set).
func (l *ownerLedger) preempted(k int32, x loss) {
	x.k, x.pre = k, true
	l.losses.add(x)
	l.unlinkRun(l.owner[k], k)
}

// violation notes that job k started later than its guarantee allows.
func (l *ownerLedger) violation(k int32) {
	l.viols = append(l.viols, k)
}

// linkRun appends job k, just begun, to its owner's running list.
func (l *ownerLedger) linkRun(o, k int32) {
	l.prevRun[k], l.nextRun[k] = l.tail[o], -1
	if t := l.tail[o]; t >= 0 {
		l.nextRun[t] = k
	}
	l.tail[o] = k
}

// unlinkRun removes job k from its owner's running list.
func (l *ownerLedger) unlinkRun(o, k int32) {
	pr, nx := l.prevRun[k], l.nextRun[k]
	if nx >= 0 {
		l.prevRun[nx] = pr
	} else {
		l.tail[o] = pr
	}
	if pr >= 0 {
		l.nextRun[pr] = nx
	}
}

// addHeld changes owner o's held GPUs by dg at time t, first bringing their usage up to t.
func (l *ownerLedger) addHeld(o, dg int32, t float64) {
	if l.usage != nil {
		l.usage[o] = l.usageAt(o, t)
		l.uAt[o] = t
	}
	was := l.held[o] > l.quota[o]
	l.held[o] += dg
	l.heldV++
	if l.heldLog != nil {
		if len(l.heldLog) == 2*heldLogKeep {
			l.heldLog = l.heldLog[:copy(l.heldLog, l.heldLog[heldLogKeep:])]
			l.logBase += heldLogKeep
		}
		l.heldLog = append(l.heldLog, o)
	}
	if is := l.held[o] > l.quota[o]; is != was {
		l.over[o>>6] ^= 1 << (o & 63)
		if is {
			l.overN++
		} else {
			l.overN--
		}
	}
}

// heldChanges lists the owners whose held GPUs changed after change number since (heldV then),
// with repeats, oldest first; false when the log no longer reaches back that far.
func (l *ownerLedger) heldChanges(since uint64) ([]int32, bool) {
	if l.heldLog == nil || since < l.logBase || since > l.heldV {
		return nil, false
	}
	return l.heldLog[since-l.logBase:], true
}

// overs appends the owners over quota to buf, in owner order.
func (l *ownerLedger) overs(buf []int32) []int32 {
	for w, x := range l.over {
		for ; x != 0; x &= x - 1 {
			buf = append(buf, int32(w<<6+bits.TrailingZeros64(x)))
		}
	}
	return buf
}

// usageAt is owner o's decayed usage at t: u(t) = u e^(-lambda dt) + held (1 - e^(-lambda dt))/lambda,
// the exact integral of held GPUs weighted by e^(-lambda (t - s)).
func (l *ownerLedger) usageAt(o int32, t float64) float64 {
	dt := t - l.uAt[o]
	if !(dt > 0) {
		return l.usage[o]
	}
	x := -l.lambda * dt
	return l.usage[o]*math.Exp(x) - float64(l.held[o])*math.Expm1(x)/l.lambda
}

// fill adds the quota, preemption and guarantee figures of the window to r and its owner rows,
// for policies that preempt: preemptions that happened in [a, to), the GPU time lost inside
// [a, b] (loss.within), and the violations of the measured jobs. The losses are summed in the
// order they happened, so that over the whole run every loss counts whole and the sums are those
// of a running total.
func (l *ownerLedger) fill(r *Result, a, b, to float64, measured func(k int32) bool) {
	if l == nil || l.tail == nil {
		return
	}
	no := len(l.quota)
	pre, viol := make([]int, no), make([]int, no)
	lost := make([]float64, no)
	var lostS float64
	for _, c := range l.losses.chunks {
		for i := range c {
			x := &c[i]
			o := l.owner[x.k]
			if x.pre && x.t >= a && x.t < to {
				pre[o]++
				r.Preemptions++
			}
			g := x.within(a, b)
			lost[o] += g
			lostS += g
		}
	}
	for _, k := range l.viols {
		if measured(k) {
			viol[l.owner[k]]++
			r.GuaranteeViolations++
		}
	}
	r.LostGPUHours = lostS / 3600
	for i := range r.Owners {
		row := &r.Owners[i]
		row.QuotaGPUs = int(l.quota[i])
		row.Preemptions, row.LostGPUHours, row.GuaranteeViolations = pre[i], lost[i]/3600, viol[i]
	}
}
