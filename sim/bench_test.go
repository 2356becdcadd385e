package sim_test

import (
	"math"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/internal/benchload"
	"github.com/gpuplan/gpuplan/sim"
)

// The benchmark workload and clusters are the issue's; package benchload documents them.
const benchOwners = benchload.Owners

var benchCache struct {
	sync.Mutex
	m map[int]*gpuplan.Workload
}

// benchWorkload returns the first n jobs of the cached 1M-job workload (10M jobs are a separate
// draw), generated once per process.
func benchWorkload(n int) *gpuplan.Workload {
	base := 1_000_000
	if n > base {
		base = n
	}
	benchCache.Lock()
	defer benchCache.Unlock()
	if benchCache.m == nil {
		benchCache.m = map[int]*gpuplan.Workload{}
	}
	w, ok := benchCache.m[base]
	if !ok {
		w = benchload.Workload(base, 20240601)
		benchCache.m[base] = w
	}
	if n == base {
		return w
	}
	return &gpuplan.Workload{Jobs: w.Jobs[:n], Owners: w.Owners}
}

// benchSizesToRun are the workload sizes; 10M only with GPUPLAN_BENCH_10M=1.
func benchSizesToRun() []struct {
	name string
	n    int
} {
	s := []struct {
		name string
		n    int
	}{{"100k", 100_000}, {"1M", 1_000_000}}
	if os.Getenv("GPUPLAN_BENCH_10M") == "1" {
		s = append(s, struct {
			name string
			n    int
		}{"10M", 10_000_000})
	}
	return s
}

// benchRun times sim.Run and reports throughput; an event is an arrival or a completion, two per
// feasible job.
func benchRun(b *testing.B, c *gpuplan.Cluster, w *gpuplan.Workload, policy string, opt sim.Options) {
	b.ReportAllocs()
	var feasible int
	cpu0 := cpuTime()
	for b.Loop() {
		r, err := sim.Run(c, w, policy, opt)
		if err != nil {
			b.Fatal(err)
		}
		feasible = r.Jobs.Submitted - r.Jobs.Infeasible
	}
	s := b.Elapsed().Seconds()
	// CPU time of the process (GC included) per run: on a shared machine, far steadier than the
	// wall-clock ns/op, which counts the time other processes held the cores.
	b.ReportMetric((cpuTime()-cpu0)/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(len(w.Jobs))*float64(b.N)/s, "jobs/s")
	b.ReportMetric(2*float64(feasible)*float64(b.N)/s, "events/s")
}

// cpuTime is the user and system CPU time of the process so far, in seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func BenchmarkPolicy(b *testing.B) {
	c := benchload.Cluster(0)
	for _, policy := range []string{"fragmented", "fifo", "easy", "quota", "fairshare"} {
		b.Run(policy, func(b *testing.B) {
			b.Run("pool", func(b *testing.B) {
				for _, size := range benchSizesToRun() {
					b.Run(size.name, func(b *testing.B) {
						benchRun(b, c, benchWorkload(size.n), policy, sim.Options{Placement: sim.PlacementPool})
					})
				}
			})
		})
	}
}

// BenchmarkEasyNodesThrottle runs easy with node placement on a farm capped in throttle mode at
// benchload.ThrottleCapW.
func BenchmarkEasyNodesThrottle(b *testing.B) {
	c := benchload.Cluster(benchload.ThrottleCapW())
	for _, size := range benchSizesToRun() {
		if size.n < 1_000_000 {
			continue
		}
		b.Run(size.name, func(b *testing.B) {
			benchRun(b, c, benchWorkload(size.n), "easy", sim.Options{Placement: sim.PlacementNodes})
		})
	}
}

// TestBenchWorkloadShape checks the generator against its own specification, so the benchmark
// numbers describe the workload they claim to: offered load, GPU mix and per-owner loads.
func TestBenchWorkloadShape(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 50_000
	}
	w := benchload.Workload(n, 1)
	span := w.Jobs[n-1].Submit - w.Jobs[0].Submit
	var gpuSec float64
	count := map[int32]int{}
	perOwner := make([]float64, benchOwners)
	for i, j := range w.Jobs {
		if i > 0 && j.Submit < w.Jobs[i-1].Submit {
			t.Fatalf("job %d submitted before job %d", i, i-1)
		}
		gpuSec += float64(j.GPUs) * j.Duration
		count[j.GPUs]++
		perOwner[j.Owner]++
	}
	// Lognormal sigma 1 has a coefficient of variation of sqrt(e - 1) = 1.31 per job, times the
	// GPU-count spread: 3% is several standard errors at 50k jobs.
	if load := gpuSec / span / benchload.GPUs; math.Abs(load-benchload.Load) > 0.03 {
		t.Errorf("offered load %.4f, want %.2f", load, benchload.Load)
	}
	for i, p := range benchload.Probs {
		got := float64(count[benchload.Sizes[i]]) / float64(n)
		if math.Abs(got-p) > 4*math.Sqrt(p*(1-p)/float64(n)) {
			t.Errorf("share of %d-GPU jobs %.4f, want %.2f", benchload.Sizes[i], got, p)
		}
	}
	// Job counts of owners 0..29 against owners 270..299: mean rho 0.914 against 0.986. Counts,
	// not GPU-seconds, because their noise is small (about 1.5% of the ratio at 50k jobs).
	var light, heavy float64
	for i := range 30 {
		light += perOwner[i]
		heavy += perOwner[benchOwners-1-i]
	}
	if r := heavy / light; r < 1.03 || r > 1.13 {
		t.Errorf("heavy/light owner demand %.3f, want about 0.986/0.914 = 1.08", r)
	}
}
