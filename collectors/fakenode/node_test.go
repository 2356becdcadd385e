package fakenode_test

import (
	"reflect"
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

// TestNoCallRecording: sampling through Lib leaves the mock's call records empty for the calls
// with arguments, so a long-running fake collector does not grow.
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
	for range 100 {
		if _, err := src.Sample(); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
	}
	d := n.Device(0)
	if c, tmp, pu := len(d.GetClockInfoCalls()), len(d.GetTemperatureCalls()), len(d.GetProcessUtilizationCalls()); c+tmp+pu != 0 {
		t.Fatalf("mock recorded %d clock, %d temperature and %d process-utilization calls", c, tmp, pu)
	}
	if got := len(n.Device(0).GetUtilizationRatesCalls()); got != 100 {
		t.Fatalf("%d utilization reads recorded, want 100 (the test must see the calls happen)", got)
	}
}
