package collectors_test

import (
	"math"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/collectors/fakenode"
	"github.com/gpuplan/gpuplan/collectors/nvmlsource"
	"github.com/gpuplan/gpuplan/events"
)

// memQueue keeps queued events in memory.
type memQueue struct{ evs []events.Event }

func (q *memQueue) Append(ev events.Event) error { q.evs = append(q.evs, ev); return nil }

func (q *memQueue) batches(t testing.TB) []events.GPUSampleBatch {
	var out []events.GPUSampleBatch
	for _, e := range q.evs {
		if e.Kind == events.KindGPUSampleBatch {
			b, err := events.DecodeAs[events.GPUSampleBatch](e)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

// fakeCollector is a Collector on a fake node driven by a virtual clock *now.
func fakeCollector(t testing.TB, opt fakenode.Options, interval time.Duration, now *time.Time) (*collectors.Collector, *fakenode.Node, *memQueue, *nvmlsource.Source) {
	t.Helper()
	opt.Clock = func() time.Time { return *now }
	node, err := fakenode.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	src, err := nvmlsource.Open(node.Lib())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	q := &memQueue{}
	c, err := collectors.New(collectors.Options{Node: "n1", Site: "lab", Interval: interval, Source: src, Procs: node.Procs(), Queue: q})
	if err != nil {
		t.Fatal(err)
	}
	return c, node, q, src
}

// TestEnergyFromCounterDeltas: the energy of each interval is the counter's difference, and
// across a counter reset it is the counter's new value; summed, it equals the integral of the
// workload's power (the fake's ground truth), reset or not.
func TestEnergyFromCounterDeltas(t *testing.T) {
	cases := []struct {
		name    string
		resetAt []int // tick numbers after which GPU 0's counter restarts
		tolMJ   float64
	}{
		{"no reset", nil, 0},
		// The interval a reset falls in reports the energy since the reset only: the part before
		// it is lost, at most one interval at full power (700 W x 60 s).
		{"one reset", []int{30}, 700 * 60 * 1000},
		{"two resets", []int{10, 70}, 2 * 700 * 60 * 1000},
	}
	const interval = time.Minute
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := t0
			c, node, q, _ := fakeCollector(t, fakenode.Options{Seed: 3, Epoch: t0, Horizon: 3 * time.Hour}, interval, &now)
			resets := map[int]bool{}
			for _, r := range tc.resetAt {
				resets[r] = true
			}
			for k := range 120 {
				now = t0.Add(time.Duration(k) * interval)
				if resets[k] {
					now = now.Add(-interval / 2) // mid-interval
					node.ResetEnergy(0)
					now = t0.Add(time.Duration(k) * interval)
				}
				if err := c.Tick(now); err != nil {
					t.Fatal(err)
				}
			}
			bs := q.batches(t)
			var sum float64
			var prev uint64
			for k, b := range bs {
				g := b.GPUs[0]
				if k == 0 && g.EnergyDeltaMJ != 0 {
					t.Fatalf("first batch has energy delta %d, want 0 (no previous reading)", g.EnergyDeltaMJ)
				}
				if k > 0 {
					want := g.EnergyMJ - prev
					if g.EnergyMJ < prev {
						want = g.EnergyMJ
						if !resets[k] {
							t.Fatalf("counter went back at tick %d without a reset", k)
						}
					}
					if g.EnergyDeltaMJ != want {
						t.Fatalf("tick %d: delta %d, want %d", k, g.EnergyDeltaMJ, want)
					}
				}
				prev = g.EnergyMJ
				sum += float64(g.EnergyDeltaMJ)
			}
			// Ground truth: the integral of GPU 0's power over the 119 intervals.
			truth := integral(node, 0, t0, t0.Add(119*interval))
			if math.Abs(sum-truth) > tc.tolMJ+float64(len(bs)) { // +1 mJ rounding per reading
				t.Errorf("sum of deltas %.0f mJ, integral of power %.0f mJ (tolerance %.0f)", sum, truth, tc.tolMJ)
			}
			if len(tc.resetAt) > 0 && sum >= truth {
				t.Errorf("with resets the deltas (%.0f) should miss the energy before each reset (truth %.0f)", sum, truth)
			}
		})
	}
}

// integral is GPU g's energy between a and b from the fake's jobs (1 ms steps of its power
// function would be slow; jobs are piecewise constant).
func integral(n *fakenode.Node, g int, a, b time.Time) float64 {
	const idleW = 70 // dgxh100
	e := idleW * b.Sub(a).Seconds()
	for _, j := range n.Jobs() {
		on := false
		for _, x := range j.GPUs {
			on = on || x == g
		}
		if !on {
			continue
		}
		s, f := maxT(j.Start, a), minT(j.End, b)
		if f.After(s) {
			e += (j.PowerW - idleW) * f.Sub(s).Seconds()
		}
	}
	return e * 1000
}

func maxT(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minT(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// TestInventoryOnStartAndChange: one inventory on the first tick, none while nothing changes,
// a new one when MIG is enabled on a GPU.
func TestInventoryOnStartAndChange(t *testing.T) {
	now := t0
	c, node, q, _ := fakeCollector(t, fakenode.Options{Seed: 1, Epoch: t0}, time.Minute, &now)
	count := func() int {
		n := 0
		for _, e := range q.evs {
			if e.Kind == events.KindGPUInventory {
				n++
			}
		}
		return n
	}
	for k := range 10 {
		now = t0.Add(time.Duration(k) * time.Minute)
		if err := c.Tick(now); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 1 {
		t.Fatalf("%d inventories after 10 unchanged ticks, want 1", n)
	}
	dev := node.Device(2)
	dev.SetMigMode(nvml.DEVICE_MIG_ENABLE)
	dev.GetMaxMigDeviceCountFunc = func() (int, nvml.Return) { return 0, nvml.SUCCESS }
	for k := 10; k < 20; k++ {
		now = t0.Add(time.Duration(k) * time.Minute)
		if err := c.Tick(now); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 2 {
		t.Fatalf("%d inventories after a MIG change, want 2", n)
	}
	last := q.evs[0]
	for _, e := range q.evs {
		if e.Kind == events.KindGPUInventory {
			last = e
		}
	}
	inv, _ := events.DecodeAs[events.GPUInventory](last)
	if inv.GPUs[2].MIGMode != 1 || inv.GPUs[1].MIGMode != 0 {
		t.Errorf("MIG modes in the new inventory: GPU 1 %d, GPU 2 %d; want 0 and 1", inv.GPUs[1].MIGMode, inv.GPUs[2].MIGMode)
	}
}

// TestProcessAttribution: processes carry the user and Slurm job id of the workload's jobs.
func TestProcessAttribution(t *testing.T) {
	now := t0
	c, node, q, _ := fakeCollector(t, fakenode.Options{Seed: 5, Epoch: t0, Horizon: 2 * time.Hour}, time.Minute, &now)
	byPID := map[int]fakenode.Job{}
	for _, j := range node.Jobs() {
		byPID[j.PID] = j
	}
	seen := 0
	for k := range 120 {
		now = t0.Add(time.Duration(k) * time.Minute)
		if err := c.Tick(now); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range q.batches(t) {
		for _, g := range b.GPUs {
			for _, p := range g.Processes {
				j, ok := byPID[p.PID]
				if !ok {
					t.Fatalf("pid %d is no job of the workload", p.PID)
				}
				if p.User != j.User || p.JobID != j.JobID || p.Cgroup == "" || p.UsedMemoryBytes != j.MemBytes || p.SMUtilPct != j.UtilPct {
					t.Fatalf("process %+v does not match job %+v", p, j)
				}
				seen++
			}
		}
	}
	if seen == 0 {
		t.Fatal("no process seen in two hours of workload")
	}
}

func TestNewRejects(t *testing.T) {
	src := &memQueue{}
	cases := []struct {
		name string
		opt  collectors.Options
	}{
		{"no node", collectors.Options{Queue: src}},
		{"node with space", collectors.Options{Node: "a b", Queue: src}},
		{"no source", collectors.Options{Node: "a", Queue: src}},
	}
	for _, tc := range cases {
		if _, err := collectors.New(tc.opt); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
