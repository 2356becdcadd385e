package sim

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/gpuplan/gpuplan"
)

func validCluster() *gpuplan.Cluster { return suiteCluster(0, gpuplan.CapNone, 0, gpuplan.CapNone, 0) }

func TestValidateListsEveryProblem(t *testing.T) {
	c := validCluster()
	c.GPUTypes[0].MinLimit = 0
	c.GPUTypes[1].Perf = []gpuplan.PerfPoint{{F: 0.5, Perf: 0.8}, {F: 0.4, Perf: 0.7}}
	c.Sites[1].PUE = 0.9
	c.Owners[2].Nodes[0].GPUType = "nope"
	c.Farm.Site = "elsewhere"
	w := suiteWorkload(1, 20)
	w.Owners = append(w.Owners, "ghost", "phantom")
	w.Jobs[3].Duration = math.NaN()
	w.Jobs[5].GPUs = -2
	c.Farm.IdleOffS = 60
	_, err := validate(c, w, true, Options{Placement: PlacementPool, EstimateFactor: -1})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		`GPU type "a": min_limit 0`,
		`GPU type "b": perf: point 1`,
		`site "lab2": pue 0.9`,
		`owner "o2" node group 0: unknown GPU type "nope"`,
		`farm: unknown site "elsewhere"`,
		`"ghost", "phantom"`,
		`job "` + w.Jobs[3].ID + `" (row 3): duration_s NaN`,
		`job "` + w.Jobs[5].ID + `" (row 5): gpus -2`,
		`idle power-off (idle_off_s 60) needs node placement`,
		`estimate factor -1`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	for _, target := range []error{gpuplan.ErrInvalidCluster, ErrUnknownOwner, gpuplan.ErrInvalidWorkload, ErrInvalidOptions} {
		if !errors.Is(err, target) {
			t.Errorf("error is not %v", target)
		}
	}
}

func TestRunRejects(t *testing.T) {
	w := suiteWorkload(1, 10)
	if _, err := Run(validCluster(), w, "lottery", Options{}); !errors.Is(err, ErrUnknownPolicy) {
		t.Errorf("unknown policy: %v", err)
	}
	if _, err := RunAll(validCluster(), w, []string{"fifo", "lottery", "raffle"}, Options{}); !errors.Is(err, ErrUnknownPolicy) ||
		!strings.Contains(err.Error(), "lottery") || !strings.Contains(err.Error(), "raffle") {
		t.Errorf("RunAll unknown policies: %v", err)
	}
	c := suiteCluster(0, gpuplan.CapNone, 0, gpuplan.CapNone, 60)
	if _, err := Run(c, w, "fifo", Options{Placement: PlacementPool}); !errors.Is(err, gpuplan.ErrInvalidCluster) || !strings.Contains(err.Error(), "node placement") {
		t.Errorf("power-off with pool placement: %v", err)
	}
	if _, err := Run(c, w, "fragmented", Options{Placement: PlacementPool}); err != nil {
		t.Errorf("power-off is a farm matter, fragmented should run: %v", err)
	}
	c = validCluster()
	c.Sites[2].CapW = 1000
	if _, err := Run(c, w, "fifo", Options{}); !errors.Is(err, gpuplan.ErrInvalidCluster) || !strings.Contains(err.Error(), "cap mode") {
		t.Errorf("cap without a mode: %v", err)
	}
}

// TestEmptyAndDegenerate: no jobs, only infeasible jobs, and an empty farm give zeros, never NaN.
func TestEmptyAndDegenerate(t *testing.T) {
	c := validCluster()
	for _, w := range []*gpuplan.Workload{
		{Owners: []string{"o0"}},
		{Owners: []string{"o0"}, Jobs: []gpuplan.Job{{ID: "big", Owner: 0, GPUs: 500, Duration: 10, Submit: 5}}},
	} {
		for _, p := range Policies() {
			r, err := Run(c, w, p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Jobs.Completed != 0 || r.WindowS != 0 || r.Utilization != 0 || len(r.Timeline.T) != 0 || r.JainSlowdown != 0 {
				t.Errorf("%s: %+v", p, r)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Errorf("%s: %v", p, err)
			}
			if len(w.Jobs) == 1 && (r.Jobs.Infeasible != 1 || r.Jobs.InfeasibleGPUHours != 500.0*10/3600 || !math.IsNaN(r.Start[0])) {
				t.Errorf("%s: infeasible job counted as %+v", p, r.Jobs)
			}
		}
	}
}

// TestProgress: RunAll reports the runs together: a non-decreasing count of jobs finished over
// all runs, out of jobs times policies, ending at that total. Progress may be called from several
// goroutines, one at a time.
func TestProgress(t *testing.T) {
	w := suiteWorkload(5, 40_000)
	want := len(w.Jobs) * len(Policies())
	var mu sync.Mutex
	last, calls := -1, 0
	opt := Options{Placement: PlacementPool, Progress: func(done, total int) {
		if !mu.TryLock() {
			t.Error("Progress called concurrently")
			return
		}
		defer mu.Unlock()
		if total != want || done > total || done < last {
			t.Errorf("progress %d of %d after %d, want a non-decreasing count of %d", done, total, last, want)
		}
		last = done
		calls++
	}}
	if _, err := RunAll(validCluster(), w, Policies(), opt); err != nil {
		t.Fatal(err)
	}
	if last != want || calls < 3 {
		t.Errorf("progress ended at %d after %d calls, want %d after several", last, calls, want)
	}
}
