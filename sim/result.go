package sim

import "encoding/json"

// JobCounts counts the jobs of one run.
type JobCounts struct {
	Submitted          int     `json:"submitted"`
	Completed          int     `json:"completed"`
	Infeasible         int     `json:"infeasible"`
	InfeasibleGPUHours float64 `json:"infeasible_gpu_hours"`
}

// Summary holds order statistics; percentiles interpolate linearly between order statistics.
type Summary struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// Energy is in kWh.
type Energy struct {
	IT       float64 `json:"it"`
	Facility float64 `json:"facility"`
}

// OwnerResult is one owner's view of a run.
type OwnerResult struct {
	Owner               string  `json:"owner"`
	Jobs                int     `json:"jobs"`
	Infeasible          int     `json:"infeasible"`
	MeanWaitS           float64 `json:"mean_wait_s"`
	P95WaitS            float64 `json:"p95_wait_s"`
	MeanBoundedSlowdown float64 `json:"mean_bounded_slowdown"`
	GPUHours            float64 `json:"gpu_hours"`
	// Quota policy only: the owner's guarantee, their jobs preempted (counting each
	// preemption), GPU-hours they lost, and jobs that waited in quota longer than the grace time,
	// over the window as Result's totals are.
	QuotaGPUs           int     `json:"quota_gpus,omitempty"`
	Preemptions         int     `json:"preemptions,omitempty"`
	LostGPUHours        float64 `json:"lost_gpu_hours,omitempty"`
	GuaranteeViolations int     `json:"guarantee_violations,omitempty"`
}

// Timeline is sampled at evenly spaced times across the window.
type Timeline struct {
	T           []float64 `json:"t_s"`
	Utilization []float64 `json:"utilization"`
	Queued      []int     `json:"queued"`
	PowerKW     []float64 `json:"power_kw"`
	LimitFrac   []float64 `json:"limit_frac"`
}

// Window is the span a Result measures, in seconds from the first submit; SteadyState says it
// was chosen (Options.Measure) rather than the whole run.
type Window struct {
	FromS       float64 `json:"from_s"`
	ToS         float64 `json:"to_s"`
	SteadyState bool    `json:"steady_state"`
}

// Result is the outcome of one policy over one workload. Nothing in it depends on wall-clock time,
// so the same inputs give the same bytes.
type Result struct {
	Name                string    `json:"name"`
	GPUs                int       `json:"gpus"`
	Jobs                JobCounts `json:"jobs"`
	WaitS               Summary   `json:"wait_s"`
	MeanBoundedSlowdown float64   `json:"mean_bounded_slowdown"`
	Utilization         float64   `json:"utilization"`
	// WindowS is the measured window's length, the same for every policy of one RunAll;
	// MakespanS is this policy's own span, from the first submit to its last completion.
	WindowS   float64 `json:"window_s"`
	MakespanS float64 `json:"makespan_s"`
	// GPUHours is the work delivered in the window (a preempted job's where each run did it).
	GPUHours       float64 `json:"gpu_hours"`
	EnergyKWh      Energy  `json:"energy_kwh"`
	PeakPowerKW    float64 `json:"peak_power_kw"`
	CapTimeShare   float64 `json:"cap_time_share"`
	CostKRW        float64 `json:"cost_krw"`         // JSON null when no price is set (Prices)
	EmissionsKgCO2 float64 `json:"emissions_kg_co2"` // JSON null when no grid factor is set
	// KWhPerGPUHour and KRWPerGPUHour are facility energy and cost per GPU-hour delivered; nil
	// when no work was delivered (and KRW when no price is set).
	KWhPerGPUHour *float64 `json:"kwh_per_gpu_hour"`
	KRWPerGPUHour *float64 `json:"krw_per_gpu_hour"`
	// PowerCapKW sums the caps of the sites this policy's world uses; nil when none is capped.
	PowerCapKW *float64 `json:"power_cap_kw"`
	// WaitCDFS holds the q-th percentiles of the measured jobs' waits for q = 0..100 (numpy's
	// default interpolation); nil when no measured job completed.
	WaitCDFS     []float64 `json:"wait_cdf_s"`
	JainSlowdown float64   `json:"jain_slowdown"`
	// Preemptions counts jobs stopped to give GPUs back to an owner within quota, at a time in the
	// window; LostGPUHours is GPU time in the window that delivered no kept work (runs cut short
	// since their last checkpoint, and restart overheads); GuaranteeViolations counts measured
	// in-quota jobs that waited beyond the grace (doc.go, "Measurement window").
	Preemptions         int           `json:"preemptions,omitempty"`
	LostGPUHours        float64       `json:"lost_gpu_hours,omitempty"`
	GuaranteeViolations int           `json:"guarantee_violations,omitempty"`
	Owners              []OwnerResult `json:"owners"`
	Timeline            Timeline      `json:"timeline"`

	// Per job, in Workload.Jobs order: start and end times (NaN when infeasible). Not in JSON;
	// the CLI writes them with --per-job.
	Start []float64 `json:"-"`
	End   []float64 `json:"-"`

	// Window is what was measured and Prices the prices applied (they say which figures have an
	// input behind them).
	Window Window `json:"-"`
	Prices Prices `json:"-"`

	mFrom, mTo float64 // the measured jobs' submit times: [mFrom, mTo), absolute
}

// HasCost and HasEmissions say whether a price, or a grid factor, stands behind CostKRW and
// EmissionsKgCO2; without one the figure means nothing and JSON writes null.
func (r *Result) HasCost() bool      { return r.Prices.priced() }
func (r *Result) HasEmissions() bool { return r.Prices.KgCO2PerKWh != 0 }

// MarshalJSON writes the Result with null for figures that have no input behind them.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	out := struct {
		plain
		CostKRW        *float64 `json:"cost_krw"`
		EmissionsKgCO2 *float64 `json:"emissions_kg_co2"`
	}{plain: plain(r)}
	if r.HasCost() {
		out.CostKRW = &r.CostKRW
	}
	if r.HasEmissions() {
		out.EmissionsKgCO2 = &r.EmissionsKgCO2
	}
	return json.Marshal(out)
}

// Measures says whether a job submitted at submit is among the jobs r measured (Options.Measure:
// those submitted in the steady-state window, else all).
func (r *Result) Measures(submit float64) bool {
	return !r.Window.SteadyState || submit >= r.mFrom && submit < r.mTo
}
