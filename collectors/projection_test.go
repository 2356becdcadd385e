package collectors_test

import (
	"math"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/collectors/fakenode"
	"github.com/gpuplan/gpuplan/events/projection"
)

// TestProjectionFindsWorkload: the projection turns a fake node's sample batches back into the
// jobs its seeded workload started: same owner (from the node config), user, GPUs, and start
// and end within one interval.
func TestProjectionFindsWorkload(t *testing.T) {
	cases := []struct {
		name     string
		seed     uint64
		interval time.Duration
	}{
		{"10 s", 11, 10 * time.Second},
		{"60 s", 12, time.Minute},
	}
	cfg, err := collectors.DecodeNodeConfig("node.yaml", []byte("owners:\n  - owner: lab-a\n    group: physics\n    gpus: [0, 1, 2, 3]\n  - owner: lab-b\n    gpus: [4, 5, 6, 7]\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := t0
			c, node, q, _ := fakeCollector(t, fakenode.Options{Seed: tc.seed, Epoch: t0, Horizon: 6 * time.Hour}, tc.interval, &now)
			own, err := cfg.OwnershipEvents(nil, "n1", "lab", t0)
			if err != nil {
				t.Fatal(err)
			}
			q.evs = append(q.evs, own...)
			end := t0.Add(8 * time.Hour)
			for now = t0; now.Before(end); now = now.Add(tc.interval) {
				if err := c.Tick(now); err != nil {
					t.Fatal(err)
				}
			}
			p := projection.New(projection.Options{})
			for _, e := range q.evs {
				if err := p.Add(e); err != nil {
					t.Fatal(err)
				}
			}
			jobs, _ := p.Jobs()
			byPID := map[int]projection.Job{}
			for _, j := range jobs {
				if _, dup := byPID[j.PID]; dup {
					t.Fatalf("pid %d projected as two jobs", j.PID)
				}
				byPID[j.PID] = j
			}
			work := node.Jobs()
			if len(work) < 10 {
				t.Fatalf("workload has only %d jobs", len(work))
			}
			if len(jobs) != len(work) {
				t.Errorf("%d jobs projected, workload started %d", len(jobs), len(work))
			}
			for _, w := range work {
				j, ok := byPID[w.PID]
				if !ok {
					t.Errorf("job %s (pid %d) not projected", w.JobID, w.PID)
					continue
				}
				wantOwner, wantGroup := majorityOwner(cfg, w.GPUs)
				if j.Owner != wantOwner || j.Group != wantGroup || j.User != w.User || len(j.GPUs) != len(w.GPUs) {
					t.Errorf("job %s: owner %s/%s user %s %d GPUs, want %s/%s %s %d", w.JobID, j.Owner, j.Group, j.User, len(j.GPUs), wantOwner, wantGroup, w.User, len(w.GPUs))
				}
				for k, g := range j.GPUs {
					if g.Index != w.GPUs[k] || g.UUID != node.UUID(w.GPUs[k]) {
						t.Errorf("job %s: GPU %d is %+v, want index %d", w.JobID, k, g, w.GPUs[k])
					}
				}
				if d := j.Start.Sub(w.Start); d < 0 || d > tc.interval {
					t.Errorf("job %s: projected start %v after the real one (tolerance one interval)", w.JobID, d)
				}
				if w.End.After(now) {
					// Still running when sampling stopped: open, ending at the last batch.
					if !j.Open {
						t.Errorf("job %s runs past the last batch but is not open", w.JobID)
					}
				} else if d := j.End.Sub(w.End); d < 0 || d > tc.interval {
					t.Errorf("job %s: projected end %v after the real one (tolerance one interval)", w.JobID, d)
				}
				if math.Abs(j.Util*100-w.UtilPct) > 1e-4 { // the projection keeps float32 readings
					t.Errorf("job %s: util %v, want %v", w.JobID, j.Util*100, w.UtilPct)
				}
			}
		})
	}
}

// majorityOwner is the projection's rule: the holder of most of the GPUs, ties to the holder of
// the lowest index.
func majorityOwner(cfg collectors.NodeConfig, gpus []int) (string, string) {
	count := map[string]int{}
	best, bestGroup, bestN := "", "", 0
	for _, g := range gpus {
		o, _ := cfg.OwnerOf(g, "")
		count[o]++
	}
	for _, g := range gpus { // ascending: the first to reach the top count wins ties
		o, grp := cfg.OwnerOf(g, "")
		if count[o] > bestN {
			best, bestGroup, bestN = o, grp, count[o]
		}
	}
	return best, bestGroup
}
