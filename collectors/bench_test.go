package collectors_test

import (
	"context"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/collectors/fakenode"
)

// BenchmarkTick is one sampling cycle of an 8-GPU node (mock NVML, a busy workload), with the
// batch written to the spool: with fsync (as deployed) and without (the CPU part alone).
func BenchmarkTick(b *testing.B) {
	for _, tc := range []struct {
		name   string
		noSync bool
	}{{"fsync", false}, {"nosync", true}} {
		b.Run(tc.name, func(b *testing.B) {
			now := t0.Add(3 * time.Hour)
			node, err := fakenode.New(fakenode.Options{Seed: 1, Epoch: t0, MeanGap: time.Minute, Clock: func() time.Time { return now }})
			if err != nil {
				b.Fatal(err)
			}
			src := openSource(b, node)
			sp := openSpool(b, b.TempDir(), collectors.SpoolOptions{NoSync: tc.noSync})
			defer sp.Close()
			c, err := collectors.New(collectors.Options{Node: "n1", Interval: time.Second, Source: src, Procs: node.Procs(), Queue: sp})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(time.Second)
				if err := c.Tick(now); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(sp.Stats().Bytes)/float64(sp.Stats().Records), "spool-B/batch")
		})
	}
}

// BenchmarkDrainOutage drains the spool of a 10-minute outage at a 1 s interval (600 batches of
// 8 GPUs, plus the inventory) into an embedded server on loopback, one event at a time in order.
func BenchmarkDrainOutage(b *testing.B) {
	srv := startServer(b, b.TempDir(), "127.0.0.1:0")
	defer srv.Shutdown()
	open := opener(b, srv.URL())
	now := t0.Add(3 * time.Hour)
	node, err := fakenode.New(fakenode.Options{Seed: 1, Epoch: t0, MeanGap: time.Minute, Clock: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	src := openSource(b, node)
	for b.Loop() {
		b.StopTimer()
		sp := openSpool(b, b.TempDir(), collectors.SpoolOptions{})
		c, err := collectors.New(collectors.Options{Node: "n1", Interval: time.Second, Source: src, Procs: node.Procs(), Queue: sp})
		if err != nil {
			b.Fatal(err)
		}
		for range 600 {
			now = now.Add(time.Second)
			if err := c.Tick(now); err != nil {
				b.Fatal(err)
			}
		}
		pub := newPublisher(b, sp, open)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		b.StartTimer()
		if err := pub.Drain(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cancel()
		if n := pub.Stats().Published; n != 601 {
			b.Fatalf("published %d, want 601", n)
		}
		sp.Close()
		b.StartTimer()
	}
}
