package fleet_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/fleet"
	"github.com/gpuplan/gpuplan/events/projection"
)

// benchFleet is a small lab fleet: 16 owners with one 8-GPU node each (128 GPUs), three weeks
// of jobs at roughly 60 % load.
func benchFleet(b *testing.B, opt fleet.Options) (*fleet.Fleet, *gpuplan.Workload) {
	var pools []gpuplan.Pool
	owners := []string{"o01", "o02", "o03", "o04", "o05", "o06", "o07", "o08", "o09", "o10", "o11", "o12", "o13", "o14", "o15", "o16"}
	for _, o := range owners {
		pools = append(pools, gpuplan.Pool{Owner: o, GPUs: 8, GPUsPerNode: 8, GPUType: "H100", Site: "lab"})
	}
	opt.Seed = 1
	f, err := fleet.New(pools, opt)
	if err != nil {
		b.Fatal(err)
	}
	// Jobs of 1..8 GPUs lasting 1..9 hours: a mean of 4.5 GPUs x 5 h per job; 60 % of 128 GPUs
	// over 21 days needs about 1,720 of them.
	w := &gpuplan.Workload{}
	const days = 21
	for i := range 1720 {
		o := owners[i%len(owners)]
		w.Jobs = append(w.Jobs, gpuplan.Job{ID: o, Owner: w.OwnerIndex(o), Group: -1,
			Submit: float64(i) * days * 86400 / 1720, GPUs: int32(1 + i*7%8), Duration: 3600 * float64(1+i*5%9),
			Util: 0.7, PowerW: 450})
	}
	return f, w
}

// cpuTime is the process's user and system CPU time: steadier than wall time on a shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRun: the collector on every fake node at every interval. "1min" is the fleet's
// default interval; "5min" the demo's, where the collector's default inventory period (5 min)
// reads the inventory at every tick, and "5min-inv1h" reads it hourly.
func BenchmarkRun(b *testing.B) {
	for _, c := range []struct {
		name string
		opt  fleet.Options
	}{
		{"1min", fleet.Options{}},
		{"5min", fleet.Options{Interval: 5 * time.Minute}},
		{"5min-inv1h", fleet.Options{Interval: 5 * time.Minute, InventoryEvery: time.Hour}},
	} {
		b.Run(c.name, func(b *testing.B) {
			f, w := benchFleet(b, c.opt)
			var r *fleet.Result
			start, cpu := time.Now(), cpuTime()
			for b.Loop() {
				var err error
				if r, err = f.Run(w, nil, func(events.Event) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
			el := time.Since(start).Seconds() / float64(b.N)
			b.ReportMetric(float64(r.Events)/el, "events/s")
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/float64(r.Events), "cpu-ns/event")
			b.ReportMetric(float64(r.GPUSamples)/el, "gpu-samples/s")
			b.ReportMetric(float64(r.Events), "events")
		})
	}
}

func BenchmarkProject(b *testing.B) {
	f, w := benchFleet(b, fleet.Options{})
	var evs []events.Event
	if _, err := f.Run(w, nil, func(e events.Event) error { evs = append(evs, e); return nil }); err != nil {
		b.Fatal(err)
	}
	start, cpu := time.Now(), cpuTime()
	var st projection.Stats
	for b.Loop() {
		p := projection.New(projection.Options{})
		for _, e := range evs {
			if err := p.Add(e); err != nil {
				b.Fatal(err)
			}
		}
		_, st = p.Workload()
	}
	el := time.Since(start).Seconds() / float64(b.N)
	b.ReportMetric(float64(len(evs))/el, "events/s")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/float64(len(evs)), "cpu-ns/event")
	b.ReportMetric(float64(st.Jobs), "jobs")
}
