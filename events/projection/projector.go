package projection

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/gpuplan/gpuplan/events"
)

// Limits that keep time arithmetic in int64 nanoseconds exact and overflow-free: batch times
// within about 1823..2116 and intervals up to about 13 days. Batches outside are malformed.
const (
	maxAbsTimeNs  = int64(1) << 62
	maxIntervalNs = int64(1) << 50
	// maxPowerW bounds a believable per-GPU reading; larger ones are treated as not reported.
	maxPowerW = 1e5
)

// Projector turns sample batches and ownership events into jobs. Create it with New; it is not
// safe for concurrent use.
type Projector struct {
	opt     Options
	gap     int64 // Options.MaxGapIntervals resolved
	late    int64 // Options.MaxLateness in ns, -1 for none
	nodes   map[string]*node
	own     Ownership
	users   []string
	userIdx map[string]int32
	seq     uint64
	stats   Stats
	scratch []obs
}

// node is one node's buffered batches and fold state.
type node struct {
	name    string
	gpus    []gpuID // GPU refs; obs.gpu indexes this
	gpuIdx  map[gpuID]int32
	pending []batch // sorted by time, not yet folded; times are distinct
	newest  int64   // newest batch time accepted
	any     bool    // a batch has been accepted
	fold    fold
}

// batch is one sample batch reduced to what the projection uses.
type batch struct {
	t    int64 // event time, Unix ns
	iv   int64 // interval, ns
	site string
	late bool  // arrived after a later batch of its node
	obs  []obs // sorted by (pid, gpu), one per pair
}

// obs is one process seen on one GPU in one batch. Readings are float32: ample for percentages
// and watts, and it keeps long buffers small.
type obs struct {
	pid   int32
	user  int32   // index into Projector.users
	gpu   int32   // index into node.gpus
	util  float32 // 0..1
	power float32 // W; 0 not reported
}

// New returns a Projector.
func New(opt Options) *Projector {
	return &Projector{opt: opt, gap: opt.gapIntervals(), late: opt.lateness(),
		nodes: map[string]*node{}, userIdx: map[string]int32{}}
}

// Add takes the next event in stream order. Sample batches feed jobs; ownership and inventory
// events feed owners and pools; other kinds are counted and ignored. An event whose payload
// cannot be used is counted and reported with an error wrapping ErrMalformed, and changes
// nothing: a replay may log it and go on.
func (p *Projector) Add(e events.Event) error {
	p.stats.Events++
	switch e.Kind {
	case events.KindGPUSampleBatch:
		if err := p.addBatch(e); err != nil {
			p.stats.Malformed++
			return err
		}
		return nil
	case events.KindOwnershipAssigned, events.KindOwnershipReleased, events.KindGPUInventory:
		before := p.own.stats.Malformed
		err := p.own.Add(e)
		p.stats.Malformed += p.own.stats.Malformed - before
		return err
	}
	p.stats.Ignored++
	return nil
}

// Ownership returns the projector's ownership fold, for its Pools and Owner.
func (p *Projector) Ownership() *Ownership { return &p.own }

func (p *Projector) addBatch(e events.Event) error {
	b, err := events.DecodeAs[events.GPUSampleBatch](e)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if e.Time.IsZero() {
		return fmt.Errorf("%w: %s %s: no time", ErrMalformed, e.Name(), e.ID)
	}
	sec := e.Time.Unix()
	if sec > maxAbsTimeNs/1e9 || sec < -maxAbsTimeNs/1e9 {
		return fmt.Errorf("%w: %s %s: time %s out of range", ErrMalformed, e.Name(), e.ID, e.Time)
	}
	t := e.Time.UnixNano()
	ivf := math.Round(b.IntervalS * 1e9)
	if !(ivf >= 1 && ivf <= float64(maxIntervalNs)) {
		return fmt.Errorf("%w: %s %s: interval_s %v out of range (1 ns to %v s)", ErrMalformed, e.Name(), e.ID, b.IntervalS, maxIntervalNs/1e9)
	}
	n := p.nodes[b.Node]
	if n == nil {
		n = &node{name: b.Node, gpuIdx: map[gpuID]int32{}}
		p.nodes[b.Node] = n
	}
	if n.fold.started && t <= n.fold.lastT {
		p.stats.TooLate++
		return nil
	}
	i, found := slices.BinarySearchFunc(n.pending, t, func(b batch, t int64) int { return cmp.Compare(b.t, t) })
	if found {
		p.stats.Duplicates++
		return nil
	}
	bt := batch{t: t, iv: int64(ivf), site: b.Site, obs: p.observations(n, &b)}
	if n.any && t < n.newest {
		bt.late = true
		p.stats.OutOfOrder++
	}
	if b.Site != "" {
		p.own.seeSite(b.Node, b.Site)
	}
	n.pending = slices.Insert(n.pending, i, bt)
	p.stats.Batches++
	if !n.any || t > n.newest {
		n.newest, n.any = t, true
	}
	if p.late >= 0 {
		cut := n.newest - p.late
		k := 0
		for k < len(n.pending) && n.pending[k].t < cut {
			n.fold.add(&n.pending[k], p.gap)
			k++
		}
		if k > 0 {
			n.pending = slices.Delete(n.pending, 0, k)
		}
	}
	return nil
}

// observations extracts the (process, GPU) pairs of a batch, sorted by pid then GPU, one per pair.
func (p *Projector) observations(n *node, b *events.GPUSampleBatch) []obs {
	out := p.scratch[:0]
	for _, s := range b.GPUs {
		// Idle GPUs are interned too: they give a node without an inventory its size.
		g := n.ref(gpuID{s.Index, s.UUID}, &p.own)
		if len(s.Processes) == 0 {
			continue
		}
		util := float32(min(max(s.UtilPct, 0), 100) / 100)
		var power float32
		if s.PowerW > 0 && s.PowerW <= maxPowerW {
			power = float32(s.PowerW)
		}
		for _, pr := range s.Processes {
			if pr.PID <= 0 || pr.PID > math.MaxInt32 {
				p.stats.BadProcesses++
				continue
			}
			out = append(out, obs{pid: int32(pr.PID), user: p.user(pr.User), gpu: g, util: util, power: power})
		}
	}
	if len(out) == 0 {
		p.scratch = out
		return nil
	}
	slices.SortFunc(out, func(a, b obs) int { return cmp.Or(cmp.Compare(a.pid, b.pid), cmp.Compare(a.gpu, b.gpu)) })
	out = slices.CompactFunc(out, func(a, b obs) bool { return a.pid == b.pid && a.gpu == b.gpu })
	p.scratch = out
	return slices.Clone(out)
}

func (n *node) ref(g gpuID, own *Ownership) int32 {
	if i, ok := n.gpuIdx[g]; ok {
		return i
	}
	i := int32(len(n.gpus))
	n.gpus = append(n.gpus, g)
	n.gpuIdx[g] = i
	own.seeGPU(n.name, g)
	return i
}

func (p *Projector) user(name string) int32 {
	if i, ok := p.userIdx[name]; ok {
		return i
	}
	i := int32(len(p.users))
	p.users = append(p.users, name)
	p.userIdx[name] = i
	return i
}
