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
