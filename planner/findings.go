package planner

import "github.com/gpuplan/gpuplan/sim"

// Finding sets one farm policy's headline figures against the fragmented world's: each pair is
// (fragmented, policy).
type Finding struct {
	Policy             string
	MeanWaitS          [2]float64
	P95WaitS           [2]float64
	Utilization        [2]float64 // 0..1
	FacilityMWh        [2]float64
	InfeasibleGPUHours [2]float64
}

// Findings compares every policy of res with the fragmented run, in the order run; nil when
// fragmented was not run, since the findings are stated against today's private pools.
func Findings(res []*sim.Result) []Finding {
	var base *sim.Result
	for _, r := range res {
		if r.Name == "fragmented" {
			base = r
		}
	}
	if base == nil {
		return nil
	}
	var out []Finding
	for _, r := range res {
		if r == base {
			continue
		}
		out = append(out, Finding{
			Policy:             r.Name,
			MeanWaitS:          [2]float64{base.WaitS.Mean, r.WaitS.Mean},
			P95WaitS:           [2]float64{base.WaitS.P95, r.WaitS.P95},
			Utilization:        [2]float64{base.Utilization, r.Utilization},
			FacilityMWh:        [2]float64{base.EnergyKWh.Facility / 1000, r.EnergyKWh.Facility / 1000},
			InfeasibleGPUHours: [2]float64{base.Jobs.InfeasibleGPUHours, r.Jobs.InfeasibleGPUHours},
		})
	}
	return out
}
