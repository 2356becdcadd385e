package fleet

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/sim"
)

// span is a job's part on one node, in batch numbers: shown by batches first .. end-1.
type span struct {
	first, end int64
	job        int
	gpus       []int
	pid        int
}

// nodeEnc holds a node's pre-encoded strings and its emission state.
type nodeEnc struct {
	spans   []span
	next    int      // first span not yet started
	active  []span   // spans shown by the current batch
	head    []byte   // {"node":...,"site":...,"interval_s":...,"gpus":[
	gpuHead [][]byte // per GPU: {"index":i,"uuid":"...","util_pct":
	energy  []uint64 // mJ per GPU since the epoch
	lastK   int64    // batch number of the last batch emitted, for idle energy in between
	busyK   int64    // batch number of the last batch that showed a process
}

func (f *Fleet) emit(w *sim.Workload, slots [][]slot, r *Result, emit func(events.Event) error) error {
	opt := f.opt
	iv := opt.Interval.Seconds()
	seed := strconv.FormatUint(opt.Seed, 10)
	out := func(e events.Event) error {
		if err := emit(e); err != nil {
			return err
		}
		r.Events++
		r.Last = e.Time
		return nil
	}
	encs := make([]nodeEnc, len(f.nodes))
	for i := range w.Jobs {
		if math.IsNaN(r.Start[i]) {
			continue
		}
		first, end := int64(math.Ceil(r.Start[i]/iv)), int64(math.Ceil(r.End[i]/iv))
		if first >= end {
			r.Invisible++
			continue
		}
		for _, s := range slots[i] {
			encs[s.node].spans = append(encs[s.node].spans, span{first, end, i, s.gpus, s.pid})
		}
	}
	for i, n := range f.nodes {
		e := &encs[i]
		slices.SortStableFunc(e.spans, func(a, b span) int { return cmp.Compare(a.first, b.first) })
		e.head = append(e.head, `{"node":`...)
		e.head = appendQuoted(e.head, n.Name)
		if n.Site != "" {
			e.head = append(e.head, `,"site":`...)
			e.head = appendQuoted(e.head, n.Site)
		}
		e.head = append(e.head, `,"interval_s":`...)
		e.head = strconv.AppendFloat(e.head, iv, 'g', -1, 64)
		e.head = append(e.head, `,"gpus":[`...)
		for g, u := range n.UUIDs {
			h := append([]byte(`{"index":`), strconv.Itoa(g)...)
			h = append(h, `,"uuid":`...)
			h = appendQuoted(h, u)
			e.gpuHead = append(e.gpuHead, append(h, `,"util_pct":`...))
		}
		e.energy = make([]uint64, n.GPUs)
		e.lastK, e.busyK = -1, math.MinInt64/2
	}
	trail := int64(opt.TrailingBatches)

	// Inventories and ownership at the epoch.
	for i, n := range f.nodes {
		inv := events.GPUInventory{Node: n.Name, Site: n.Site, GPUs: make([]events.GPUInfo, n.GPUs)}
		idx := make([]int, n.GPUs)
		for g := range inv.GPUs {
			inv.GPUs[g] = events.GPUInfo{Index: g, UUID: n.UUIDs[g], Name: productName(n.GPUType), Model: n.GPUType, MemoryBytes: opt.MemoryBytes}
			idx[g] = g
		}
		e, err := events.New(events.KindGPUInventory, events.DeriveID("gpuplan.fleet", seed, "inventory", n.Name), n.Name, opt.Epoch, inv)
		if err != nil {
			return fmt.Errorf("fleet: node %d inventory: %w", i, err)
		}
		if err := out(e); err != nil {
			return err
		}
		e, err = events.New(events.KindOwnershipAssigned, events.DeriveID("gpuplan.fleet", seed, "ownership", n.Name), n.Name, opt.Epoch,
			events.OwnershipAssigned{Owner: n.Owner, Site: n.Site, Node: n.Name, GPUIndices: idx, GPUUUIDs: n.UUIDs, By: "fleet"})
		if err != nil {
			return fmt.Errorf("fleet: node %d ownership: %w", i, err)
		}
		if err := out(e); err != nil {
			return err
		}
	}

	rng := rand.New(rand.NewPCG(opt.Seed, 0x6675656c)) // "fuel"
	// The constant runs of the payload, written once.
	used := opt.MemoryBytes / 4 * 3
	mem := func(used uint64) []byte {
		b := strconv.AppendUint([]byte(`,"mem_used_bytes":`), used, 10)
		return strconv.AppendUint(append(b, `,"mem_total_bytes":`...), opt.MemoryBytes, 10)
	}
	tails := make([][]byte, len(w.Owners)) // after a process's pid
	for i, o := range w.Owners {
		b := appendQuoted([]byte(`,"user":`), o)
		tails[i] = append(strconv.AppendUint(append(b, `,"used_memory_bytes":`...), used, 10), "}]"...)
	}
	c := consts{memIdle: mem(0), memBusy: mem(used), tails: tails}
	kindName := events.KindGPUSampleBatch.String()
	var buf []byte
	var ar arena
	k := int64(math.MaxInt64)
	for i := range encs {
		if len(encs[i].spans) > 0 {
			k = min(k, encs[i].spans[0].first)
		}
	}
	for k != math.MaxInt64 {
		nextK := int64(math.MaxInt64)
		for ni := range encs {
			e := &encs[ni]
			act := e.active[:0]
			for _, s := range e.active {
				if s.end > k {
					act = append(act, s)
				}
			}
			e.active = act
			for e.next < len(e.spans) && e.spans[e.next].first <= k {
				e.active = append(e.active, e.spans[e.next])
				e.next++
			}
			if len(e.active) > 0 {
				e.busyK = k
			}
			if k-e.busyK <= trail {
				buf = f.batch(buf[:0], ni, e, k, w, &c, rng, r)
				n := f.nodes[ni]
				ev := events.Event{V: events.CurrentVersion, ID: events.DeriveID("gpuplan.fleet", seed, n.Name, strconv.FormatInt(k, 10)),
					Kind: events.KindGPUSampleBatch, KindName: kindName, Source: n.Name,
					Time: opt.Epoch.Add(time.Duration(k) * opt.Interval), Data: ar.copy(buf)}
				if err := out(ev); err != nil {
					return err
				}
				r.Batches++
				nextK = min(nextK, k+1)
			} else if e.next < len(e.spans) {
				nextK = min(nextK, e.spans[e.next].first)
			}
		}
		k = nextK
	}
	return nil
}

// consts are the payload runs every batch repeats.
type consts struct {
	memIdle, memBusy []byte   // ,"mem_used_bytes":...,"mem_total_bytes":...
	tails            [][]byte // per owner: ,"user":...,"used_memory_bytes":...}]
}

// batch appends the payload of node ni's batch k.
func (f *Fleet) batch(buf []byte, ni int, e *nodeEnc, k int64, w *sim.Workload, c *consts, rng *rand.Rand, r *Result) []byte {
	opt := f.opt
	n := f.nodes[ni]
	iv := opt.Interval.Seconds()
	buf = append(buf, e.head...)
	for g := range n.GPUs {
		util, power := 0.0, opt.IdleW
		sp := -1
		for a := range e.active {
			if slices.Contains(e.active[a].gpus, g) {
				sp = a
				break
			}
		}
		var j *sim.Job
		if sp >= 0 {
			j = &w.Jobs[e.active[sp].job]
			util = 100 * cmp.Or(j.Util, opt.BusyUtil)
			power = cmp.Or(j.PowerW, opt.BusyW)
			if util > 0 && opt.UtilNoisePct > 0 {
				util = min(100, max(0, util+rng.NormFloat64()*opt.UtilNoisePct))
			}
			if power > 0 && opt.PowerNoiseW > 0 {
				power = max(0.01, power+rng.NormFloat64()*opt.PowerNoiseW)
			}
		}
		// The counter also runs while no batch is sent: those intervals were idle.
		if skipped := k - e.lastK - 1; skipped > 0 && e.lastK >= 0 {
			e.energy[g] += uint64(opt.IdleW * iv * float64(skipped) * 1000)
		}
		e.energy[g] += uint64(power * iv * 1000)
		if g > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, e.gpuHead[g]...)
		buf = appendHundredths(buf, util)
		if j != nil {
			buf = append(buf, c.memBusy...)
		} else {
			buf = append(buf, c.memIdle...)
		}
		if power > 0 {
			buf = append(buf, `,"power_w":`...)
			buf = appendHundredths(buf, power)
		}
		if e.energy[g] > 0 {
			buf = append(buf, `,"energy_mj":`...)
			buf = strconv.AppendUint(buf, e.energy[g], 10)
		}
		buf = append(buf, `,"throttle_reasons":0`...)
		if j != nil {
			buf = append(buf, `,"processes":[{"pid":`...)
			buf = strconv.AppendInt(buf, int64(e.active[sp].pid), 10)
			buf = append(buf, c.tails[j.Owner]...)
			r.Processes++
		}
		buf = append(buf, '}')
		r.GPUSamples++
	}
	e.lastK = k
	return append(buf, "]}"...)
}

// appendHundredths writes x >= 0 rounded to two decimals, without trailing zeros.
func appendHundredths(buf []byte, x float64) []byte {
	c := int64(math.Round(x * 100))
	buf = strconv.AppendInt(buf, c/100, 10)
	if frac := c % 100; frac != 0 {
		buf = append(buf, '.', byte('0'+frac/10))
		if frac%10 != 0 {
			buf = append(buf, byte('0'+frac%10))
		}
	}
	return buf
}

func appendQuoted(buf []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(buf, b...)
}

func productName(gpuType string) string {
	if gpuType == "" {
		return "NVIDIA GPU"
	}
	return "NVIDIA " + gpuType
}

// arena hands out payload copies carved from large blocks: one allocation per block instead of
// one per event. Each copy is capped, so appending to one never touches its neighbour.
type arena struct{ free []byte }

const arenaBlock = 256 << 10

func (a *arena) copy(b []byte) []byte {
	if len(b) > len(a.free) {
		a.free = make([]byte, max(arenaBlock, len(b)))
	}
	out := a.free[:len(b):len(b)]
	copy(out, b)
	a.free = a.free[len(b):]
	return out
}
