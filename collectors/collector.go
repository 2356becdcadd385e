package collectors

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/gpuplan/gpuplan/events"
)

// Defaults of Options.
const (
	DefaultInterval       = 10 * time.Second
	DefaultInventoryEvery = 5 * time.Minute
)

// Queue takes the events a Collector produces; *Spool implements it.
type Queue interface {
	Append(ev events.Event) error
}

var _ Queue = (*Spool)(nil)

// BatchObserver sees every inventory and sample batch (the /metrics exporter).
type BatchObserver interface {
	ObserveInventory(inv events.GPUInventory)
	ObserveBatch(b events.GPUSampleBatch, at time.Time)
}

// Options configure a Collector. Node, Source and Queue are required.
type Options struct {
	Node string
	Site string
	// Interval between sample batches; 0 means DefaultInterval.
	Interval time.Duration
	// InventoryEvery is how often the inventory is read again to notice changes (a MIG
	// reconfiguration, a new power limit); 0 means DefaultInventoryEvery. A change in the
	// number of GPUs sampled triggers a read at once.
	InventoryEvery time.Duration
	Source         Source
	// Procs attributes processes; nil means ProcFS on /proc.
	Procs ProcReader
	Queue Queue
	// Observer, if set, sees what the Collector queues.
	Observer BatchObserver
}

// Collector turns a Source's readings into events; see the package doc.
type Collector struct {
	opt       Options
	inv       *events.GPUInventory // last queued
	invAt     time.Time
	energy    map[string]uint64 // last counter per GPU UUID
	procCache map[int]procEntry

	mu    sync.Mutex // guards stats: /metrics reads them while Tick runs
	stats CollectorStats
}

type procEntry struct {
	p  Proc
	ok bool
}

// CollectorStats count what a Collector did.
type CollectorStats struct {
	Batches      int64
	Inventories  int64
	SampleErrors int64
	LastError    error
}

// New validates opt and returns a Collector.
func New(opt Options) (*Collector, error) {
	switch {
	case opt.Node == "":
		return nil, errors.New("collectors: node name is empty")
	case !printable(opt.Node):
		// The node is also the events' source, which must be printable ASCII without spaces.
		return nil, fmt.Errorf("collectors: node name %q is not 1..256 printable ASCII characters without spaces", opt.Node)
	case opt.Source == nil:
		return nil, errors.New("collectors: no source")
	case opt.Queue == nil:
		return nil, errors.New("collectors: no queue")
	case opt.Interval < 0:
		return nil, fmt.Errorf("collectors: interval %v is negative", opt.Interval)
	}
	if opt.Interval == 0 {
		opt.Interval = DefaultInterval
	}
	if opt.InventoryEvery <= 0 {
		opt.InventoryEvery = DefaultInventoryEvery
	}
	if opt.Procs == nil {
		opt.Procs = &ProcFS{}
	}
	return &Collector{opt: opt, energy: map[string]uint64{}, procCache: map[int]procEntry{}}, nil
}

// EventID is the id of a collector event: derived from the node, the kind and the event time,
// so a resend is deduplicated and two nodes never collide.
func EventID(node string, k events.Kind, t time.Time) string {
	return events.DeriveID("gpuplan.collect", node, k.String(), t.UTC().Format(time.RFC3339Nano))
}

// Stats returns the counts so far; safe to call while Tick runs.
func (c *Collector) Stats() CollectorStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Tick takes one sample batch at time now (reading the inventory first when due or changed)
// and queues the events. A failed read is counted and returned; the caller goes on ticking.
func (c *Collector) Tick(now time.Time) error {
	now = now.UTC()
	if c.inv == nil || now.Sub(c.invAt) >= c.opt.InventoryEvery {
		if err := c.inventory(now); err != nil {
			return c.fail(err)
		}
	}
	gpus, err := c.opt.Source.Sample()
	if err != nil {
		return c.fail(fmt.Errorf("collectors: sample: %w", err))
	}
	if len(gpus) != len(c.inv.GPUs) {
		if err := c.inventory(now); err != nil {
			return c.fail(err)
		}
	}
	clear(c.procCache)
	for i := range gpus {
		g := &gpus[i]
		c.energyDelta(g)
		for j := range g.Processes {
			pr := &g.Processes[j]
			e, seen := c.procCache[pr.PID]
			if !seen {
				e.p, e.ok = c.opt.Procs.Proc(pr.PID)
				c.procCache[pr.PID] = e
			}
			if e.ok {
				pr.User, pr.Cgroup, pr.Container = e.p.User, e.p.Cgroup, e.p.Container
				if pr.JobID == "" {
					pr.JobID = e.p.JobID
				}
			}
		}
	}
	b := events.GPUSampleBatch{Node: c.opt.Node, Site: c.opt.Site, IntervalS: c.opt.Interval.Seconds(), GPUs: gpus}
	ev, err := events.New(events.KindGPUSampleBatch, EventID(c.opt.Node, events.KindGPUSampleBatch, now), c.opt.Node, now, b)
	if err != nil {
		return c.fail(err)
	}
	if err := c.opt.Queue.Append(ev); err != nil {
		return c.fail(err)
	}
	c.mu.Lock()
	c.stats.Batches++
	c.mu.Unlock()
	if c.opt.Observer != nil {
		c.opt.Observer.ObserveBatch(b, now)
	}
	return nil
}

func (c *Collector) fail(err error) error {
	c.mu.Lock()
	c.stats.SampleErrors++
	c.stats.LastError = err
	c.mu.Unlock()
	return err
}

// energyDelta fills g.EnergyDeltaMJ from the previous counter reading of the same GPU.
func (c *Collector) energyDelta(g *events.GPUSample) {
	if g.EnergyMJ == 0 {
		delete(c.energy, g.UUID)
		return
	}
	prev, ok := c.energy[g.UUID]
	c.energy[g.UUID] = g.EnergyMJ
	switch {
	case !ok:
	case g.EnergyMJ >= prev:
		g.EnergyDeltaMJ = g.EnergyMJ - prev
	default: // the counter restarted from 0 (driver reload, GPU reset)
		g.EnergyDeltaMJ = g.EnergyMJ
	}
}

// inventory reads the inventory and queues it when it differs from the last one queued.
func (c *Collector) inventory(now time.Time) error {
	inv, err := c.opt.Source.Inventory()
	if err != nil {
		return fmt.Errorf("collectors: inventory: %w", err)
	}
	inv.Node, inv.Site = c.opt.Node, c.opt.Site
	c.invAt = now
	if c.inv != nil && reflect.DeepEqual(*c.inv, inv) {
		return nil
	}
	ev, err := events.New(events.KindGPUInventory, EventID(c.opt.Node, events.KindGPUInventory, now), c.opt.Node, now, inv)
	if err != nil {
		return err
	}
	if err := c.opt.Queue.Append(ev); err != nil {
		return err
	}
	c.inv = &inv
	c.mu.Lock()
	c.stats.Inventories++
	c.mu.Unlock()
	if c.opt.Observer != nil {
		c.opt.Observer.ObserveInventory(inv)
	}
	return nil
}

func printable(s string) bool {
	if len(s) == 0 || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
