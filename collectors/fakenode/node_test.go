package fakenode_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/collectors/fakenode"
	"github.com/gpuplan/gpuplan/collectors/nvmlsource"
)

// TestWorkloadSeeded: the same options give the same jobs and GPU UUIDs, another seed other
// jobs; no GPU runs two jobs at once.
func TestWorkloadSeeded(t *testing.T) {
	epoch := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	mk := func(seed uint64, name string) *fakenode.Node {
		n, err := fakenode.New(fakenode.Options{Seed: seed, Name: name, Epoch: epoch})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	a, b, c, d := mk(1, "n1"), mk(1, "n1"), mk(2, "n1"), mk(1, "n2")
	if !reflect.DeepEqual(a.Jobs(), b.Jobs()) || a.UUID(3) != b.UUID(3) {
		t.Fatal("same options, different node")
	}
	if reflect.DeepEqual(a.Jobs(), c.Jobs()) {
		t.Fatal("another seed gave the same jobs")
	}
	if a.UUID(0) == d.UUID(0) {
		t.Fatal("two nodes share a GPU UUID")
	}
	busyUntil := map[int]time.Time{}
	for _, j := range a.Jobs() {
		if !j.End.After(j.Start) || j.UtilPct < 0 || j.UtilPct > 100 {
			t.Fatalf("job %+v is malformed", j)
		}
		for _, g := range j.GPUs {
			if j.Start.Before(busyUntil[g]) {
				t.Fatalf("job %s starts on GPU %d before the previous job ends", j.JobID, g)
			}
			busyUntil[g] = j.End
		}
	}
	if _, err := fakenode.New(fakenode.Options{Model: "dgx-nope"}); err == nil {
		t.Fatal("unknown model accepted")
	}
}

// TestNoCallRecording: sampling and reading the inventory through Lib leave the mock's call records empty, so a
// long-running fake collector does not grow, while the readings still follow the workload.
func TestNoCallRecording(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	n, err := fakenode.New(fakenode.Options{Seed: 1, Epoch: now, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	src, err := nvmlsource.Open(n.Lib())
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	busy := 0
	for range 100 {
		if _, err := src.Inventory(); err != nil {
			t.Fatal(err)
		}
		gs, err := src.Sample()
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			if len(g.Processes) > 0 && g.UtilPct > 0 {
				busy++
			}
		}
		now = now.Add(time.Minute)
	}
	if busy == 0 {
		t.Fatal("no busy reading in 100 minutes of a seeded workload: the readings do not reach the source")
	}
	d := n.Device(0)
	recorded := len(d.GetClockInfoCalls()) + len(d.GetTemperatureCalls()) + len(d.GetProcessUtilizationCalls()) +
		len(d.GetUtilizationRatesCalls()) + len(d.GetMemoryInfoCalls()) + len(d.GetPowerUsageCalls()) +
		len(d.GetTotalEnergyConsumptionCalls()) + len(d.GetComputeRunningProcessesCalls()) + len(d.GetUUIDCalls()) +
		len(d.GetNameCalls()) + len(d.GetPciInfoCalls()) + len(d.GetMigModeCalls()) + len(d.GetPowerManagementDefaultLimitCalls())
	if recorded != 0 {
		t.Fatalf("mock recorded %d calls of the sampling path", recorded)
	}
}

// TestNodeSize: a node has the GPUs asked for, reports the product name asked for, and refuses
// sizes out of range and jobs on GPUs it lacks.
func TestNodeSize(t *testing.T) {
	epoch := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		gpus, want int
		product    string
		wantName   string
		ok         bool
	}{
		{0, 8, "", "NVIDIA H100 80GB HBM3", true},
		{1, 1, "NVIDIA rtx4090", "NVIDIA rtx4090", true},
		{3, 3, "", "NVIDIA H100 80GB HBM3", true},
		{16, 16, "NVIDIA H100", "NVIDIA H100", true},
		{-1, 0, "", "", false},
		{fakenode.MaxGPUs + 1, 0, "", "", false},
	} {
		n, err := fakenode.New(fakenode.Options{GPUs: c.gpus, Product: c.product, Seed: 5, Epoch: epoch, Clock: func() time.Time { return epoch }})
		if (err == nil) != c.ok {
			t.Fatalf("%d GPUs: error %v", c.gpus, err)
		}
		if err != nil {
			continue
		}
		src, err := nvmlsource.Open(n.Lib())
		if err != nil {
			t.Fatal(err)
		}
		inv, err := src.Inventory()
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		uuids := map[string]bool{}
		for _, g := range inv.GPUs {
			uuids[g.UUID] = true
			if g.Name != c.wantName {
				t.Errorf("%d GPUs: GPU %d is %q, want %q", c.gpus, g.Index, g.Name, c.wantName)
			}
		}
		if len(inv.GPUs) != c.want || len(uuids) != c.want {
			t.Errorf("%d GPUs: inventory has %d GPUs (%d UUIDs), want %d", c.gpus, len(inv.GPUs), len(uuids), c.want)
		}
		for _, j := range n.Jobs() {
			for _, g := range j.GPUs {
				if g >= c.want {
					t.Errorf("%d GPUs: job %s on GPU %d", c.gpus, j.JobID, g)
				}
			}
		}
	}
	bad := []fakenode.Job{{JobID: "1", PID: 10, GPUs: []int{2}, Start: epoch, End: epoch.Add(time.Hour)}}
	if _, err := fakenode.New(fakenode.Options{GPUs: 2, Jobs: bad}); err == nil {
		t.Fatal("a job on GPU 2 of a 2-GPU node was accepted")
	}
}

// TestPIDReuse: a pid that a later job takes again is attributed to the job running at the
// clock's time, as /proc would.
func TestPIDReuse(t *testing.T) {
	epoch := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	now := epoch
	jobs := []fakenode.Job{
		{JobID: "7", PID: 2000, User: "kim", GPUs: []int{0}, Start: epoch, End: epoch.Add(time.Hour)},
		{JobID: "9", PID: 2000, User: "lee", GPUs: []int{1}, Start: epoch.Add(2 * time.Hour), End: epoch.Add(3 * time.Hour)},
	}
	n, err := fakenode.New(fakenode.Options{GPUs: 2, Jobs: jobs, Epoch: epoch, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at     time.Duration
		user   string
		job    string
		exists bool
	}{
		{-time.Minute, "", "", false},
		{30 * time.Minute, "kim", "7", true},
		{90 * time.Minute, "kim", "7", true}, // ended, but no later job has the pid yet
		{150 * time.Minute, "lee", "9", true},
	} {
		now = epoch.Add(c.at)
		p, ok := n.Procs().Proc(2000)
		if ok != c.exists || p.User != c.user || p.JobID != c.job {
			t.Errorf("at %v: %+v %v, want user %q job %q", c.at, p, ok, c.user, c.job)
		}
	}
}

// TestEnergyIntegral: the energy counter's delta between two readings is the integral of the
// workload's power over that time, summed job by job here, within a millijoule of rounding.
func TestEnergyIntegral(t *testing.T) {
	epoch := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	now := epoch
	n, err := fakenode.New(fakenode.Options{Seed: 9, Epoch: epoch, Horizon: 48 * time.Hour, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	read := func(g int, at time.Time) (uint64, float64) {
		now = at
		d, _ := n.Lib().DeviceGetHandleByIndex(g)
		e, _ := d.GetTotalEnergyConsumption()
		p, _ := d.GetPowerUsage()
		return e, float64(p) / 1000
	}
	_, idleW := read(0, epoch) // no job starts at the epoch itself
	rng := rand.New(rand.NewPCG(9, 1))
	for range 200 {
		g := rng.IntN(8)
		a := epoch.Add(time.Duration(rng.Int64N(int64(50 * time.Hour))))
		b := a.Add(time.Duration(rng.Int64N(int64(6 * time.Hour))))
		want := idleW * b.Sub(a).Seconds()
		for _, j := range n.Jobs() {
			if !slices.Contains(j.GPUs, g) {
				continue
			}
			s, e := maxTime(j.Start, a), minTime(j.End, b)
			if e.After(s) {
				want += (j.PowerW - idleW) * e.Sub(s).Seconds()
			}
		}
		ea, _ := read(g, a)
		eb, _ := read(g, b)
		if got := float64(eb-ea) / 1000; math.Abs(got-want) > 1e-3 {
			t.Fatalf("GPU %d, %v..%v: %v J, want %v J", g, a, b, got, want)
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
