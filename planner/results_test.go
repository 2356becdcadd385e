package planner_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/scenarios/traces"
	"github.com/gpuplan/gpuplan/sim"
)

// twoOwners: Alice and Bob hold 2 GPUs each; the farm pools the 4. Bob's 3-GPU job of an hour
// runs only on the farm (3 GPU-h of farm-only demand); his 64-GPU job runs nowhere.
func twoOwners(t *testing.T, policies ...string) (*scenarios.Built, []*sim.Result) {
	t.Helper()
	b := twoOwnersBuilt(t, scenarios.FileOptions{})
	b.Options.Placement = sim.PlacementPool
	res, err := sim.RunAll(b.Cluster, b.Workload, policies, b.Options)
	if err != nil {
		t.Fatal(err)
	}
	return b, res
}

func twoOwnersBuilt(t *testing.T, opt scenarios.FileOptions) *scenarios.Built {
	t.Helper()
	dir := t.TempDir()
	jobs, pools := filepath.Join(dir, "jobs.csv"), filepath.Join(dir, "pools.csv")
	for path, text := range map[string]string{
		jobs:  "id,owner,submit_s,gpus,duration_s\na,alice,0,1,3600\nd,bob,0,3,3600\ne,bob,0,64,60\n",
		pools: "owner,gpus\nalice,2\nbob,2\n",
	} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := scenarios.FromFiles(jobs, traces.CSV, pools, opt)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewResults(t *testing.T) {
	const tol = 1e-9 // GPU-hours are sums of exact products
	cases := []struct {
		name            string
		policies        []string
		baseline        string
		wantLargest     []int
		wantFarmOnlyGH  []float64 // NaN: absent
		wantComparisons int
		wantErr         error
	}{
		{"fragmented and fifo, baseline", []string{"fragmented", "fifo"}, "fragmented", []int{2, 4}, []float64{math.NaN(), 3}, 1, nil},
		{"fifo alone has no farm-only reference", []string{"fifo"}, "", []int{4}, []float64{math.NaN()}, 0, nil},
		{"baseline not run", []string{"fifo", "easy"}, "fragmented", nil, nil, 0, planner.ErrBaselineNotRun},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, res := twoOwners(t, c.policies...)
			doc, err := planner.NewResults(b, res, planner.ResultsOptions{Version: "v-test", Baseline: c.baseline})
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if doc.Version != "v-test" || doc.Scenario != b.Name || len(doc.Policies) != len(c.policies) || len(doc.Comparisons) != c.wantComparisons {
				t.Fatalf("doc %+v", doc)
			}
			if doc.WindowS != res[0].WindowS {
				t.Errorf("window %v, want the runs' %v", doc.WindowS, res[0].WindowS)
			}
			for i, l := range doc.LargeJobs {
				if l.Policy != c.policies[i] || l.LargestFeasibleGPUs != c.wantLargest[i] || l.Latent != nil {
					t.Errorf("large jobs %d: %+v, want largest %d", i, l, c.wantLargest[i])
				}
				switch want := c.wantFarmOnlyGH[i]; {
				case math.IsNaN(want) && l.FarmOnlyGPUHours != nil:
					t.Errorf("%s: farm-only %v, want absent", l.Policy, *l.FarmOnlyGPUHours)
				case !math.IsNaN(want) && (l.FarmOnlyGPUHours == nil || math.Abs(*l.FarmOnlyGPUHours-want) > tol):
					t.Errorf("%s: farm-only %v, want %v", l.Policy, l.FarmOnlyGPUHours, want)
				}
			}
		})
	}
}
