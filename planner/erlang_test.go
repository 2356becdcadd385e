package planner_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/internal/erlang"
	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/sim"
)

// erlangC is the M/M/c probability of waiting at offered load a = lambda/mu.
var erlangC = erlang.C

// mmcP95 is the M/M/c wait's 95th percentile: P(W > t) = C exp(-(c mu - lambda) t), so it is 0
// when C <= 0.05, else ln(C / 0.05) / (c mu - lambda); +Inf for an unstable queue.
func mmcP95(c int, lambda, mu float64) float64 {
	if float64(c)*mu <= lambda {
		return math.Inf(1)
	}
	p := erlangC(c, lambda/mu)
	if p <= 0.05 {
		return 0
	}
	return math.Log(p/0.05) / (float64(c)*mu - lambda)
}

// mmcModel is a farm of farm_gpus GPUs fed one-GPU jobs with Poisson arrivals (rate lambda) and
// exponential durations (mean 1 s) under fifo with pool placement: an M/M/c queue. One owner
// holding 16 GPUs is the fragmented world.
type mmcModel struct {
	lambda float64
	jobs   int
}

func (m mmcModel) Run(p planner.Point, seed uint64) (planner.Metrics, error) {
	v, ok := p.Lookup(planner.KeyFarmGPUs)
	if !ok {
		return nil, fmt.Errorf("no farm_gpus")
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	w := &gpuplan.Workload{Owners: []string{"o"}, Jobs: make([]gpuplan.Job, m.jobs)}
	t := 0.0
	for i := range w.Jobs {
		t += rng.ExpFloat64() / m.lambda
		w.Jobs[i] = gpuplan.Job{ID: fmt.Sprint(i), Owner: 0, Group: -1, Submit: t, GPUs: 1, Duration: rng.ExpFloat64()}
	}
	g := gpuplan.GPUType{Name: "g", TDPW: 300, IdleW: 36, BusyW: 213, MinLimit: 0.5}
	c := &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{g},
		Sites:    []gpuplan.Site{{Name: "lab", PUE: 1}, {Name: "farm", PUE: 1}},
		Owners:   []gpuplan.Owner{{Name: "o", Site: "lab", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 16, GPUType: "g"}}}},
		Farm:     gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: int(v.(float64)), GPUType: "g"}}},
	}
	res, err := sim.RunAll(c, w, []string{"fragmented", "fifo"}, sim.Options{Placement: sim.PlacementPool})
	if err != nil {
		return nil, err
	}
	out := planner.MetricsOf(res[1])
	out[planner.MetricFragWaitP95] = res[0].WaitS.P95
	out[planner.MetricFragInfeasible] = float64(res[0].Jobs.Infeasible)
	return out, nil
}

// TestSizeGPUsErlangC: the fewest GPUs that keep the p95 wait at or below a target is the
// smallest c whose Erlang C p95 is at or below it. Targets sit well between neighbouring c so the
// simulation's noise cannot move the answer; target 0 asks for fewer than 5% of jobs waiting.
func TestSizeGPUsErlangC(t *testing.T) {
	const lambda = 8.0
	m := mmcModel{lambda: lambda, jobs: 20_000}
	cases := []struct {
		target float64
		tolRel float64 // curve means against theory, for stable c near the answer
	}{
		{target: 1.6, tolRel: 0.15},
		{target: 0.4, tolRel: 0.15},
		{target: 0, tolRel: 0.15},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint("p95<=", tc.target), func(t *testing.T) {
			want := 1
			for mmcP95(want, lambda, 1) > tc.target {
				want++
			}
			sz, err := planner.Size(m, planner.SizeSpec{Kind: planner.SizeGPUs, Target: new(tc.target), Lo: 6, Hi: 32, Step: 1},
				planner.Options{Seeds: []uint64{1, 2, 3, 4, 5}})
			if err != nil {
				t.Fatal(err)
			}
			if sz.Answer == nil || *sz.Answer != float64(want) || !sz.Settled {
				t.Fatalf("answer %v settled %v (%s), Erlang C gives %d", ptr(sz.Answer), sz.Settled, sz.Note, want)
			}
			if len(sz.Curve) >= 27 {
				t.Errorf("searched %d of 27 sizes: the search should stop early", len(sz.Curve))
			}
			for _, c := range sz.Curve {
				theory := mmcP95(int(c.X), lambda, 1)
				got := c.Metrics[planner.MetricWaitP95]
				if c.X < lambda+2 || c.X > 16 {
					continue // unstable, or so close to it (rho 0.89) that 20,000 jobs are too few
				}
				if math.Abs(got.Mean-theory) > tc.tolRel*theory+0.02 {
					t.Errorf("c=%v: p95 %v [%v, %v], Erlang C %v", c.X, got.Mean, got.Lo, got.Hi, theory)
				}
				if c.Meets != (got.Hi <= tc.target) {
					t.Errorf("c=%v: meets %v but hi %v against target %v", c.X, c.Meets, got.Hi, tc.target)
				}
			}
		})
	}
}

func ptr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
