package planner

import "github.com/gpuplan/gpuplan/sim"

// Metric names: the headline figures of one policy's run, each summarised per point.
const (
	MetricWaitMean        = "wait_mean_s"
	MetricWaitP50         = "wait_p50_s"
	MetricWaitP95         = "wait_p95_s"
	MetricWaitP99         = "wait_p99_s"
	MetricUtilization     = "utilization"
	MetricEnergyFacility  = "energy_facility_kwh"
	MetricEnergyIT        = "energy_it_kwh"
	MetricPeakPower       = "peak_power_kw"
	MetricCost            = "cost_krw"
	MetricEmissions       = "emissions_kg_co2"
	MetricKWhPerGPUHour   = "kwh_per_gpu_hour"
	MetricKRWPerGPUHour   = "krw_per_gpu_hour"
	MetricBoundedSlowdown = "mean_bounded_slowdown"
	MetricCapTimeShare    = "cap_time_share"
	MetricCompleted       = "completed"
	MetricInfeasible      = "infeasible"
	MetricGPUs            = "gpus" // GPUs the policy ran on (the farm's size)
	// The fragmented world of the same demand and seed, for comparison.
	MetricFragWaitP95    = "fragmented_wait_p95_s"
	MetricFragInfeasible = "fragmented_infeasible"
)

// MetricNames lists the metrics in the order tables show them.
func MetricNames() []string {
	return []string{MetricWaitMean, MetricWaitP50, MetricWaitP95, MetricWaitP99, MetricUtilization,
		MetricEnergyFacility, MetricEnergyIT, MetricPeakPower, MetricCost, MetricEmissions,
		MetricKWhPerGPUHour, MetricKRWPerGPUHour, MetricBoundedSlowdown, MetricCapTimeShare, MetricCompleted,
		MetricInfeasible, MetricGPUs, MetricFragWaitP95, MetricFragInfeasible}
}

// Metrics is one run's figures by metric name.
type Metrics map[string]float64

// MetricsOf is the one place that reads a sim.Result: the headline figures of one policy's run,
// over the window the simulator measured (one window for every policy of a run). A figure with no
// input behind it (cost without prices, emissions without a grid factor, per-GPU-hour figures
// when no work was delivered) is left out rather than reported as 0, so a point's summary and the
// brief show it as missing.
func MetricsOf(r *sim.Result) Metrics {
	m := Metrics{
		MetricWaitMean:        r.WaitS.Mean,
		MetricWaitP50:         r.WaitS.P50,
		MetricWaitP95:         r.WaitS.P95,
		MetricWaitP99:         r.WaitS.P99,
		MetricUtilization:     r.Utilization,
		MetricEnergyFacility:  r.EnergyKWh.Facility,
		MetricEnergyIT:        r.EnergyKWh.IT,
		MetricPeakPower:       r.PeakPowerKW,
		MetricBoundedSlowdown: r.MeanBoundedSlowdown,
		MetricCapTimeShare:    r.CapTimeShare,
		MetricCompleted:       float64(r.Jobs.Completed),
		MetricInfeasible:      float64(r.Jobs.Infeasible),
		MetricGPUs:            float64(r.GPUs),
	}
	if r.HasCost() {
		m[MetricCost] = r.CostKRW
	}
	if r.HasEmissions() {
		m[MetricEmissions] = r.EmissionsKgCO2
	}
	if r.KWhPerGPUHour != nil {
		m[MetricKWhPerGPUHour] = *r.KWhPerGPUHour
	}
	if r.KRWPerGPUHour != nil {
		m[MetricKRWPerGPUHour] = *r.KRWPerGPUHour
	}
	return m
}

// summarizeRuns turns per-seed metrics (in seed order) into one Stat per metric present in all.
func summarizeRuns(runs []Metrics) map[string]Stat {
	out := map[string]Stat{}
	if len(runs) == 0 {
		return out
	}
	xs := make([]float64, len(runs))
	for name := range runs[0] {
		ok := true
		for i, r := range runs {
			v, has := r[name]
			if !has {
				ok = false
				break
			}
			xs[i] = v
		}
		if ok {
			out[name] = Summarize(xs)
		}
	}
	return out
}
