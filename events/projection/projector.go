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
	sites   map[string]string
	// retracted holds the job ids of job.retracted events: Jobs leaves those jobs out.
	retracted map[string]struct{}
	stats     Stats
	scratch   []obs
	dec       batchDecoder
}

// node is one node's buffered batches and fold state.
type node struct {
	name    string
	gpus    []gpuID // GPU refs; obs.gpu indexes this
	gpuIdx  map[gpuID]int32
	pending []batch // sorted by time, not yet folded; times are distinct
	newest  int64   // newest batch time accepted
	any     bool    // a batch has been accepted
	site    string  // of the latest batch that named one
	fold    fold
}

// batch is one sample batch reduced to what the projection uses.
type batch struct {
	t    int64 // event time, Unix ns
	iv   int64 // interval, ns
	site string
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
		nodes: map[string]*node{}, userIdx: map[string]int32{}, sites: map[string]string{}}
}

// Add takes the next event in stream order. Sample batches feed jobs; ownership and inventory
// events feed owners and pools; a job.retracted event leaves every job with its job id out of
// Jobs, whenever it arrives; other kinds are counted and ignored. An event whose payload cannot
// be used, or breaks the log's schema (a time outside events.MinTime..MaxTime, a utilization
// or power reading outside its bounds), is counted and reported with an error wrapping
// ErrMalformed, and changes nothing: a replay may log it and go on.
func (p *Projector) Add(e events.Event) error {
	p.stats.Events++
	switch e.Kind {
	case events.KindGPUSampleBatch:
		if err := p.addBatch(e); err != nil {
			p.stats.Malformed++
			return err
		}
		return nil
	case events.KindJobRetracted:
		r, err := events.DecodeAs[events.JobRetracted](e)
		if err != nil {
			p.stats.Malformed++
			return fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		if p.retracted == nil {
			p.retracted = map[string]struct{}{}
		}
		p.retracted[r.JobID] = struct{}{}
		p.stats.Retractions++
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
	if e.Time.IsZero() {
		return fmt.Errorf("%w: %s %s: no time", ErrMalformed, e.Name(), e.ID)
	}
	if err := events.CheckTime(e); err != nil {
		return fmt.Errorf("%w: event %s: %w", ErrMalformed, e.ID, err)
	}
	sec := e.Time.Unix()
	if sec > maxAbsTimeNs/1e9 || sec < -maxAbsTimeNs/1e9 {
		return fmt.Errorf("%w: %s %s: time %s out of range", ErrMalformed, e.Name(), e.ID, e.Time)
	}
	d := &p.dec
	if err := d.decode(e.Data); err == errFallback {
		b, err := events.DecodeAs[events.GPUSampleBatch](e)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		d.load(&b)
	} else if err != nil {
		return fmt.Errorf("%w: event %s %s data: %w", ErrMalformed, e.ID, e.Name(), err)
	}
	t := e.Time.UnixNano()
	ivf := math.Round(d.interval * 1e9)
	if !(ivf >= 1 && ivf <= float64(maxIntervalNs)) {
		return fmt.Errorf("%w: %s %s: interval_s %v out of range (1 ns to %v s)", ErrMalformed, e.Name(), e.ID, d.interval, maxIntervalNs/1e9)
	}
	n := p.nodes[string(d.node)]
	if n == nil {
		name := string(d.node)
		n = &node{name: name, gpuIdx: map[gpuID]int32{}}
		p.nodes[name] = n
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
	site := p.site(d.site)
	bt := batch{t: t, iv: int64(ivf), site: site, obs: p.observations(n, d)}
	if n.any && t < n.newest {
		p.stats.OutOfOrder++
	}
	if site != "" && site != n.site {
		n.site = site
		p.own.seeSite(n.name, site)
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
			n.pending[k] = batch{} // let its observations go
			k++
		}
		// Advancing the slice start keeps in-order delivery free of copying; append moves
		// the live part to a new array when the old one runs out.
		n.pending = n.pending[k:]
	}
	return nil
}

// observations extracts the (process, GPU) pairs of a batch, sorted by pid then GPU, one per pair.
func (p *Projector) observations(n *node, d *batchDecoder) []obs {
	out := p.scratch[:0]
	for gi := range d.gpus {
		s := &d.gpus[gi]
		// Idle GPUs are interned too: they give a node without an inventory its size.
		g := n.ref(s.index, s.uuid, &p.own)
		if len(s.procs) == 0 {
			continue
		}
		util := float32(min(max(s.util, 0), 100) / 100)
		var power float32
		if s.power > 0 && s.power <= maxPowerW {
			power = float32(s.power)
		}
		for _, pr := range s.procs {
			if pr.pid <= 0 || pr.pid > math.MaxInt32 {
				p.stats.BadProcesses++
				continue
			}
			out = append(out, obs{pid: int32(pr.pid), user: p.user(pr.user), gpu: g, util: util, power: power})
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

// ref returns the node's number for a GPU, interning it on first sight. Nodes hold a handful of
// GPUs, so a scan beats hashing the UUID.
func (n *node) ref(index int, uuid []byte, own *Ownership) int32 {
	if len(n.gpus) <= 64 {
		for i, g := range n.gpus {
			if g.index == index && g.uuid == string(uuid) {
				return int32(i)
			}
		}
	} else if i, ok := n.gpuIdx[gpuID{index, string(uuid)}]; ok {
		return i
	}
	g := gpuID{index, string(uuid)}
	i := int32(len(n.gpus))
	n.gpus = append(n.gpus, g)
	n.gpuIdx[g] = i
	own.seeGPU(n.name, g)
	return i
}

// site interns a site name.
func (p *Projector) site(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := p.sites[string(b)]; ok {
		return s
	}
	s := string(b)
	p.sites[s] = s
	return s
}

func (p *Projector) user(name []byte) int32 {
	if i, ok := p.userIdx[string(name)]; ok {
		return i
	}
	s := string(name)
	i := int32(len(p.users))
	p.users = append(p.users, s)
	p.userIdx[s] = i
	return i
}
