package fleet_test

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events/fleet"
	"github.com/gpuplan/gpuplan/events/projection"
	"github.com/gpuplan/gpuplan/scenarios/traces"
	"github.com/gpuplan/gpuplan/sim"
)

func randomPools() []traces.Pool {
	return []traces.Pool{
		{Owner: "alice", GPUs: 16, GPUsPerNode: 8, GPUType: "H100", Site: "lab-1"},
		{Owner: "bob", GPUs: 8, GPUsPerNode: 4, GPUType: "H100", Site: "lab-1"},
		{Owner: "carol", GPUs: 4, GPUsPerNode: 4, GPUType: "A100", Site: "lab-2"},
		{Owner: "dave", GPUs: 2, GPUsPerNode: 2, GPUType: "A100", Site: "lab-2"},
	}
}

// randomWorkload draws n jobs over span seconds for the owners of randomPools, none larger than
// its owner's nodes; utilization and power are on the hundredths the batches carry.
func randomWorkload(seed uint64, n int, span float64) *sim.Workload {
	rng := rand.New(rand.NewPCG(seed, 7))
	w := &sim.Workload{}
	nodeSize := map[string]int{"alice": 8, "bob": 4, "carol": 4, "dave": 2}
	owners := []string{"alice", "bob", "carol", "dave"}
	for i := range n {
		o := owners[rng.IntN(len(owners))]
		g := []int32{1, 2, 4, 8}[rng.IntN(4)]
		g = min(g, int32(nodeSize[o]))
		d := 10 + rng.Float64()*200
		if rng.IntN(3) > 0 {
			d = 600 + rng.Float64()*20000
		}
		w.Jobs = append(w.Jobs, sim.Job{ID: "j" + strconv.Itoa(i), Owner: w.OwnerIndex(o), Group: -1,
			Submit: rng.Float64() * span, GPUs: g, Duration: d,
			Util: float64(2000+rng.IntN(6500)) / 10000, PowerW: float64(10000+rng.IntN(50000)) / 100})
	}
	return w
}

type flat struct {
	owner        string
	submit, dur  float64
	gpus         int32
	util, powerW float64
}

func sortFlat(fs []flat) {
	slices.SortFunc(fs, func(a, b flat) int {
		return cmp.Or(cmp.Compare(a.submit, b.submit), cmp.Compare(a.owner, b.owner), cmp.Compare(a.gpus, b.gpus),
			cmp.Compare(a.dur, b.dur), cmp.Compare(a.util, b.util))
	})
}

// fleet(workload) -> projection -> workload gives back every job a batch saw, with its start
// moved up to the sample grid and its end to one interval after its last batch, the same owner,
// GPU count, utilization and power; and the pools the fleet was built from.
func TestRoundTrip(t *testing.T) {
	const iv = 60.0
	for _, c := range []struct {
		name     string
		opt      fleet.Options
		utilTol  func(n float64) float64 // n: GPU readings behind the mean
		powerTol func(n float64) float64
	}{
		{"exact", fleet.Options{NoNoise: true, Seed: 1},
			func(float64) float64 { return 1e-6 }, func(float64) float64 { return 1e-3 }},
		// Gaussian noise (2 points, 5 W) averages out: 5 standard errors plus rounding.
		{"noisy", fleet.Options{Seed: 2},
			func(n float64) float64 { return 5*0.02/math.Sqrt(n) + 1e-4 }, func(n float64) float64 { return 5*5/math.Sqrt(n) + 0.01 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := randomWorkload(c.opt.Seed, 400, 3*86400)
			f, err := fleet.New(randomPools(), c.opt)
			if err != nil {
				t.Fatal(err)
			}
			p := projection.New(projection.Options{Epoch: fleet.DefaultEpoch})
			r, err := f.Run(w, nil, p.Add)
			if err != nil {
				t.Fatal(err)
			}
			if r.Split != 0 || r.Infeasible != 0 || r.Ran != len(w.Jobs) {
				t.Fatalf("stats %+v", r.Stats)
			}
			var want []flat
			for i, j := range w.Jobs {
				first, end := math.Ceil(r.Start[i]/iv), math.Ceil(r.End[i]/iv)
				if first >= end {
					continue
				}
				want = append(want, flat{w.Owners[j.Owner], first * iv, (end - first) * iv, j.GPUs, j.Util, j.PowerW})
			}
			if invisible := len(w.Jobs) - len(want); invisible != r.Invisible || invisible == 0 {
				t.Errorf("%d jobs between batches, fleet says %d", invisible, r.Invisible)
			}
			pw, st := p.Workload()
			if st.FromUser != 0 || st.Duplicates != 0 || st.Malformed != 0 || st.Batches != r.Batches || st.Open != 0 {
				t.Errorf("projection stats %+v", st)
			}
			got := make([]flat, len(pw.Jobs))
			for i, j := range pw.Jobs {
				got[i] = flat{pw.Owners[j.Owner], j.Submit, j.Duration, j.GPUs, j.Util, j.PowerW}
			}
			sortFlat(want)
			sortFlat(got)
			if len(got) != len(want) {
				t.Fatalf("%d jobs back, want %d", len(got), len(want))
			}
			for i := range want {
				g, x := got[i], want[i]
				n := x.dur / iv * float64(x.gpus)
				if g.owner != x.owner || g.submit != x.submit || g.dur != x.dur || g.gpus != x.gpus ||
					math.Abs(g.util-x.util) > c.utilTol(n) || math.Abs(g.powerW-x.powerW) > c.powerTol(n) {
					t.Fatalf("job %d: got %+v, want %+v", i, g, x)
				}
			}
			pools, unsized := p.Ownership().Pools(time.Time{})
			if !slices.Equal(pools, randomPools()) || len(unsized) != 0 {
				t.Errorf("pools %+v", pools)
			}
		})
	}
}

// A fragmented-world simulation's schedule, replayed by the fleet, comes back from the projection.
func TestRoundTripFromSimulator(t *testing.T) {
	c := &sim.Cluster{
		GPUTypes: []sim.GPUType{{Name: "H100", TDPW: 700, IdleW: 60, BusyW: 500, MinLimit: 0.3}, {Name: "A100", TDPW: 400, IdleW: 50, BusyW: 300, MinLimit: 0.3}},
		Sites:    []sim.Site{{Name: "lab-1", PUE: 1.5}, {Name: "lab-2", PUE: 1.5}, {Name: "farm", PUE: 1.2}},
		Farm:     sim.Farm{Site: "farm", Nodes: []sim.NodeGroup{{Count: 4, GPUsPerNode: 8, GPUType: "H100"}}},
	}
	for _, p := range randomPools() {
		c.Owners = append(c.Owners, sim.Owner{Name: p.Owner, Site: p.Site,
			Nodes: []sim.NodeGroup{{Count: p.GPUs / p.GPUsPerNode, GPUsPerNode: p.GPUsPerNode, GPUType: p.GPUType}}})
	}
	w := randomWorkload(5, 300, 2*86400)
	res, err := sim.Run(c, w, "fragmented", sim.Options{Placement: sim.PlacementNodes})
	if err != nil {
		t.Fatal(err)
	}
	f, err := fleet.New(randomPools(), fleet.Options{NoNoise: true})
	if err != nil {
		t.Fatal(err)
	}
	p := projection.New(projection.Options{Epoch: fleet.DefaultEpoch})
	r, err := f.Run(w, fleet.FromResult(res), p.Add)
	if err != nil {
		t.Fatal(err)
	}
	if r.Ran != res.Jobs.Completed {
		t.Fatalf("fleet ran %d jobs, the simulator completed %d", r.Ran, res.Jobs.Completed)
	}
	// Jobs the fleet had to split over nodes come back as one job per node.
	var want []flat
	for i, j := range w.Jobs {
		first, end := math.Ceil(res.Start[i]/60), math.Ceil(res.End[i]/60)
		if first < end {
			want = append(want, flat{owner: w.Owners[j.Owner], submit: first * 60, dur: (end - first) * 60, gpus: j.GPUs})
		}
	}
	pw, _ := p.Workload()
	t.Logf("%d jobs, %d visible, %d split over nodes", len(w.Jobs), len(want), r.Split)
	if r.Split == 0 && len(pw.Jobs) != len(want) || r.Split > 0 && len(pw.Jobs) <= len(want) {
		t.Fatalf("%d jobs back, %d visible, %d split", len(pw.Jobs), len(want), r.Split)
	}
	if r.Split == 0 {
		got := make([]flat, len(pw.Jobs))
		for i, j := range pw.Jobs {
			got[i] = flat{owner: pw.Owners[j.Owner], submit: j.Submit, dur: j.Duration, gpus: j.GPUs}
		}
		sortFlat(want)
		sortFlat(got)
		if !slices.Equal(got, want) {
			t.Fatalf("jobs differ")
		}
	}
}
