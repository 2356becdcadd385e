package fleet

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/collectors/fakenode"
	"github.com/gpuplan/gpuplan/collectors/nvmlsource"
	"github.com/gpuplan/gpuplan/events"
)

// fakeModel picks the go-nvml mock server whose power figures stand in for a GPU type.
func fakeModel(gpuType string) string {
	t := strings.ToLower(gpuType)
	for _, m := range []string{"a100", "h200", "b200"} {
		if strings.Contains(t, m) {
			return "dgx" + m
		}
	}
	return "dgxh100"
}

func productName(gpuType string) string {
	if gpuType == "" {
		return "NVIDIA GPU"
	}
	return "NVIDIA " + gpuType
}

// collect runs a collectors.Collector on a fakenode per fleet node, on a virtual clock, and
// hands what they queue to emit.
func (f *Fleet) collect(w *gpuplan.Workload, slots [][]slot, r *Result, emit func(events.Event) error) error {
	opt := f.opt
	iv := opt.Interval.Seconds()
	jobs := make([][]fakenode.Job, len(f.nodes))
	lastEnd := int64(0) // one past the last batch that shows a process
	for i := range w.Jobs {
		if math.IsNaN(r.Start[i]) {
			continue
		}
		first, end := int64(math.Ceil(r.Start[i]/iv)), int64(math.Ceil(r.End[i]/iv))
		if first >= end {
			r.Invisible++
			continue
		}
		lastEnd = max(lastEnd, end)
		j := &w.Jobs[i]
		for _, s := range slots[i] {
			n := &f.nodes[s.node]
			jobs[s.node] = append(jobs[s.node], fakenode.Job{
				JobID: cmp.Or(j.ID, strconv.Itoa(i)), PID: s.pid, User: w.Owners[j.Owner], GPUs: s.gpus,
				Start:   opt.Epoch.Add(secs(r.Start[i])),
				End:     opt.Epoch.Add(secs(r.End[i])),
				UtilPct: 100 * cmp.Or(j.Util, opt.BusyUtil), PowerW: cmp.Or(j.PowerW, opt.BusyW),
				MemBytes: fakenode.GPUMemory(fakeModel(n.GPUType)) / 4 * 3,
			})
		}
	}

	var now time.Time
	clock := func() time.Time { return now }
	q := &queue{emit: emit, r: r}
	cols := make([]*collectors.Collector, len(f.nodes))
	for i, n := range f.nodes {
		fn, err := fakenode.New(fakenode.Options{Model: fakeModel(n.GPUType), GPUs: n.GPUs, Product: productName(n.GPUType),
			Name: n.Name, Seed: opt.Seed, Epoch: opt.Epoch, Clock: clock, Jobs: nonNil(jobs[i])})
		if err != nil {
			return fmt.Errorf("fleet: node %s: %w", n.Name, err)
		}
		src, err := nvmlsource.Open(fn.Lib())
		if err != nil {
			return fmt.Errorf("fleet: node %s: %w", n.Name, err)
		}
		defer src.Close()
		cols[i], err = collectors.New(collectors.Options{Node: n.Name, Site: n.Site, Interval: opt.Interval,
			InventoryEvery: opt.InventoryEvery, Source: &typed{Source: src, model: n.GPUType, r: r},
			Procs: fn.Procs(), Queue: q})
		if err != nil {
			return fmt.Errorf("fleet: node %s: %w", n.Name, err)
		}
		// What a node config giving every GPU to the owner publishes on the collector's start.
		idx := make([]int, n.GPUs)
		for g := range idx {
			idx[g] = g
		}
		cfg := collectors.NodeConfig{Node: n.Name, Site: n.Site, By: "fleet", Owners: []collectors.OwnerEntry{{Owner: n.Owner, Indices: idx}}}
		own, err := cfg.OwnershipEvents(nil, n.Name, n.Site, opt.Epoch)
		if err != nil {
			return fmt.Errorf("fleet: node %s ownership: %w", n.Name, err)
		}
		for _, e := range own {
			if err := q.Append(e); err != nil {
				return err
			}
		}
	}
	// Every node samples every interval, as its collector would, until the trailing batches
	// after the last process; at least once, so that every node publishes its inventory.
	last := max(0, lastEnd-1+int64(opt.TrailingBatches))
	for k := int64(0); k <= last; k++ {
		now = opt.Epoch.Add(time.Duration(k) * opt.Interval)
		for i, c := range cols {
			if err := c.Tick(now); err != nil {
				if q.err != nil {
					return q.err // emit's error, unchanged
				}
				return fmt.Errorf("fleet: node %s at %v: %w", f.nodes[i].Name, now, err)
			}
		}
	}
	return nil
}

func nonNil(j []fakenode.Job) []fakenode.Job {
	if j == nil {
		return []fakenode.Job{} // nil would make fakenode draw its own workload
	}
	return j
}

// secs converts seconds since the epoch, rounded to the nanosecond.
func secs(s float64) time.Duration { return time.Duration(math.Round(s * 1e9)) }

// queue hands a collector's events to emit and counts them.
type queue struct {
	emit func(events.Event) error
	r    *Result
	err  error
}

var _ collectors.Queue = (*queue)(nil)

func (q *queue) Append(e events.Event) error {
	if err := q.emit(e); err != nil {
		q.err = err
		return err
	}
	q.r.Events++
	q.r.Last = e.Time
	if e.Kind == events.KindGPUSampleBatch {
		q.r.Batches++
	}
	return nil
}

// typed adds the GPU type name to the inventory, as a site that knows its catalogue would, and
// counts the readings.
type typed struct {
	collectors.Source
	model string
	r     *Result
}

func (t *typed) Inventory() (events.GPUInventory, error) {
	inv, err := t.Source.Inventory()
	for i := range inv.GPUs {
		inv.GPUs[i].Model = t.model
	}
	return inv, err
}

func (t *typed) Sample() ([]events.GPUSample, error) {
	gs, err := t.Source.Sample()
	t.r.GPUSamples += len(gs)
	for _, g := range gs {
		t.r.Processes += len(g.Processes)
	}
	return gs, err
}
