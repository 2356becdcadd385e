package scenarios

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// refConsolidated is the documented farm_share rule written out again from the README: key =
// first 8 bytes, big-endian, of sha256(seed little-endian || name); ascending key, ties by name;
// the first round(share x N) are consolidated.
func refConsolidated(names []string, share float64, seed uint64) map[string]bool {
	type kv struct {
		k uint64
		n string
	}
	var r []kv
	for _, n := range names {
		buf := binary.LittleEndian.AppendUint64(nil, seed)
		sum := sha256.Sum256(append(buf, n...))
		r = append(r, kv{binary.BigEndian.Uint64(sum[:8]), n})
	}
	sort.Slice(r, func(i, j int) bool { return r[i].k < r[j].k || r[i].k == r[j].k && r[i].n < r[j].n })
	out := map[string]bool{}
	for _, x := range r[:int(math.Floor(share*float64(len(names))+0.5))] {
		out[x.n] = true
	}
	return out
}

func TestConsolidatedRule(t *testing.T) {
	var names []string
	for i := range 300 {
		names = append(names, fmt.Sprintf("r%03d", i+1))
	}
	rng := rand.New(rand.NewPCG(9, 9))
	shares := []float64{0, 0.001, 0.1, 0.25, 1.0 / 3, 0.5, 0.7, 0.999, 1}
	for _, seed := range []uint64{0, 1, 42} {
		prev := map[string]bool{}
		for _, share := range shares {
			got := consolidated(names, share, seed)
			set := map[string]bool{}
			for i, in := range got {
				if in {
					set[names[i]] = true
				}
			}
			// round(share x 300): 0, 0 (0.3), 30, 75, 100, 150, 210, 300 (299.7), 300.
			want := map[float64]int{0: 0, 0.001: 0, 0.1: 30, 0.25: 75, 1.0 / 3: 100, 0.5: 150, 0.7: 210, 0.999: 300, 1: 300}[share]
			if len(set) != want {
				t.Errorf("seed %d share %v: %d consolidated, want %d", seed, share, len(set), want)
			}
			if ref := refConsolidated(names, share, seed); !reflect.DeepEqual(set, ref) {
				t.Errorf("seed %d share %v: differs from the documented rule", seed, share)
			}
			for n := range prev {
				if !set[n] {
					t.Errorf("seed %d share %v: %s consolidated at a smaller share but not here", seed, share, n)
				}
			}
			prev = set
			// Owner order does not matter.
			shuffled := slices.Clone(names)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			for i, in := range consolidated(shuffled, share, seed) {
				if in != set[shuffled[i]] {
					t.Fatalf("seed %d share %v: %s chosen differently after shuffling", seed, share, shuffled[i])
				}
			}
		}
	}
	// The seed matters: two seeds choose different halves (the chance of equal 150-of-300 sets
	// is negligible).
	a, b := consolidated(names, 0.5, 1), consolidated(names, 0.5, 2)
	if slices.Equal(a, b) {
		t.Error("seeds 1 and 2 consolidate the same owners")
	}
	// Rounding at exactly half: 2 owners at 0.25 -> round(0.5) = 1.
	if n := countTrue(consolidated([]string{"x", "y"}, 0.25, 0)); n != 1 {
		t.Errorf("2 owners at 0.25: %d consolidated, want 1 (halves round up)", n)
	}
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func buildWith(t *testing.T, base *Scenario, edit func(*Scenario)) *Built {
	t.Helper()
	s := base.Clone()
	edit(s)
	b, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func smallScenario(t *testing.T) *Scenario {
	t.Helper()
	s, err := Builtin("small")
	if err != nil {
		t.Fatal(err)
	}
	s.Policies = nil // every policy
	return s
}

func runAll(t *testing.T, b *Built) map[string]*sim.Result {
	t.Helper()
	rs, err := sim.RunAll(b.Cluster, b.Workload, b.Policies, b.Options)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*sim.Result{}
	for _, r := range rs {
		out[r.Name] = r
	}
	return out
}

func sameJobTimes(t *testing.T, what string, got, want *sim.Result, jobs []int) {
	t.Helper()
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	bad := 0
	for _, i := range jobs {
		if !same(got.Start[i], want.Start[i]) || !same(got.End[i], want.End[i]) {
			if bad++; bad <= 5 {
				t.Errorf("%s: job %d runs [%v, %v], want [%v, %v]", what, i, got.Start[i], got.End[i], want.Start[i], want.End[i])
			}
		}
	}
}

// farm_share 0: no farm, every owner in their lab; every farm policy gives the fragmented run's
// schedule, energy and power exactly.
func TestFarmShareZeroIsFragmented(t *testing.T) {
	for _, placement := range []string{"", "nodes"} {
		b := buildWith(t, smallScenario(t), func(s *Scenario) { s.FarmShare, s.Placement = new(0.0), placement })
		if len(b.Cluster.Farm.Nodes) != 0 {
			t.Fatalf("farm_share 0: farm nodes %+v, want none", b.Cluster.Farm.Nodes)
		}
		for _, o := range b.Cluster.Owners {
			if !o.Lab {
				t.Fatalf("farm_share 0: owner %s consolidated", o.Name)
			}
		}
		rs := runAll(t, b)
		frag := rs["fragmented"]
		all := make([]int, len(b.Workload.Jobs))
		for i := range all {
			all[i] = i
		}
		for _, p := range b.Policies {
			r := rs[p]
			sameJobTimes(t, placement+"/"+p, r, frag, all)
			if r.GPUs != frag.GPUs || r.EnergyKWh != frag.EnergyKWh || r.PeakPowerKW != frag.PeakPowerKW || r.CostKRW != frag.CostKRW {
				t.Errorf("%s/%s: GPUs %d energy %+v peak %v cost %v; fragmented %d %+v %v %v", placement, p,
					r.GPUs, r.EnergyKWh, r.PeakPowerKW, r.CostKRW, frag.GPUs, frag.EnergyKWh, frag.PeakPowerKW, frag.CostKRW)
			}
		}
	}
}

// farm_share 1 is the scenario without the key: the same cluster and byte-identical results.
func TestFarmShareOneIsPureFarm(t *testing.T) {
	base := smallScenario(t)
	plain := buildWith(t, base, func(*Scenario) {})
	one := buildWith(t, base, func(s *Scenario) { s.FarmShare = new(1.0) })
	if !reflect.DeepEqual(plain.Cluster, one.Cluster) {
		t.Fatalf("clusters differ:\n%+v\n%+v", plain.Cluster, one.Cluster)
	}
	a, b := runAll(t, plain), runAll(t, one)
	for _, p := range plain.Policies {
		ja, err := json.Marshal(a[p])
		if err != nil {
			t.Fatal(err)
		}
		jb, err := json.Marshal(b[p])
		if err != nil {
			t.Fatal(err)
		}
		if string(ja) != string(jb) {
			t.Errorf("%s: results differ with farm_share 1", p)
		}
	}
	zero := buildWith(t, base, func(s *Scenario) { s.FarmShare = new(0.0) })
	if zero.Hash == plain.Hash || one.Hash == plain.Hash {
		t.Error("an explicit farm_share must be part of the hash")
	}
}

// farm_share 0.5 on small (alice 8, bob 4, carol 4, dave 8 GPUs, seed 1): the documented rule picks
// two owners; the farm holds exactly their GPUs in 8-GPU nodes (or a farm.gpus given, scaled by
// their share of the 24 GPUs); the lab owners' jobs run as when fragmented (one uncapped lab site).
func TestFarmShareHalf(t *testing.T) {
	base := smallScenario(t)
	names := []string{"alice", "bob", "carol", "dave"}
	held := map[string]int{"alice": 8, "bob": 4, "carol": 4, "dave": 8}
	in := refConsolidated(names, 0.5, base.Seed)
	farmGPUs := 0
	for n := range in {
		farmGPUs += held[n]
	}
	b := buildWith(t, base, func(s *Scenario) { s.FarmShare = new(0.5) })
	for _, o := range b.Cluster.Owners {
		if o.Lab == in[o.Name] {
			t.Errorf("owner %s: Lab %v, consolidated by the rule %v", o.Name, o.Lab, in[o.Name])
		}
	}
	if got := farmSize(b.Cluster.Farm); got != farmGPUs || len(in) != 2 {
		t.Fatalf("farm %d GPUs for consolidated %v, want %d", got, in, farmGPUs)
	}
	for _, g := range b.Cluster.Farm.Nodes {
		if g.GPUsPerNode != 8 && g.Count != 1 {
			t.Errorf("farm node group %+v: want 8-GPU nodes and at most one smaller node", g)
		}
	}
	// farm.gpus 18 of 24 held: round(18 x farmGPUs / 24).
	sized := buildWith(t, base, func(s *Scenario) { s.FarmShare, s.Farm.GPUs = new(0.5), 18 })
	if got, want := farmSize(sized.Cluster.Farm), int(math.Round(18*float64(farmGPUs)/24)); got != want {
		t.Errorf("farm.gpus 18 at share 0.5: %d GPUs, want %d", got, want)
	}

	rs := runAll(t, b)
	var labJobs []int
	for i, j := range b.Workload.Jobs {
		if !in[b.Workload.Owners[j.Owner]] {
			labJobs = append(labJobs, i)
		}
	}
	if len(labJobs) == 0 || len(labJobs) == len(b.Workload.Jobs) {
		t.Fatalf("%d of %d jobs from lab owners: the case does not mix", len(labJobs), len(b.Workload.Jobs))
	}
	for _, p := range b.Policies {
		sameJobTimes(t, p+" lab owners", rs[p], rs["fragmented"], labJobs)
		if p != "fragmented" && rs[p].GPUs != 24 {
			t.Errorf("%s: %d GPUs, want 24 (labs and farm)", p, rs[p].GPUs)
		}
	}
}

func farmSize(f gpuplan.Farm) int {
	n := 0
	for _, g := range f.Nodes {
		n += g.Count * g.GPUsPerNode
	}
	return n
}

func TestLabOwnersList(t *testing.T) {
	text := baseYAML + "lab_owners: [b]\n"
	s, err := Parse("t.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	if o := b.Cluster.Owners; len(o) != 2 || o[0].Lab || !o[1].Lab {
		t.Fatalf("owners %+v: want only b in the lab", o)
	}
	if got := farmSize(b.Cluster.Farm); got != 4 { // a's 4 GPUs
		t.Errorf("farm %d GPUs, want 4", got)
	}
}

func TestPartialMistakes(t *testing.T) {
	cases := []struct {
		name   string
		add    string
		build  bool // found by Build (owner names), not by Parse
		marker string
		path   string
		msg    string
	}{
		{"share above 1", "farm_share: 1.5", false, "farm_share", "farm_share", "must lie in [0, 1], got 1.5"},
		{"share below 0", "farm_share: -0.1", false, "farm_share", "farm_share", "must lie in [0, 1], got -0.1"},
		{"share text", "farm_share: half", false, "farm_share", "farm_share", `want a number, got "half"`},
		{"both forms", "farm_share: 0.5\nlab_owners: [a]", false, "lab_owners", "lab_owners", "give farm_share or lab_owners, not both"},
		{"repeated owner", "lab_owners:\n  - a\n  - b\n  - a  # again", false, "# again", "lab_owners[2]", `owner "a" listed twice`},
		{"empty name", "lab_owners:\n  - a\n  - \"\"  # empty", false, "# empty", "lab_owners[1]", "owner name required"},
		{"unknown owner", "lab_owners:\n  - a\n  - zed", true, "- zed", "lab_owners[1]", `unknown owner "zed"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := baseYAML + tc.add + "\n"
			s, err := Parse("t.yaml", []byte(text))
			if tc.build {
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				_, err = s.Build()
			}
			fes := fieldErrors(err)
			if len(fes) != 1 {
				t.Fatalf("want one FieldError, got %v", err)
			}
			fe := fes[0]
			if want := lineOf(t, text, tc.marker); fe.File != "t.yaml" || fe.Line != want || fe.Path != tc.path || !strings.HasPrefix(fe.Msg, tc.msg) {
				t.Errorf("got %s:%d: %s: %s; want t.yaml:%d: %s: %s", fe.File, fe.Line, fe.Path, fe.Msg, want, tc.path, tc.msg)
			}
		})
	}
}

// A sweep sets farm_share in code, where NaN can slip in; Validate catches it.
func TestFarmShareValidatedInCode(t *testing.T) {
	s := smallScenario(t)
	for _, bad := range []float64{math.NaN(), math.Inf(1), 1.01} {
		s.FarmShare = new(bad)
		fes := fieldErrors(s.Validate())
		if len(fes) != 1 || fes[0].Path != "farm_share" {
			t.Errorf("farm_share %v: got %v", bad, fes)
		}
	}
}
