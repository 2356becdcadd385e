package planner_test

import (
	"math"
	"testing"

	"github.com/gpuplan/gpuplan/planner"
)

func TestFindings(t *testing.T) {
	const relTol = 1e-12 // the figures are copied; only kWh to MWh is a division
	cases := []struct {
		name     string
		policies []string
		want     []string // policies with a finding, in order
	}{
		{"every farm policy against fragmented", []string{"fragmented", "fifo", "easy"}, []string{"fifo", "easy"}},
		{"fragmented last", []string{"fifo", "fragmented"}, []string{"fifo"}},
		{"no fragmented, no findings", []string{"fifo", "easy"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, res := twoOwners(t, c.policies...)
			fs := planner.Findings(res)
			if len(fs) != len(c.want) {
				t.Fatalf("%d findings, want %d", len(fs), len(c.want))
			}
			by := map[string]int{}
			for i, r := range res {
				by[r.Name] = i
			}
			frag := res[by["fragmented"]]
			for i, f := range fs {
				r := res[by[f.Policy]]
				if f.Policy != c.want[i] {
					t.Errorf("finding %d is %s, want %s", i, f.Policy, c.want[i])
				}
				if f.MeanWaitS != [2]float64{frag.WaitS.Mean, r.WaitS.Mean} || f.P95WaitS != [2]float64{frag.WaitS.P95, r.WaitS.P95} ||
					f.Utilization != [2]float64{frag.Utilization, r.Utilization} ||
					f.InfeasibleGPUHours != [2]float64{frag.Jobs.InfeasibleGPUHours, r.Jobs.InfeasibleGPUHours} {
					t.Errorf("%s: %+v does not pair fragmented's figures with its own", f.Policy, f)
				}
				if d := f.FacilityMWh[1]*1000 - r.EnergyKWh.Facility; math.Abs(d) > relTol*math.Abs(r.EnergyKWh.Facility) {
					t.Errorf("%s: facility %v MWh, run has %v kWh", f.Policy, f.FacilityMWh[1], r.EnergyKWh.Facility)
				}
			}
			// Bob's 3-GPU job is infeasible only in the fragmented world: the findings must show it.
			for _, f := range fs {
				if !(f.InfeasibleGPUHours[0] > f.InfeasibleGPUHours[1]) {
					t.Errorf("%s: infeasible %v, want fragmented's above the farm's", f.Policy, f.InfeasibleGPUHours)
				}
			}
		})
	}
}
