package fleet_test

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events/fleet"
	"github.com/gpuplan/gpuplan/events/projection"
	"github.com/gpuplan/gpuplan/sim"
)

func randomPools() []gpuplan.Pool {
	return []gpuplan.Pool{
		{Owner: "alice", GPUs: 16, GPUsPerNode: 8, GPUType: "H100", Site: "lab-1"},
		{Owner: "bob", GPUs: 8, GPUsPerNode: 4, GPUType: "H100", Site: "lab-1"},
		{Owner: "carol", GPUs: 4, GPUsPerNode: 4, GPUType: "A100", Site: "lab-2"},
		{Owner: "dave", GPUs: 2, GPUsPerNode: 2, GPUType: "A100", Site: "lab-2"},
	}
}

// randomWorkload draws n jobs over span seconds for the owners of randomPools, none larger than
// its owner's nodes; utilization and power are on the hundredths the batches carry.
func randomWorkload(seed uint64, n int, span float64) *gpuplan.Workload {
	rng := rand.New(rand.NewPCG(seed, 7))
	w := &gpuplan.Workload{}
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
		w.Jobs = append(w.Jobs, gpuplan.Job{ID: "j" + strconv.Itoa(i), Owner: w.OwnerIndex(o), Group: -1,
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

// fleet(workload) -> collectors on fake nodes -> projection -> workload gives back every job a
// batch saw: the same owner and GPU count, its start moved up to the sample grid (so within one
// interval after the real start) and its end to one interval after its last batch (within one
// interval after the real end), its utilization in the whole percents NVML reports and its
// power in milliwatts; and the pools the fleet was built from.
func TestRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name     string
		seed     uint64
		interval time.Duration
		jobs     int
		utilTol  float64 // the projection keeps float32 readings
		powerTol float64 // W: mW readings, float32
	}{
		{"1 min", 1, time.Minute, 400, 1e-6, 1e-3},
		{"5 min", 2, 5 * time.Minute, 400, 1e-6, 1e-3},
	} {
		t.Run(c.name, func(t *testing.T) {
			iv := c.interval.Seconds()
			w := randomWorkload(c.seed, c.jobs, 3*86400)
			f, err := fleet.New(randomPools(), fleet.Options{Seed: c.seed, Interval: c.interval})
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
				if d := first*iv - r.Start[i]; d < 0 || d >= iv {
					t.Fatalf("job %d: grid start %v s is %v s after the real start", i, first*iv, d)
				}
				if d := end*iv - r.End[i]; d < 0 || d >= iv {
					t.Fatalf("job %d: grid end %v s is %v s after the real end", i, end*iv, d)
				}
				want = append(want, flat{w.Owners[j.Owner], first * iv, (end - first) * iv, j.GPUs, math.Round(100*j.Util) / 100, j.PowerW})
			}
			if invisible := len(w.Jobs) - len(want); invisible != r.Invisible || (iv > 60 && invisible == 0) {
				t.Errorf("%d jobs between batches, fleet says %d", invisible, r.Invisible)
			}
			pw, st := p.Workload()
			if st.FromUser != 0 || st.Duplicates != 0 || st.Malformed != 0 || st.Batches != r.Batches || st.Open != 0 {
				t.Errorf("projection stats %+v, fleet %+v", st, r.Stats)
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
				if g.owner != x.owner || g.submit != x.submit || g.dur != x.dur || g.gpus != x.gpus ||
					math.Abs(g.util-x.util) > c.utilTol*max(1, x.util) || math.Abs(g.powerW-x.powerW) > c.powerTol*max(1, x.powerW/100) {
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
	c := &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{{Name: "H100", TDPW: 700, IdleW: 60, BusyW: 500, MinLimit: 0.3}, {Name: "A100", TDPW: 400, IdleW: 50, BusyW: 300, MinLimit: 0.3}},
		Sites:    []gpuplan.Site{{Name: "lab-1", PUE: 1.5}, {Name: "lab-2", PUE: 1.5}, {Name: "farm", PUE: 1.2}},
		Farm:     gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{{Count: 4, GPUsPerNode: 8, GPUType: "H100"}}},
	}
	for _, p := range randomPools() {
		c.Owners = append(c.Owners, gpuplan.Owner{Name: p.Owner, Site: p.Site,
			Nodes: []gpuplan.NodeGroup{{Count: p.GPUs / p.GPUsPerNode, GPUsPerNode: p.GPUsPerNode, GPUType: p.GPUType}}})
	}
	w := randomWorkload(5, 300, 2*86400)
	res, err := sim.Run(c, w, "fragmented", sim.Options{Placement: sim.PlacementNodes})
	if err != nil {
		t.Fatal(err)
	}
	f, err := fleet.New(randomPools(), fleet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := projection.New(projection.Options{Epoch: fleet.DefaultEpoch})
	r, err := f.Run(w, &fleet.Schedule{Start: res.Start, End: res.End}, p.Add)
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
