package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// The engine benchmark uses the project's target shape: 300 owners x 10 GPUs, a 3,000-GPU farm of
// 8-GPU nodes, GPUs per job 1: 60%, 2: 15%, 4: 15%, 8: 8%, 16: 2%, lognormal durations (median
// 1,200 s, sigma 1) and Poisson arrivals at an offered load of 0.95, owners uniform.

var benchOnce struct {
	sync.Once
	w *Workload
}

func engineBenchWorkload() *Workload {
	benchOnce.Do(func() { benchOnce.w = synthWorkload(1_000_000, 300, 3000, 0.95, 7) })
	return benchOnce.w
}

// synthWorkload draws n jobs for owners owners at offered load rho of gpus GPUs.
func synthWorkload(n, owners, gpus int, rho float64, seed uint64) *Workload {
	rng := rand.New(rand.NewPCG(seed, 1))
	sizes := []int32{1, 2, 4, 8, 16}
	probs := []float64{0.60, 0.15, 0.15, 0.08, 0.02}
	const median, sigma = 1200.0, 1.0
	meanG := 2.46
	lambda := rho * float64(gpus) / (meanG * median * math.Exp(sigma*sigma/2))
	w := &Workload{Jobs: make([]Job, n)}
	for o := range owners {
		w.Owners = append(w.Owners, fmt.Sprintf("o%03d", o))
	}
	t := 0.0
	for i := range w.Jobs {
		t += rng.ExpFloat64() / lambda
		u, k := rng.Float64(), 0
		for k < len(probs)-1 && u >= probs[k] {
			u -= probs[k]
			k++
		}
		w.Jobs[i] = Job{ID: fmt.Sprint(i), Owner: int32(rng.IntN(owners)), Group: -1, Submit: t,
			GPUs: sizes[k], Duration: median * math.Exp(sigma*rng.NormFloat64())}
	}
	return w
}

func benchCluster3000(capW float64, mode CapMode) *Cluster {
	c := &Cluster{
		GPUTypes: []GPUType{{Name: "h100", TDPW: 700, IdleW: 70, BusyW: 500, MinLimit: 0.3, Perf: []PerfPoint{
			{F: 0.3, Perf: 0.31}, {F: 0.4, Perf: 0.50}, {F: 0.5, Perf: 0.72}, {F: 0.6, Perf: 0.86},
			{F: 0.7, Perf: 0.92}, {F: 0.8, Perf: 0.97}, {F: 0.9, Perf: 0.99}, {F: 1, Perf: 1}}}},
		Sites: []Site{{Name: "lab", PUE: 1.8}, {Name: "farm", PUE: 1.3, CapW: capW, CapMode: mode}},
		Farm:  Farm{Site: "farm", Nodes: []NodeGroup{{Count: 375, GPUsPerNode: 8, GPUType: "h100", NodeW: 1720}}},
	}
	for o := range 300 {
		c.Owners = append(c.Owners, Owner{Name: fmt.Sprintf("o%03d", o), Site: "lab",
			Nodes: []NodeGroup{{Count: 1, GPUsPerNode: 10, GPUType: "h100", NodeW: 300}}})
	}
	return c
}

func benchEngine(b *testing.B, c *Cluster, policy string, opt Options) {
	w := engineBenchWorkload()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Run(c, w, policy, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(w.Jobs))*float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}

func BenchmarkEngineFragmented(b *testing.B) {
	benchEngine(b, benchCluster3000(0, CapNone), "fragmented", Options{})
}

func BenchmarkEngineFIFOPool(b *testing.B) {
	benchEngine(b, benchCluster3000(0, CapNone), "fifo", Options{Placement: PlacementPool})
}

func BenchmarkEngineEasyPool(b *testing.B) {
	benchEngine(b, benchCluster3000(0, CapNone), "easy", Options{Placement: PlacementPool})
}

// The throttle cap is the facility power of 97% of the farm's GPUs busy.
func BenchmarkEngineEasyNodesThrottle(b *testing.B) {
	capW := 1.3 * (0.97*3000*500 + 0.03*3000*70 + 375*1720)
	benchEngine(b, benchCluster3000(capW, CapThrottle), "easy", Options{Placement: PlacementNodes})
}
