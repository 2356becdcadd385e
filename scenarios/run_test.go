package scenarios

import (
	"math"
	"testing"

	"github.com/gpuplan/gpuplan/sim"
)

// TestSmallRunsUnderEveryPolicy runs the teaching scenario through the simulator and checks the
// bookkeeping every run must satisfy.
func TestSmallRunsUnderEveryPolicy(t *testing.T) {
	s, err := Builtin("small")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	var work float64
	for _, j := range b.Workload.Jobs {
		work += float64(j.GPUs) * j.Duration / 3600
	}
	for _, p := range sim.Policies() {
		t.Run(p, func(t *testing.T) {
			r, err := sim.Run(b.Cluster, b.Workload, p, b.Options)
			if err != nil {
				t.Fatal(err)
			}
			n := r.Jobs
			if n.Submitted != len(b.Workload.Jobs) || n.Completed+n.Infeasible != n.Submitted {
				t.Fatalf("jobs %+v for %d in the workload", n, len(b.Workload.Jobs))
			}
			// The small owners never ask for more than they hold, so nothing is infeasible, and
			// without a power cap every job runs at full speed: GPU-hours are the workload's.
			if n.Infeasible != 0 || math.Abs(r.GPUHours-work) > 1e-6*work {
				t.Errorf("infeasible %d, GPU-hours %.3f, want 0 and %.3f", n.Infeasible, r.GPUHours, work)
			}
			if !(r.WaitS.Mean >= 0 && r.WaitS.P50 <= r.WaitS.P95 && r.WaitS.P95 <= r.WaitS.Max) {
				t.Errorf("wait summary %+v", r.WaitS)
			}
			if !(r.Utilization > 0 && r.Utilization <= 1) || !(r.EnergyKWh.Facility > r.EnergyKWh.IT) || r.GPUs != 24 {
				t.Errorf("utilization %v, energy %+v, GPUs %d", r.Utilization, r.EnergyKWh, r.GPUs)
			}
		})
	}
}

// TestInstitute3000Runs checks the seed case does what its file says: every policy runs, the farm's
// cap binds at peaks only (some of the time, well under half), and pooling shortens waits.
func TestInstitute3000Runs(t *testing.T) {
	if testing.Short() {
		t.Skip("about 300,000 jobs")
	}
	s, err := Builtin("institute-3000")
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := sim.RunAll(b.Cluster, b.Workload, b.Policies, b.Options)
	if err != nil {
		t.Fatal(err)
	}
	// Measured in steady state: the jobs submitted from week 1 to the horizon, over that window.
	m := b.Options.Measure
	measured := 0
	for _, j := range b.Workload.Jobs {
		if s := j.Submit - b.Workload.Jobs[0].Submit; s >= m.FromS && s < m.ToS {
			measured++
		}
	}
	byName := map[string]*sim.Result{}
	for _, r := range rs {
		byName[r.Name] = r
		if r.Jobs.Submitted != measured || r.Jobs.Completed+r.Jobs.Infeasible != r.Jobs.Submitted || measured == len(b.Workload.Jobs) {
			t.Errorf("%s: jobs %+v, want %d of %d measured", r.Name, r.Jobs, measured, len(b.Workload.Jobs))
		}
		if w := (sim.Window{FromS: m.FromS, ToS: m.ToS, SteadyState: true}); r.Window != w || r.WindowS != m.ToS-m.FromS {
			t.Errorf("%s: window %+v (%g s), want %+v", r.Name, r.Window, r.WindowS, w)
		}
	}
	capKW := b.Cluster.Sites[1].CapW / 1000
	for _, p := range []string{"fifo", "easy"} {
		r := byName[p]
		if !(r.CapTimeShare > 0 && r.CapTimeShare < 0.3) || r.PeakPowerKW > capKW*(1+1e-9) {
			t.Errorf("%s: at the cap %.1f%% of the time, peak %.0f kW for a %.0f kW cap", p, 100*r.CapTimeShare, r.PeakPowerKW, capKW)
		}
		if !(r.WaitS.P95 < byName["fragmented"].WaitS.P95) {
			t.Errorf("%s p95 wait %.0f s not below fragmented %.0f s", p, r.WaitS.P95, byName["fragmented"].WaitS.P95)
		}
	}
}
