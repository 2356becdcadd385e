// Package benchload generates the benchmark workload of the simulator issue: 300 owners with ten
// GPUs each, a fixed GPU-count mix, lognormal durations and Poisson arrivals at offered load 0.95.
//
// The same jobs drive the engine benchmarks in sim and the whole-process benchmarks in cmd/gpuplan,
// so their numbers describe one workload.
//
// Durations: lognormal with median 1,200 s and sigma 1 (mean 1,200 e^0.5 = 1,978 s), an estimate
// between the Helios trace's median (206 s) and mean (6,652 s) run time, with a milder tail so that 1M jobs reach
// steady state.
//
// Power: each job draws a per-GPU mean uniform in 350..650 W (0.5..0.93 x TDP, mean 500 W = the
// GPU type's busy draw; Zeus NSDI '23 traces: 0.68-0.74 x TDP on average while training). Only the capped
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
package benchload

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/gpuplan/gpuplan"
)

const (
	Owners   = 300
	PerOwner = 10
	GPUs     = Owners * PerOwner
	Load     = 0.95
	MedianS  = 1200.0
	Sigma    = 1.0

	FarmNodes = GPUs / 8
	NodeW     = 0.43 * 8 * 500 // estimate: GPUs are about 70% of server power, 0.3 / 0.7 = 0.43
	FarmPUE   = 1.3
)

var (
	Sizes = []int32{1, 2, 4, 8, 16}
	Probs = []float64{0.60, 0.15, 0.15, 0.08, 0.02}
)

// Workload draws n jobs, sorted by submit time.
func Workload(n int, seed uint64) *gpuplan.Workload {
	rng := rand.New(rand.NewPCG(seed, 0xbb67ae8584caa73b))
	dur := distuv.LogNormal{Mu: math.Log(MedianS), Sigma: Sigma, Src: rand.NewPCG(seed, 0x3c6ef372fe94f82b)}

	var meanGPUs float64
	for i, p := range Probs {
		meanGPUs += p * float64(Sizes[i])
	}
	meanDur := MedianS * math.Exp(Sigma*Sigma/2)
	lambda := Load * GPUs / (meanGPUs * meanDur) // jobs per second

	// Cumulative owner weights rho_i / sum(rho): sum(rho_i) = 300 * 0.95, so owner i receives
	// rho_i * 10 GPU-seconds of demand per second.
	cum := make([]float64, Owners)
	var total float64
	for i := range cum {
		total += 0.91 + 0.08*float64(i)/(Owners-1)
		cum[i] = total
	}
	for i := range cum {
		cum[i] /= total
	}
	w := &gpuplan.Workload{Jobs: make([]gpuplan.Job, n), Owners: make([]string, Owners)}
	for i := range w.Owners {
		w.Owners[i] = OwnerName(i)
	}
	t := 0.0
	for i := range w.Jobs {
		t += rng.ExpFloat64() / lambda
		u := rng.Float64()
		k := 0
		for k < len(Probs)-1 && u >= Probs[k] {
			u -= Probs[k]
			k++
		}
		o := min(sort.SearchFloat64s(cum, rng.Float64()), Owners-1)
		w.Jobs[i] = gpuplan.Job{ID: strconv.Itoa(i), Owner: int32(o), Group: -1, Submit: t,
			GPUs: Sizes[k], Duration: dur.Rand(), PowerW: 350 + 300*rng.Float64()}
	}
	return w
}

// OwnerName is the name of owner i.
func OwnerName(i int) string { return fmt.Sprintf("owner%03d", i) }

// GPU is an H100-like GPU: TDP 700 W (NVIDIA H100 SXM datasheet), busy about 0.71 x TDP (Zeus
// NSDI '23), idle 0.1 x TDP (estimate) and the Zeus perf curve.
func GPU() gpuplan.GPUType {
	return gpuplan.GPUType{Name: "h100", TDPW: 700, IdleW: 70, BusyW: 500, MinLimit: 0.3, Perf: []gpuplan.PerfPoint{
		{F: 0.3, Perf: 0.31}, {F: 0.4, Perf: 0.50}, {F: 0.5, Perf: 0.72}, {F: 0.6, Perf: 0.86},
		{F: 0.7, Perf: 0.92}, {F: 0.8, Perf: 0.97}, {F: 0.9, Perf: 0.99}, {F: 1, Perf: 1},
	}}
}

// Cluster is 300 owners with one 10-GPU workstation each in labs, and a farm of 375 8-GPU nodes.
// capW, when > 0, caps the farm in throttle mode.
func Cluster(capW float64) *gpuplan.Cluster {
	c := &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{GPU()},
		Sites: []gpuplan.Site{{Name: "lab", PUE: 1.8},
			{Name: "farm", PUE: FarmPUE, CapW: capW, CapMode: gpuplan.CapThrottle}},
		Farm: gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{
			{Count: FarmNodes, GPUsPerNode: 8, GPUType: "h100", NodeW: NodeW}}},
	}
	if capW == 0 {
		c.Sites[1].CapMode = gpuplan.CapNone
	}
	for i := range Owners {
		c.Owners = append(c.Owners, gpuplan.Owner{Name: OwnerName(i), Site: "lab",
			Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: PerOwner, GPUType: "h100", NodeW: 300}}})
	}
	return c
}

// ThrottleCapW caps the farm at PUE x (node draw + 98% of the GPU draw of a full farm at the jobs'
// mean 500 W). The cap binds only when over about 97.7% of the GPUs are busy, and then clips the
// hungriest jobs: f about 0.82 (jobs above 572 W), perf about 0.97, so the throttled farm still
// serves the 0.95 offered load. A cap that binds with every job at the same draw costs at least 8%
// of speed as soon as it binds (f must fall below 500/700 before any draw drops, and perf(0.71) =
// 0.92), which at this load overloads the farm: its queue then grows for the rest of the run and a
// benchmark would measure that backlog instead of the engine.
func ThrottleCapW() float64 { return FarmPUE * (0.98*GPUs*500 + FarmNodes*NodeW) }
