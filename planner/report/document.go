package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/gpuplan/gpuplan/planner"
)

// The types below mirror the JSON that `gpuplan simulate --json` and `gpuplan plan` write. They are
// the renderer's own copy (not sim's or planner's types) so the brief reads any version of those
// documents: every field added later is optional here, and a pointer when "absent" must be told
// apart from zero. The exception is Stat, whose wire form (null for an unknown bound) the planner
// defines and both sides read the same way.

// Document is one results file: a simulate result, or a plan whose Run is the simulate result of the
// scenario as given.
type Document struct {
	File string `json:"-"` // for messages
	Kind string `json:"kind"`
	Run
	Plan *Plan `json:"-"`
}

// Run is a simulate result.
type Run struct {
	Scenario     string       `json:"scenario"`
	ScenarioHash string       `json:"scenario_hash"`
	Seed         uint64       `json:"seed"`
	Version      string       `json:"version"`
	WindowS      *float64     `json:"window_s"`
	Measure      *Measure     `json:"measure"`
	Policies     []Policy     `json:"policies"`
	Comparisons  []Comparison `json:"comparisons"`
	// Assumptions are the scenario's inputs with their sources, when the writer embedded them.
	Assumptions []Assumption `json:"assumptions"`
	// Events is the range of the event log the run replayed, when it came from the log.
	Events *EventRange `json:"events"`
}

// Measure is the measurement window: a steady-state window excludes warm-up and drain.
type Measure struct {
	FromS       float64 `json:"from_s"`
	ToS         float64 `json:"to_s"`
	SteadyState bool    `json:"steady_state"`
}

// EventRange names the part of the event log a run read.
type EventRange struct {
	Since    string `json:"since"`
	Until    string `json:"until"`
	FirstSeq uint64 `json:"first_seq"`
	LastSeq  uint64 `json:"last_seq"`
}

// Policy is one simulated world.
type Policy struct {
	Name                string    `json:"name"`
	GPUs                int       `json:"gpus"`
	Jobs                Jobs      `json:"jobs"`
	WaitS               Summary   `json:"wait_s"`
	MeanBoundedSlowdown float64   `json:"mean_bounded_slowdown"`
	Utilization         float64   `json:"utilization"`
	WindowS             float64   `json:"window_s"`
	GPUHours            float64   `json:"gpu_hours"`
	EnergyKWh           Energy    `json:"energy_kwh"`
	PeakPowerKW         float64   `json:"peak_power_kw"`
	CapTimeShare        float64   `json:"cap_time_share"`
	CostKRW             float64   `json:"cost_krw"`
	EmissionsKgCO2      *float64  `json:"emissions_kg_co2"` // null: no emission factor
	JainSlowdown        float64   `json:"jain_slowdown"`
	MakespanS           *float64  `json:"makespan_s"`
	KWhPerGPUHour       *float64  `json:"kwh_per_gpu_hour"`
	KRWPerGPUHour       *float64  `json:"krw_per_gpu_hour"`
	WaitCDFS            []float64 `json:"wait_cdf_s"`   // percentiles 0..100 of wait
	PowerCapKW          *float64  `json:"power_cap_kw"` // null: uncapped
	// CapGiven says whether the results carry power_cap_kw at all (null counts): older results do
	// not, and then a nil PowerCapKW means "not known" rather than "uncapped".
	CapGiven bool          `json:"-"`
	Owners   []OwnerResult `json:"owners"`
	Timeline Timeline      `json:"timeline"`
}

// Jobs counts a world's jobs.
type Jobs struct {
	Submitted          int     `json:"submitted"`
	Completed          int     `json:"completed"`
	Infeasible         int     `json:"infeasible"`
	InfeasibleGPUHours float64 `json:"infeasible_gpu_hours"`
}

// Summary is a wait distribution in seconds.
type Summary struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// Energy is IT and facility (IT x PUE) energy in kWh.
type Energy struct {
	IT       float64 `json:"it"`
	Facility float64 `json:"facility"`
}

// OwnerResult is one researcher's outcome in one world.
type OwnerResult struct {
	Owner     string  `json:"owner"`
	Jobs      int     `json:"jobs"`
	MeanWaitS float64 `json:"mean_wait_s"`
	P95WaitS  float64 `json:"p95_wait_s"`
	GPUHours  float64 `json:"gpu_hours"`
}

// Timeline is a sampled trace of a world; all slices have the same length.
type Timeline struct {
	TS          []float64 `json:"t_s"`
	Utilization []float64 `json:"utilization"`
	Queued      []float64 `json:"queued"`
	PowerKW     []float64 `json:"power_kw"`
	LimitFrac   []float64 `json:"limit_frac"`
}

// Comparison is one policy against the baseline, owner by owner.
type Comparison struct {
	Baseline  string       `json:"baseline"`
	Policy    string       `json:"policy"`
	Better    int          `json:"better"`
	Worse     int          `json:"worse"`
	Unchanged int          `json:"unchanged"`
	Worst     []string     `json:"worst"`
	Owners    []OwnerDelta `json:"owners"`
}

// OwnerDelta is one owner's change from the baseline.
type OwnerDelta struct {
	Owner             string  `json:"owner"`
	BaselineMeanWaitS float64 `json:"baseline_mean_wait_s"`
	MeanWaitS         float64 `json:"mean_wait_s"`
	BaselineP95WaitS  float64 `json:"baseline_p95_wait_s"`
	P95WaitS          float64 `json:"p95_wait_s"`
	Verdict           string  `json:"verdict"`
}

// Assumption is one input of the scenario and where its number comes from.
type Assumption struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"`
	// Estimate marks a number the scenario itself calls an estimate.
	Estimate bool `json:"estimate"`
}

// Plan is a `gpuplan plan` result: sweep points with intervals, an optional sizing, and the run of
// the scenario as given.
type Plan struct {
	Scenario     string       `json:"scenario"`
	ScenarioHash string       `json:"scenario_hash"`
	Version      string       `json:"version"`
	Seeds        []uint64     `json:"seeds"`
	Reps         int          `json:"reps"`
	Measure      *Measure     `json:"measure"`
	Sweep        []SweepKey   `json:"sweep"`
	Points       []Point      `json:"points"`
	Sizing       *Sizing      `json:"sizing"`
	Run          *Run         `json:"run"`
	Assumptions  []Assumption `json:"assumptions"`
	Events       *EventRange  `json:"events"`
}

// SweepKey is one swept parameter and its values in sweep order.
type SweepKey struct {
	Key    string  `json:"key"`
	Values []Value `json:"values"`
}

// Point is one combination of sweep values, replicated over the plan's seeds.
type Point struct {
	Params  map[string]Value `json:"params"`
	Runs    int              `json:"runs"`
	Metrics map[string]Stat  `json:"metrics"`
}

// Stat is a metric's mean over seeds and its 95% confidence interval [Lo, Hi], as the planner
// writes it. One run has no interval: its bounds and sd are null, read as NaN (not 0, which would
// be a claim about the interval).
type Stat = planner.Stat

// Sizing is a search for the smallest or largest setting that meets a target.
type Sizing struct {
	Kind    string        `json:"kind"` // gpus, power or cap
	Target  Target        `json:"target"`
	Answer  *float64      `json:"answer"` // null: no searched value met the target
	Settled bool          `json:"settled"`
	Curve   []SizingPoint `json:"curve"`
}

// Target is the metric a sizing holds at or below a value.
type Target struct {
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
}

// SizingPoint is one searched setting.
type SizingPoint struct {
	X       float64         `json:"x"`
	Metrics map[string]Stat `json:"metrics"`
}

// Value is a sweep value: a number, or a name such as a policy.
type Value struct {
	Num   float64
	Str   string
	IsNum bool
}

// UnmarshalJSON accepts a JSON number or string.
func (v *Value) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*v = Value{}
		return json.Unmarshal(b, &v.Str)
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return errors.New("want a number or a string")
	}
	*v = Value{Num: f, IsNum: true}
	return nil
}

// MarshalJSON writes the value back as it was read.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.IsNum {
		return json.Marshal(v.Num)
	}
	return json.Marshal(v.Str)
}

// String is the value as a plain token, as in a CSV cell.
func (v Value) String() string {
	if v.IsNum {
		return strconv.FormatFloat(v.Num, 'g', -1, 64)
	}
	return v.Str
}

// Metric names of plan points and sizing curves.
const (
	MetricWaitMean    = "wait_mean_s"
	MetricWaitP50     = "wait_p50_s"
	MetricWaitP95     = "wait_p95_s"
	MetricWaitP99     = "wait_p99_s"
	MetricUtilization = "utilization"
	MetricEnergyFac   = "energy_facility_kwh"
	MetricEnergyIT    = "energy_it_kwh"
	MetricPeakPower   = "peak_power_kw"
	MetricCost        = "cost_krw"
	MetricEmissions   = "emissions_kg_co2"
	MetricKWhPerGPUH  = "kwh_per_gpu_hour"
	MetricSlowdown    = "mean_bounded_slowdown"
	MetricCapShare    = "cap_time_share"
	MetricCompleted   = "completed"
	MetricInfeasible  = "infeasible"
)

// Seeds lists the seeds behind the document's numbers.
func (d *Document) Seeds() []uint64 {
	if d.Plan != nil && len(d.Plan.Seeds) > 0 {
		return d.Plan.Seeds
	}
	return []uint64{d.Seed}
}

// Policy returns the named policy's result, or nil.
func (r *Run) Policy(name string) *Policy {
	for i := range r.Policies {
		if r.Policies[i].Name == name {
			return &r.Policies[i]
		}
	}
	return nil
}

func (e *DecodeError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Field, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

func (e *DecodeError) Unwrap() error { return ErrBadResults }
