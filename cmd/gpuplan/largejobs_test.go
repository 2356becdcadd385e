package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type largeJobsDoc struct {
	LargeJobs []struct {
		Policy              string
		LargestFeasibleGPUs int      `json:"largest_feasible_gpus"`
		FarmOnlyJobs        *int     `json:"farm_only_jobs"`
		FarmOnlyGPUHours    *float64 `json:"farm_only_gpu_hours"`
		Latent              *struct {
			Submitted          int
			GPUHours           float64 `json:"gpu_hours"`
			Completed          int
			CompletedGPUHours  float64 `json:"completed_gpu_hours"`
			Infeasible         int
			InfeasibleGPUHours float64 `json:"infeasible_gpu_hours"`
		}
	} `json:"large_jobs"`
}

// Alice and Bob hold 2 GPUs each; the farm pools the 4. Bob's 3-GPU job of an hour runs only on
// the farm (3 GPU-h of farm-only demand); his 64-GPU job runs nowhere.
func TestSimulateLargeJobs(t *testing.T) {
	workload := writeFile(t, "jobs.csv", `id,owner,submit_s,gpus,duration_s
a,alice,0,1,3600
d,bob,0,3,3600
e,bob,0,64,60
`)
	pools := writeFile(t, "pools.csv", "owner,gpus\nalice,2\nbob,2\n")
	args := []string{"simulate", "--workload", workload, "--pools", pools, "--policy", "fragmented,fifo", "--placement", "pool"}
	code, out, errOut := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range [][]string{{"largest", "job", "(GPUs)", "2", "4"}, {"farm-only", "demand", "(GPU-h)", "-", "3"}} {
		if !lineStartsWith(out, want...) {
			t.Errorf("table lacks row %v:\n%s", want, out)
		}
	}
	if strings.Contains(out, "latent") {
		t.Errorf("latent rows without latent demand:\n%s", out)
	}

	code, out, errOut = runCLI(t, append(args, "--json", "-")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc largeJobsDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.LargeJobs) != 2 {
		t.Fatalf("large_jobs %+v", doc.LargeJobs)
	}
	frag, fifo := doc.LargeJobs[0], doc.LargeJobs[1]
	if frag.Policy != "fragmented" || frag.LargestFeasibleGPUs != 2 || frag.FarmOnlyGPUHours != nil || frag.Latent != nil {
		t.Errorf("fragmented %+v", frag)
	}
	if fifo.Policy != "fifo" || fifo.LargestFeasibleGPUs != 4 || fifo.FarmOnlyJobs == nil || *fifo.FarmOnlyJobs != 1 ||
		*fifo.FarmOnlyGPUHours != 3 || fifo.Latent != nil {
		t.Errorf("fifo %+v", fifo)
	}
}

// Owners a (4 GPUs) and b (8) cannot run 10-GPU jobs; the farm of their 12 can. Every latent job
// is infeasible when fragmented and completes on the farm, and it is the only farm-only demand
// (the regular jobs are cut at each owner's holding).
const latentScenario = `name: latent
seed: 5
horizon: 2d
gpu_types:
  - {name: g1, tdp_w: 300}
sites:
  - {name: lab, pue: 1.8}
  - {name: farm, pue: 1.3}
farm: {site: farm, gpus_per_node: 4}
owners:
  - {name: a, gpus: 4, site: lab}
  - {name: b, gpus: 8, site: lab}
workload:
  synthetic:
    load: 0.3
    latent_large: {rate_per_week: 70, gpus: 10, duration: 1h}
policies: [fragmented, fifo, easy]
`

func TestSimulateLatentDemand(t *testing.T) {
	scenario := writeFile(t, "latent.yaml", latentScenario)
	perJob := filepath.Join(t.TempDir(), "jobs.csv")
	code, out, errOut := runCLI(t, "simulate", "--scenario", scenario, "--json", "-", "--per-job", perJob)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc largeJobsDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.LargeJobs) != 3 {
		t.Fatalf("large_jobs %+v", doc.LargeJobs)
	}
	n := doc.LargeJobs[0].Latent.Submitted
	if n == 0 {
		t.Fatal("no latent jobs drawn (expected about 20)")
	}
	gh := float64(10 * n) // 10 GPUs for an hour each
	for _, l := range doc.LargeJobs {
		lt := l.Latent
		if lt == nil || lt.Submitted != n || math.Abs(lt.GPUHours-gh) > 1e-9 {
			t.Fatalf("%s: latent %+v, want %d submitted, %v GPU-h", l.Policy, lt, n, gh)
		}
		farm := l.Policy != "fragmented"
		wantDone, wantLargest := 0, 8
		if farm {
			wantDone, wantLargest = n, 12
		}
		if lt.Completed != wantDone || lt.Infeasible != n-wantDone || l.LargestFeasibleGPUs != wantLargest {
			t.Errorf("%s: largest %d, latent %+v; want %d completed, largest %d", l.Policy, l.LargestFeasibleGPUs, lt, wantDone, wantLargest)
		}
		if farm && (l.FarmOnlyGPUHours == nil || math.Abs(*l.FarmOnlyGPUHours-gh) > 1e-9 || *l.FarmOnlyJobs != n) {
			t.Errorf("%s: farm-only %v jobs, %v GPU-h; want %d, %v", l.Policy, l.FarmOnlyJobs, l.FarmOnlyGPUHours, n, gh)
		}
	}

	// The per-job file marks latent jobs in a column of their own.
	fh, err := os.Open(perJob)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "id,owner,policy,submit_s,start_s,end_s,wait_s,gpus,infeasible,latent" {
		t.Fatalf("header %q", got)
	}
	marked := 0
	for _, r := range rows[1:] {
		if r[9] == "true" {
			marked++
			if !strings.HasPrefix(r[0], "L") || r[7] != "10" || (r[2] == "fragmented") != (r[8] == "true") {
				t.Errorf("latent row %v", r)
			}
		}
	}
	if marked != 3*n {
		t.Errorf("%d latent rows, want %d", marked, 3*n)
	}

	// The table shows latent demand run and not run.
	code, out, errOut = runCLI(t, "simulate", "--scenario", scenario)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "latent jobs run / submitted") || !strings.Contains(out, "latent demand infeasible (GPU-h)") {
		t.Errorf("table lacks latent rows:\n%s", out)
	}
}
