package sim_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/gpuplan/gpuplan/sim"
)

// The benchmark workload is the issue's: 300 owners x 10 GPUs (3,000 GPUs), GPUs per job 1: 60%,
// 2: 15%, 4: 15%, 8: 8%, 16: 2% (mean 2.46), lognormal durations, Poisson arrivals at an offered
// load of 0.95 of the 3,000 GPUs.
//
// Durations: lognormal with median 1,200 s and sigma 1 (mean 1,200 e^0.5 = 1,978 s), an estimate
// between the Helios medians and means in facts.md, with a milder tail so that 1M jobs reach
// steady state.
//
// Power: each job draws a per-GPU mean uniform in 350..650 W (0.5..0.93 x TDP, mean 500 W = the
// GPU type's busy draw; facts.md: 0.68-0.74 x TDP on average while training). Only the capped
// benchmark depends on it.
//
// Owners: demand is uneven but every owner's nominal load stays below 1. Owner i's share of jobs is
// proportional to rho_i = 0.91 + 0.08 i/299, from 0.91 to 0.99 with mean 0.95; rho_i is the
// owner's offered GPU-seconds per second of its own 10 GPUs. A Zipf-like spread around a mean of
// 0.95 would push the heaviest owners above 1 and their fragmented queues would grow without bound.
// Nominal load is not the whole story: 16-GPU jobs are infeasible in a 10-GPU pool (13% of the
// demand), and a strict-FIFO 10-GPU pool whose head is an 8-GPU job idles GPUs, so its capacity is
// well under 10 GPUs. A reference FIFO simulation of one such pool (this mix, these durations,
// 2M jobs) stays stable up to rho 0.88 and lets the queue grow from 0.91 on, so every owner here
// is past its real capacity and the fragmented benchmark measures the engine under a slowly
// growing backlog (a few hundred jobs per owner by the end of 1M jobs): that is how these pools
// behave at this load, not an artefact of the generator.
const (
	benchOwners   = 300
	benchPerOwner = 10
	benchGPUs     = benchOwners * benchPerOwner
	benchLoad     = 0.95
	benchMedianS  = 1200.0
	benchSigma    = 1.0
)

var (
	benchSizes = []int32{1, 2, 4, 8, 16}
	benchProbs = []float64{0.60, 0.15, 0.15, 0.08, 0.02}
)

// genBenchWorkload draws n jobs from the seeded generator described above.
func genBenchWorkload(n int, seed uint64) *sim.Workload {
	rng := rand.New(rand.NewPCG(seed, 0xbb67ae8584caa73b))
	dur := distuv.LogNormal{Mu: math.Log(benchMedianS), Sigma: benchSigma, Src: rand.NewPCG(seed, 0x3c6ef372fe94f82b)}

	var meanGPUs float64
	for i, p := range benchProbs {
		meanGPUs += p * float64(benchSizes[i])
	}
	meanDur := benchMedianS * math.Exp(benchSigma*benchSigma/2)
	lambda := benchLoad * benchGPUs / (meanGPUs * meanDur) // jobs per second

	// Cumulative owner weights rho_i / sum(rho): sum(rho_i) = 300 * 0.95, so owner i receives
	// rho_i * 10 GPU-seconds of demand per second.
	cum := make([]float64, benchOwners)
	var total float64
	for i := range cum {
		total += 0.91 + 0.08*float64(i)/(benchOwners-1)
		cum[i] = total
	}
	for i := range cum {
		cum[i] /= total
	}
	w := &sim.Workload{Jobs: make([]sim.Job, n), Owners: make([]string, benchOwners)}
	for i := range w.Owners {
		w.Owners[i] = fmt.Sprintf("owner%03d", i)
	}
	t := 0.0
	for i := range w.Jobs {
		t += rng.ExpFloat64() / lambda
		u := rng.Float64()
		k := 0
		for k < len(benchProbs)-1 && u >= benchProbs[k] {
			u -= benchProbs[k]
			k++
		}
		o := min(sort.SearchFloat64s(cum, rng.Float64()), benchOwners-1)
		w.Jobs[i] = sim.Job{ID: strconv.Itoa(i), Owner: int32(o), Group: -1, Submit: t,
			GPUs: benchSizes[k], Duration: dur.Rand(), PowerW: 350 + 300*rng.Float64()}
	}
	return w
}

var benchCache struct {
	sync.Mutex
	m map[int]*sim.Workload
}

// benchWorkload returns the first n jobs of the cached 1M-job workload (10M jobs are a separate
// draw), generated once per process.
func benchWorkload(n int) *sim.Workload {
	base := 1_000_000
	if n > base {
		base = n
	}
	benchCache.Lock()
	defer benchCache.Unlock()
	if benchCache.m == nil {
		benchCache.m = map[int]*sim.Workload{}
	}
	w, ok := benchCache.m[base]
	if !ok {
		w = genBenchWorkload(base, 20240601)
		benchCache.m[base] = w
	}
	if n == base {
		return w
	}
	return &sim.Workload{Jobs: w.Jobs[:n], Owners: w.Owners}
}

// benchGPU is an H100-like GPU (facts.md: TDP 700 W, busy 0.71 x TDP, idle 0.1 x TDP, Zeus curve).
func benchGPU() sim.GPUType {
	return sim.GPUType{Name: "h100", TDPW: 700, IdleW: 70, BusyW: 500, MinLimit: 0.3, Perf: []sim.PerfPoint{
		{F: 0.3, Perf: 0.31}, {F: 0.4, Perf: 0.50}, {F: 0.5, Perf: 0.72}, {F: 0.6, Perf: 0.86},
		{F: 0.7, Perf: 0.92}, {F: 0.8, Perf: 0.97}, {F: 0.9, Perf: 0.99}, {F: 1, Perf: 1},
	}}
}

const (
	benchFarmNodes = benchGPUs / 8
	benchNodeW     = 0.43 * 8 * 500 // facts.md: farm node overhead about 0.43 x GPU power
	benchFarmPUE   = 1.3
)

// benchCluster is 300 owners with one 10-GPU workstation each in labs, and a farm of 375 8-GPU
// nodes. capW, when > 0, caps the farm in throttle mode.
func benchCluster(capW float64) *sim.Cluster {
	c := &sim.Cluster{
		GPUTypes: []sim.GPUType{benchGPU()},
		Sites: []sim.Site{{Name: "lab", PUE: 1.8},
			{Name: "farm", PUE: benchFarmPUE, CapW: capW, CapMode: sim.CapThrottle}},
		Farm: sim.Farm{Site: "farm", Nodes: []sim.NodeGroup{
			{Count: benchFarmNodes, GPUsPerNode: 8, GPUType: "h100", NodeW: benchNodeW}}},
	}
	if capW == 0 {
		c.Sites[1].CapMode = sim.CapNone
	}
	for i := range benchOwners {
		c.Owners = append(c.Owners, sim.Owner{Name: fmt.Sprintf("owner%03d", i), Site: "lab",
			Nodes: []sim.NodeGroup{{Count: 1, GPUsPerNode: benchPerOwner, GPUType: "h100", NodeW: 300}}})
	}
	return c
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
func benchRun(b *testing.B, c *sim.Cluster, w *sim.Workload, policy string, opt sim.Options) {
	b.ReportAllocs()
	var feasible int
	for b.Loop() {
		r, err := sim.Run(c, w, policy, opt)
		if err != nil {
			b.Fatal(err)
		}
		feasible = r.Jobs.Submitted - r.Jobs.Infeasible
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(len(w.Jobs))*float64(b.N)/s, "jobs/s")
	b.ReportMetric(2*float64(feasible)*float64(b.N)/s, "events/s")
}

func BenchmarkPolicy(b *testing.B) {
	c := benchCluster(0)
	for _, policy := range []string{"fragmented", "fifo", "easy"} {
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
// PUE x (node draw + 98% of the GPU draw of a full farm at the jobs' mean 500 W). The cap binds only
// when over about 97.7% of the GPUs are busy, and then clips the hungriest jobs: f about 0.82
// (jobs above 572 W), perf about 0.97, so the throttled farm still serves the 0.95 offered load.
// A cap that binds with every job at the same draw costs at least 8% of speed as soon as it binds
// (f must fall below 500/700 before any draw drops, and perf(0.71) = 0.92), which at this load
// overloads the farm: its queue then grows for the rest of the run and the benchmark measures
// that backlog instead of the engine.
func BenchmarkEasyNodesThrottle(b *testing.B) {
	capW := benchFarmPUE * (0.98*benchGPUs*500 + benchFarmNodes*benchNodeW)
	c := benchCluster(capW)
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
	w := genBenchWorkload(n, 1)
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
	if load := gpuSec / span / benchGPUs; math.Abs(load-benchLoad) > 0.03 {
		t.Errorf("offered load %.4f, want %.2f", load, benchLoad)
	}
	for i, p := range benchProbs {
		got := float64(count[benchSizes[i]]) / float64(n)
		if math.Abs(got-p) > 4*math.Sqrt(p*(1-p)/float64(n)) {
			t.Errorf("share of %d-GPU jobs %.4f, want %.2f", benchSizes[i], got, p)
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
