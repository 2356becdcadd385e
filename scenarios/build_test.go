package scenarios

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/scenarios/traces"
	"github.com/gpuplan/gpuplan/sim"
)

func gpusByType(nodes []gpuplan.NodeGroup, into map[string]int) {
	for _, n := range nodes {
		into[n.GPUType] += n.Count * n.GPUsPerNode
	}
}

func TestBuiltinsBuildDeterministically(t *testing.T) {
	infos := Builtins()
	if len(infos) < 2 || !slices.IsSortedFunc(infos, func(a, b Info) int { return strings.Compare(a.Name, b.Name) }) {
		t.Fatalf("builtins %+v", infos)
	}
	for _, info := range infos {
		t.Run(info.Name, func(t *testing.T) {
			s, err := Builtin(info.Name)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != info.Name || info.Description == "" || s.Description != info.Description {
				t.Fatalf("name %q / description %q for file %s", s.Name, info.Description, info.Name)
			}
			a, err := s.Build()
			if err != nil {
				t.Fatal(err)
			}
			s2, _ := Lookup(info.Name)
			b, err := s2.Build()
			if err != nil {
				t.Fatal(err)
			}
			if a.Hash != b.Hash || len(a.Hash) != 64 || !reflect.DeepEqual(a.Workload, b.Workload) || !reflect.DeepEqual(a.Cluster, b.Cluster) {
				t.Fatal("two builds differ")
			}
			if len(a.Workload.Jobs) == 0 || !slices.Equal(a.Policies, s.Policies) {
				t.Fatalf("%d jobs, policies %v", len(a.Workload.Jobs), a.Policies)
			}
			s2.Seed++
			c, err := s2.Build()
			if err != nil {
				t.Fatal(err)
			}
			if c.Hash == a.Hash || reflect.DeepEqual(c.Workload.Jobs, a.Workload.Jobs) {
				t.Fatal("another seed gave the same hash or jobs")
			}
			// Fleet consolidated GPU for GPU, type for type.
			own, farm := map[string]int{}, map[string]int{}
			for _, o := range a.Cluster.Owners {
				gpusByType(o.Nodes, own)
			}
			gpusByType(a.Cluster.Farm.Nodes, farm)
			if !reflect.DeepEqual(own, farm) {
				t.Fatalf("owners hold %v, farm has %v", own, farm)
			}
		})
	}
}

// allBusyKW is the facility power of the farm with every GPU busy, from the cluster itself.
func allBusyKW(c *gpuplan.Cluster) float64 {
	var it float64
	for _, n := range c.Farm.Nodes {
		for _, t := range c.GPUTypes {
			if t.Name == n.GPUType {
				it += float64(n.Count) * (float64(n.GPUsPerNode)*t.BusyW + n.NodeW)
			}
		}
	}
	for _, s := range c.Sites {
		if s.Name == c.Farm.Site {
			return s.PUE * it / 1000
		}
	}
	return math.NaN()
}

func TestInstitute3000(t *testing.T) {
	s, err := Builtin("institute-3000")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	c := b.Cluster
	own := map[string]int{}
	most := 0
	for _, o := range c.Owners {
		gpusByType(o.Nodes, own)
		if o.Site != "lab" || len(o.Nodes) == 0 {
			t.Fatalf("owner %+v", o)
		}
		most = max(most, ownerGPUs(o))
	}
	total := own["rtx4090"] + own["rtx-a6000"] + own["a100-pcie-80"]
	if len(c.Owners) != 300 || total != 3000 {
		t.Fatalf("%d owners, %d GPUs", len(c.Owners), total)
	}
	// Type shares track 0.5 / 0.3 / 0.2 to within the biggest single holding.
	for typ, w := range map[string]float64{"rtx4090": 0.5, "rtx-a6000": 0.3, "a100-pcie-80": 0.2} {
		if d := math.Abs(float64(own[typ]) - w*3000); d > float64(most) {
			t.Errorf("%s: %d GPUs, want %.0f +- %d", typ, own[typ], w*3000, most)
		}
	}
	// The cap binds below all-busy power: 1,240 kW against about 1,485 kW (hand computation in the file).
	busy := allBusyKW(c)
	if math.Abs(busy-1485) > 5 || c.Sites[1].CapW != 1240e3 || c.Sites[1].CapMode != gpuplan.CapThrottle {
		t.Errorf("all-busy %.1f kW, cap %v W mode %v", busy, c.Sites[1].CapW, c.Sites[1].CapMode)
	}
	if b.Options.Prices.KRWPerKWh != 182.7 || b.Options.Prices.KRWPerKWMonth != 6490 {
		t.Errorf("prices %+v", b.Options.Prices)
	}
	if n := len(b.Workload.Jobs); n < 100_000 || n > 300_000 {
		t.Errorf("%d jobs, want 100k-300k", n)
	}
	// Realised offered load: total GPU-seconds over 3,000 GPUs x 8 weeks, against 0.6. The relative
	// standard error is about sqrt(E[g^2]E[d^2] / (N E[g]^2 E[d]^2)) ~ sqrt(8 / N) ~ 0.5%; allow 3%.
	var work float64
	for _, j := range b.Workload.Jobs {
		work += float64(j.GPUs) * j.Duration
	}
	if load := work / (3000 * 8 * 7 * 86400); math.Abs(load-0.6) > 0.03*0.6 {
		t.Errorf("offered load %.3f, want 0.6", load)
	}
}

func TestGenerateOwners(t *testing.T) {
	cases := []struct {
		count  int
		mean   float64
		spread float64
	}{{300, 10, 1.5}, {7, 3.3, 0.5}, {50, 1, 2}, {10, 4, 0}}
	for _, tc := range cases {
		s := &Scenario{Seed: 9, Sites: []SiteSpec{{Name: "lab", PUE: 1.5}, {Name: "farm", PUE: 1.2}}, Farm: FarmSpec{Site: "farm"}}
		g := &GenerateSpec{Count: tc.count, GPUsPerOwner: tc.mean, Spread: tc.spread, GPUTypes: TypeMix{{"rtx4090", 1}, {"h100-sxm", 3}}}
		out := s.generateOwners(g)
		sum, byType := 0, map[string]int{}
		for _, o := range out {
			if o.GPUs < 1 || o.Site != "lab" {
				t.Fatalf("%+v", o)
			}
			sum += o.GPUs
			byType[o.GPUType] += o.GPUs
		}
		if want := int(math.Round(float64(tc.count) * tc.mean)); len(out) != tc.count || sum != want {
			t.Errorf("%+v: %d owners, %d GPUs; want %d", tc, len(out), sum, want)
		}
		if tc.spread == 0 && out[0].GPUs != out[len(out)-1].GPUs {
			t.Errorf("spread 0 gave uneven holdings")
		}
		biggest := slices.MaxFunc(out, func(a, b OwnerSpec) int { return a.GPUs - b.GPUs }).GPUs
		if d := math.Abs(float64(byType["h100-sxm"]) - 0.75*float64(sum)); d > float64(biggest) {
			t.Errorf("%+v: h100 %d of %d", tc, byType["h100-sxm"], sum)
		}
		if out[0].Name != "r001" && tc.count < 1000 {
			t.Errorf("first name %q", out[0].Name)
		}
	}
}

func TestNodeGroupsAndApportion(t *testing.T) {
	got := nodeGroups(10, 4, "g", 300)
	want := []gpuplan.NodeGroup{{Count: 2, GPUsPerNode: 4, GPUType: "g", NodeW: 300}, {Count: 1, GPUsPerNode: 2, GPUType: "g", NodeW: 300}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("nodeGroups(10, 4) = %+v", got)
	}
	if got := nodeGroups(3, 0, "g", 0); len(got) != 1 || got[0].Count != 1 || got[0].GPUsPerNode != 3 {
		t.Errorf("nodeGroups(3, 0) = %+v", got)
	}
	if got := apportion(10, []float64{1, 1, 1}); !slices.Equal(got, []int{4, 3, 3}) {
		t.Errorf("apportion(10, 1:1:1) = %v", got)
	}
	if got := apportion(7, []float64{0.5, 0.3, 0.2}); !slices.Equal(got, []int{4, 2, 1}) { // 3.5, 2.1, 1.4
		t.Errorf("apportion(7, .5:.3:.2) = %v", got)
	}
}

func TestFarmSizeAndType(t *testing.T) {
	s, _ := Builtin("small")
	s.Farm.GPUs = 20
	s.Farm.GPUType = "h100-sxm"
	s.Farm.NodeOverhead = 0
	s.Farm.NodeW = 1000
	b, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	want := []gpuplan.NodeGroup{{Count: 2, GPUsPerNode: 8, GPUType: "h100-sxm", NodeW: 1000}, {Count: 1, GPUsPerNode: 4, GPUType: "h100-sxm", NodeW: 1000}}
	if !reflect.DeepEqual(b.Cluster.Farm.Nodes, want) {
		t.Fatalf("farm %+v", b.Cluster.Farm.Nodes)
	}
	if !slices.ContainsFunc(b.Cluster.GPUTypes, func(g gpuplan.GPUType) bool { return g.Name == "h100-sxm" && g.TDPW == 700 }) {
		t.Fatalf("catalogue type not added: %+v", b.Cluster.GPUTypes)
	}
}

func TestTraceScenarioFile(t *testing.T) {
	s, err := Load(filepath.Join("testdata", "trace-scenario.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Workload.Jobs) != 6 || len(b.Cluster.Owners) != 3 {
		t.Fatalf("%d jobs, %d owners", len(b.Workload.Jobs), len(b.Cluster.Owners))
	}
	carol := b.Cluster.Owners[2]
	if carol.Name != "carol" || carol.Site != "lab-b" || ownerGPUs(carol) != 6 || len(carol.Nodes) != 2 {
		t.Fatalf("carol %+v", carol)
	}
	bob := b.Cluster.Owners[1]
	if bob.Site != "lab" || bob.Nodes[0].GPUType != "a100-pcie-80" || bob.Nodes[0].NodeW != 300 {
		t.Fatalf("bob %+v", bob)
	}
	// Moving the scenario and its files elsewhere keeps the hash; changing a file changes it.
	dir := t.TempDir()
	for _, f := range []string{"trace-scenario.yaml", "workload.csv", "pools.csv"} {
		data, _ := os.ReadFile(filepath.Join("testdata", f))
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	moved, err := Load(filepath.Join(dir, "trace-scenario.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	mb, err := moved.Build()
	if err != nil || mb.Hash != b.Hash {
		t.Fatalf("moved hash %v, %v; want %s", mb, err, b.Hash)
	}
	f, _ := os.OpenFile(filepath.Join(dir, "workload.csv"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("j7,bob,1000,1,60\n")
	f.Close()
	changed, _ := moved.Build()
	if changed == nil || changed.Hash == b.Hash || len(changed.Workload.Jobs) != 7 {
		t.Fatal("a changed workload file kept the hash")
	}
	// A horizon keeps the jobs submitted within it of the first: 0, 60, 120 and 300 s.
	moved.Horizon = 500
	short, err := moved.Build()
	if err != nil || len(short.Workload.Jobs) != 4 {
		t.Fatalf("horizon 500 s: %v jobs, %v", short, err)
	}
}

func TestFromFiles(t *testing.T) {
	b, err := FromFiles(filepath.Join("testdata", "workload.csv"), traces.CSV, filepath.Join("testdata", "pools.csv"), FileOptions{Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != "workload" || b.Seed != 4 || len(b.Workload.Jobs) != 6 || !slices.Equal(b.Policies, policyNames()) {
		t.Fatalf("built %+v", b)
	}
	sites := map[string]float64{}
	for _, s := range b.Cluster.Sites {
		sites[s.Name] = s.PUE
	}
	if !reflect.DeepEqual(sites, map[string]float64{"lab": 1.8, "lab-a": 1.8, "lab-b": 1.8, "farm": 1.3}) {
		t.Fatalf("sites %v", sites)
	}
	// Farm: 4 rtx4090, 2+2 a100-pcie-80, 4 rtx-a6000, nodes of at most 8, overhead 0.43 x busy GPUs.
	want := []gpuplan.NodeGroup{
		{Count: 1, GPUsPerNode: 4, GPUType: "rtx4090", NodeW: 0.43 * 4 * 0.71 * 450},
		{Count: 1, GPUsPerNode: 4, GPUType: "a100-pcie-80", NodeW: 0.43 * 4 * 0.71 * 300},
		{Count: 1, GPUsPerNode: 4, GPUType: "rtx-a6000", NodeW: 0.43 * 4 * 0.71 * 300},
	}
	for i, g := range b.Cluster.Farm.Nodes {
		if g.Count != want[i].Count || g.GPUsPerNode != want[i].GPUsPerNode || g.GPUType != want[i].GPUType || math.Abs(g.NodeW-want[i].NodeW) > 1e-9 {
			t.Fatalf("farm node group %d = %+v, want %+v", i, g, want[i])
		}
	}
	if b.Options.Prices != (sim.Prices{KRWPerKWh: 182.7, KRWPerKWMonth: 6490}) {
		t.Errorf("prices %+v", b.Options.Prices)
	}

	// Derived pools: every workload owner gets at least one 4-GPU workstation.
	d, err := FromFiles(filepath.Join("testdata", "workload.csv"), traces.CSV, "", FileOptions{Derive: DeriveSpec{FitLargestJob: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Cluster.Owners) != 3 {
		t.Fatalf("derived owners %+v", d.Cluster.Owners)
	}
	for _, o := range d.Cluster.Owners {
		if g := ownerGPUs(o); g < 4 || g%4 != 0 || o.Site != "lab" || o.Nodes[0].GPUType != "a100-pcie-80" {
			t.Errorf("derived owner %+v", o)
		}
	}

	// Bad inputs name their file.
	_, err = FromFiles(filepath.Join("testdata", "workload.csv"), traces.CSV, filepath.Join("testdata", "pools_badtype.csv"), FileOptions{})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "pools_badtype.csv") || !strings.Contains(err.Error(), `"rtx9090"`) {
		t.Errorf("bad type: %v", err)
	}
	_, err = FromFiles(filepath.Join("testdata", "missing.csv"), traces.CSV, "", FileOptions{})
	if err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: %v", err)
	}
}

func TestOwnersWithoutGPUs(t *testing.T) {
	dir := t.TempDir()
	pools := filepath.Join(dir, "pools.csv")
	os.WriteFile(pools, []byte("owner,gpus\nalice,4\n"), 0o644)
	_, err := FromFiles(filepath.Join("testdata", "workload.csv"), traces.CSV, pools, FileOptions{})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "workload owners without GPUs: bob, carol") {
		t.Errorf("got %v", err)
	}
}

func TestLookup(t *testing.T) {
	if s, err := Lookup("small"); err != nil || s.Name != "small" {
		t.Fatalf("builtin: %v", err)
	}
	if s, err := Lookup(filepath.Join("testdata", "trace-scenario.yaml")); err != nil || s.Name != "trace-fixture" {
		t.Fatalf("file: %v", err)
	}
	for _, name := range []string{"nope", "../builtin/small", ""} {
		if _, err := Lookup(name); !errors.Is(err, ErrUnknownScenario) {
			t.Errorf("Lookup(%q) = %v", name, err)
		}
	}
	if _, err := Builtin("nope"); !errors.Is(err, ErrUnknownScenario) || !strings.Contains(err.Error(), "institute-3000, small") {
		t.Errorf("Builtin(nope) = %v", err)
	}
}

func TestCloneIsDeep(t *testing.T) {
	s, _ := Builtin("institute-3000")
	c := s.Clone()
	c.GPUTypes[0].Perf[0].Perf = 0
	c.Owners.Generate.GPUTypes[0].Weight = 9
	c.Workload.Synthetic.GPUs[0].Weight = 9
	c.Sites[0].PUE = 9
	if s.GPUTypes[0].Perf[0].Perf == 0 || s.Owners.Generate.GPUTypes[0].Weight == 9 || s.Workload.Synthetic.GPUs[0].Weight == 9 || s.Sites[0].PUE == 9 {
		t.Fatal("clone shares memory with the original")
	}
}

func TestValidateWithoutFile(t *testing.T) {
	s := &Scenario{Name: "code", Sites: []SiteSpec{{Name: "farm", PUE: 0.5}}, Farm: FarmSpec{Site: "farm"}}
	err := s.Validate()
	if err == nil || !strings.Contains(err.Error(), "scenario code: sites[0].pue: must be at least 1, got 0.5") {
		t.Fatalf("got %v", err)
	}
}

func TestUncappedOwnerLoad(t *testing.T) {
	data, _ := builtinFS.ReadFile("builtin/small.yaml")
	text := strings.Replace(string(data), "max_owner_load: 0.8", "max_owner_load: .inf", 1)
	s, err := Parse("inf.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(s.Workload.Synthetic.MaxOwnerLoad, 1) {
		t.Fatalf("max_owner_load %v", s.Workload.Synthetic.MaxOwnerLoad)
	}
	b, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	small, _ := Builtin("small")
	sb, _ := small.Build()
	if b.Hash == sb.Hash || len(b.Hash) != 64 {
		t.Fatalf("hash %q vs %q", b.Hash, sb.Hash)
	}
}
