package traces

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan"
)

func TestReadPools(t *testing.T) {
	got, err := ReadPoolsFile("testdata/pools.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []gpuplan.Pool{
		{Owner: "alice", GPUs: 8, GPUsPerNode: 4, GPUType: "A100", Site: "lab-a"},
		{Owner: "bob", GPUs: 4, GPUType: "RTX4090", Site: "lab-b"},
		{Owner: "carol"},
		{Owner: "alice", GPUs: 8, GPUsPerNode: 8, GPUType: "H100", Site: "lab-a"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("pools\n%+v\nwant\n%+v", got, want)
	}
	got, err = ReadPools(strings.NewReader("GPUS,Owner\n12,x\n"), "min.csv")
	if err != nil || !slices.Equal(got, []gpuplan.Pool{{Owner: "x", GPUs: 12}}) {
		t.Errorf("minimal pools: %+v, %v", got, err)
	}
}

func TestReadPoolsErrors(t *testing.T) {
	for _, c := range []struct {
		in, want string
	}{
		{"owner\nx\n", "p.csv:row 1: column gpus: missing required column"},
		{"owner,gpus,nodes\nx,1,1\n", "p.csv:row 1: column nodes: unknown column"},
		{"owner,gpus\nx,-4\n", `p.csv:row 2: column gpus: "-4": negative value`},
		{"owner,gpus\nx,4\n,4\n", "p.csv:row 3: column owner: empty value"},
		{"owner,gpus\nx,2.5\n", `p.csv:row 2: column gpus: "2.5" is not a whole number`},
		{"owner,gpus,gpus_per_node\nx,10,4\n", "p.csv:row 2: column gpus: 10 GPUs is not a whole number of 4-GPU nodes"},
		{"owner,gpus,site\nx,4,a\nx,4,b\n", `p.csv:row 3: column site: owner "x" is already at site "a"`},
		{"owner,gpus\nx,4,5\n", "p.csv:row 2: wrong field count: 3, header has 2"},
		{"", "p.csv: empty input"},
	} {
		_, err := ReadPools(strings.NewReader(c.in), "p.csv")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
		if err != nil && c.in != "" && !errors.Is(err, ErrBadRow) {
			t.Errorf("%q: %v is not ErrBadRow", c.in, err)
		}
	}
}

// demandWorkload gives owner i one job of gpus[i] GPUs over the whole window [0, 100).
func demandWorkload(gpus ...int32) *gpuplan.Workload {
	w := &gpuplan.Workload{}
	for i, g := range gpus {
		w.Owners = append(w.Owners, string(rune('a'+i)))
		w.Jobs = append(w.Jobs, gpuplan.Job{ID: w.Owners[i], Owner: int32(i), Group: -1, GPUs: g, Duration: 100})
	}
	return w
}

// TestDerivePools checks the documented rule on hand-computed cases.
func TestDerivePools(t *testing.T) {
	for _, c := range []struct {
		name string
		w    *gpuplan.Workload
		opt  PoolOptions
		want []int // GPUs per owner
	}{
		// Own demand 4 and 1 at 0.6 on 4-GPU workstations: ceil(4/2.4) = 2 and ceil(1/2.4) = 1.
		{"own demand", demandWorkload(4, 1), PoolOptions{}, []int{8, 4}},
		// 8 GPUs per node at 0.5: demand 20 → ceil(20/4) = 5 nodes; 9 → ceil(9/4) = 3 nodes.
		{"custom size", demandWorkload(20, 9), PoolOptions{TargetUtil: 0.5, GPUsPerNode: 8}, []int{40, 24}},
		// 40 GPUs = 10 workstations: 1 each, 8 split 0.8/0.2 = 6.4/1.6 → 6 + 1, the larger remainder
		// (0.6) gets the last one: 7 and 3 workstations.
		{"total", demandWorkload(4, 1), PoolOptions{TotalGPUs: 40}, []int{28, 12}},
		// 39 GPUs round up to 10 workstations too.
		{"total rounds up", demandWorkload(4, 1), PoolOptions{TotalGPUs: 39}, []int{28, 12}},
		// Fewer GPUs than owners: still one workstation each.
		{"total below owners", demandWorkload(4, 1, 1), PoolOptions{TotalGPUs: 4}, []int{4, 4, 4}},
		// Equal remainders go to the earlier owner: 4 workstations, 3 owners, 1 extra.
		{"tie", demandWorkload(2, 2, 2), PoolOptions{TotalGPUs: 16}, []int{8, 4, 4}},
		// A 16-GPU job of 1 s in a 100 s window is demand 0.16: one workstation, four with FitLargestJob.
		{"fit largest", &gpuplan.Workload{Owners: []string{"a", "b"}, Jobs: []gpuplan.Job{
			{ID: "1", Owner: 0, GPUs: 16, Duration: 1}, {ID: "2", Owner: 1, GPUs: 1, Duration: 100},
		}}, PoolOptions{FitLargestJob: true}, []int{16, 4}},
		// No demand at all (zero-length jobs): one workstation each, or equal shares of a total.
		{"no demand", &gpuplan.Workload{Owners: []string{"a", "b"}, Jobs: []gpuplan.Job{
			{ID: "1", Owner: 0, GPUs: 2}, {ID: "2", Owner: 1, GPUs: 2, Submit: 5},
		}}, PoolOptions{}, []int{4, 4}},
		{"no demand total", &gpuplan.Workload{Owners: []string{"a", "b"}, Jobs: []gpuplan.Job{{ID: "1", Owner: 0, GPUs: 2}}},
			PoolOptions{TotalGPUs: 20}, []int{12, 8}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pools := DerivePools(c.w, c.opt)
			var got []int
			for i, p := range pools {
				got = append(got, p.GPUs)
				if p.Owner != c.w.Owners[i] || p.GPUsPerNode <= 0 || p.GPUs%p.GPUsPerNode != 0 {
					t.Errorf("pool %d: %+v", i, p)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("GPUs %v, want %v", got, c.want)
			}
		})
	}
	p := DerivePools(demandWorkload(1), PoolOptions{GPUType: "RTX4090", Site: "lab"})
	if len(p) != 1 || p[0] != (gpuplan.Pool{Owner: "a", GPUs: 4, GPUsPerNode: 4, GPUType: "RTX4090", Site: "lab"}) {
		t.Errorf("pool %+v", p)
	}
	if DerivePools(&gpuplan.Workload{}, PoolOptions{}) != nil {
		t.Error("pools for a workload without owners")
	}
}

// TestDerivePoolsPhilly: on the real Philly cut each owner's pool runs their own mean demand at no
// more than the target utilization, so the fleet is at least ceil(mean demand / 0.6).
func TestDerivePoolsPhilly(t *testing.T) {
	w, err := ReadFile(filepath.Join(sharedTraces(t), "philly-15k", "philly_data_training.csv"), GenPW, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pools := DerivePools(w, PoolOptions{})
	end := 0.0
	per := make([]float64, len(w.Owners))
	for _, j := range w.Jobs {
		end = max(end, j.Submit+j.Duration)
		per[j.Owner] += float64(j.GPUs) * j.Duration
	}
	total, demand := 0, 0.0
	for i, p := range pools {
		d := per[i] / end // the trace starts at 0
		demand += d
		total += p.GPUs
		if d/float64(p.GPUs) > 0.6+1e-9 || (p.GPUs > 4 && d/float64(p.GPUs-4) <= 0.6) {
			t.Errorf("owner %s: demand %.2f on %d GPUs is not the smallest whole-workstation pool at 0.6", p.Owner, d, p.GPUs)
		}
	}
	t.Logf("Philly: mean demand %.1f GPUs, derived fleet %d GPUs for %d owners", demand, total, len(pools))
}

func TestWritePoolsRoundTrip(t *testing.T) {
	pools := []gpuplan.Pool{
		{Owner: "alice", GPUs: 8, GPUsPerNode: 4, GPUType: "A100", Site: "lab-a"},
		{Owner: "bob, jr.", GPUs: 4},
		{Owner: "carol", GPUType: "RTX 4090", Site: "lab \"b\""},
	}
	var b strings.Builder
	if err := WritePools(&b, pools); err != nil {
		t.Fatal(err)
	}
	back, err := ReadPools(strings.NewReader(b.String()), "back.csv")
	if err != nil || !slices.Equal(back, pools) {
		t.Errorf("round trip: %+v, %v\n%s", back, err, b.String())
	}
}
