package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gpuplan/gpuplan"
)

// Payload is implemented by the data type of each known kind; Kind says which.
type Payload interface {
	Kind() Kind
}

// validator is implemented by this package's payloads: New and Decode call it so that an event
// missing its identity (a sample batch without a node, a job without an id) never enters or leaves
// the log looking valid.
type validator interface {
	validate() error
}

// GPUInventory describes a node's GPUs. Collectors publish it on start and whenever it changes.
type GPUInventory struct {
	Node          string    `json:"node"`
	Site          string    `json:"site,omitempty"`
	DriverVersion string    `json:"driver_version,omitempty"`
	CUDAVersion   string    `json:"cuda_version,omitempty"`
	GPUs          []GPUInfo `json:"gpus"`
}

// GPUInfo is one GPU of an inventory. Power values are watts; 0 means not reported.
type GPUInfo struct {
	Index              int     `json:"index"` // NVML index on the node
	UUID               string  `json:"uuid"`
	Name               string  `json:"name"`            // product name as NVML reports it
	Model              string  `json:"model,omitempty"` // gpuplan GPU type name, when known
	MemoryBytes        uint64  `json:"memory_bytes"`
	PowerLimitW        float64 `json:"power_limit_w,omitzero"` // enforced limit now
	DefaultPowerLimitW float64 `json:"default_power_limit_w,omitzero"`
	MinPowerLimitW     float64 `json:"min_power_limit_w,omitzero"`
	MaxPowerLimitW     float64 `json:"max_power_limit_w,omitzero"`
	TDPW               float64 `json:"tdp_w,omitzero"`
	PCIBusID           string  `json:"pci_bus_id,omitempty"` // e.g. 00000000:18:00.0
	// MIGMode is NVML's current MIG mode: 1 enabled, 0 disabled or not supported.
	MIGMode    int         `json:"mig_mode,omitzero"`
	MIGDevices []MIGDevice `json:"mig_devices,omitempty"` // MIG instances, when MIG is enabled
}

// MIGDevice is one MIG instance of a GPU.
type MIGDevice struct {
	Index             int    `json:"index"` // MIG device index within its GPU
	UUID              string `json:"uuid"`
	GPUInstanceID     int    `json:"gpu_instance_id"`
	ComputeInstanceID int    `json:"compute_instance_id"`
	MemoryBytes       uint64 `json:"memory_bytes,omitzero"`
}

// Kind returns KindGPUInventory.
func (GPUInventory) Kind() Kind { return KindGPUInventory }

func (p GPUInventory) validate() error {
	if p.Node == "" {
		return errors.New("node is empty")
	}
	for i, g := range p.GPUs {
		for _, f := range []struct {
			name string
			w    float64
		}{{"power_limit_w", g.PowerLimitW}, {"default_power_limit_w", g.DefaultPowerLimitW},
			{"min_power_limit_w", g.MinPowerLimitW}, {"max_power_limit_w", g.MaxPowerLimitW}, {"tdp_w", g.TDPW}} {
			if err := checkRange(fmt.Sprintf("gpus[%d].%s", i, f.name), f.w, 0, gpuplan.MaxPowerW); err != nil {
				return err
			}
		}
	}
	return nil
}

// GPUSampleBatch is one sampling interval of a node's GPUs. The event time is when the
// interval ended; utilization values are NVML's averages over its own sample period.
type GPUSampleBatch struct {
	Node      string      `json:"node"`
	Site      string      `json:"site,omitempty"`
	IntervalS float64     `json:"interval_s"` // seconds between batches; a projection ends jobs by it
	GPUs      []GPUSample `json:"gpus"`
}

// GPUSample is one GPU in a sample batch. For power, energy, temperature and clocks 0 means not
// reported: NVML does not offer every reading on every GPU.
type GPUSample struct {
	Index           int          `json:"index"`
	UUID            string       `json:"uuid"`
	UtilPct         float64      `json:"util_pct"`              // GPU utilization, 0..100
	MemUtilPct      float64      `json:"mem_util_pct,omitzero"` // memory bandwidth utilization, 0..100
	MemUsedBytes    uint64       `json:"mem_used_bytes"`
	MemTotalBytes   uint64       `json:"mem_total_bytes"`
	PowerW          float64      `json:"power_w,omitzero"`       // draw now
	PowerLimitW     float64      `json:"power_limit_w,omitzero"` // enforced limit now
	EnergyMJ        uint64       `json:"energy_mj,omitzero"`     // NVML total energy counter, millijoules since driver load
	TempC           int          `json:"temp_c,omitzero"`
	SMClockMHz      int          `json:"sm_clock_mhz,omitzero"`
	MemClockMHz     int          `json:"mem_clock_mhz,omitzero"`
	ThrottleReasons uint64       `json:"throttle_reasons"`    // NVML clocks event reasons bitmask
	Processes       []GPUProcess `json:"processes,omitempty"` // compute processes on this GPU
	// EnergyDeltaMJ is the energy used since the collector's previous batch, from the difference
	// of two EnergyMJ readings (not power x time). When the counter went backwards (driver
	// reload, GPU reset) it is the counter's new value, the energy since the reset. 0 on a
	// collector's first batch and when the counter is not reported.
	EnergyDeltaMJ uint64 `json:"energy_delta_mj,omitzero"`
}

// GPUProcess is a process seen on a GPU.
type GPUProcess struct {
	PID             int    `json:"pid"`
	User            string `json:"user,omitempty"`
	UsedMemoryBytes uint64 `json:"used_memory_bytes,omitzero"`
	// SMUtilPct is the process's share of the GPU's streaming multiprocessors over the last
	// interval, 0..100, where the driver reports per-process utilization (0 otherwise).
	SMUtilPct float64 `json:"sm_util_pct,omitzero"`
	// Cgroup is the process's cgroup path (cgroup v2, or the v1 memory or cpu controller's).
	Cgroup string `json:"cgroup,omitempty"`
	// Container is the container id found in the cgroup path (docker, containerd, CRI-O, podman).
	Container string `json:"container,omitempty"`
	// JobID is the batch scheduler's job id (Slurm), from the cgroup path or SLURM_JOB_ID in the
	// process environment.
	JobID string `json:"job_id,omitempty"`
}

// Kind returns KindGPUSampleBatch.
func (GPUSampleBatch) Kind() Kind { return KindGPUSampleBatch }

func (p GPUSampleBatch) validate() error {
	if p.Node == "" {
		return errors.New("node is empty")
	}
	if !(p.IntervalS > 0) || math.IsInf(p.IntervalS, 0) {
		return fmt.Errorf("interval_s %v is not a positive number", p.IntervalS)
	}
	if p.IntervalS > gpuplan.MaxSeconds {
		return fmt.Errorf("interval_s %v outside 0..%v", p.IntervalS, float64(gpuplan.MaxSeconds))
	}
	// Only the readings a projection uses are bounded, so that its fast decoder (which reads
	// no others) refuses exactly what this does.
	for i := range p.GPUs {
		g := &p.GPUs[i]
		if err := checkRange(fmt.Sprintf("gpus[%d].util_pct", i), g.UtilPct, 0, 100); err != nil {
			return err
		}
		if err := checkRange(fmt.Sprintf("gpus[%d].power_w", i), g.PowerW, 0, gpuplan.MaxPowerW); err != nil {
			return err
		}
	}
	return nil
}

// OwnershipAssigned hands GPUs of one node to an owner. GPUs are named by UUID, by index or both;
// neither means every GPU of the node.
type OwnershipAssigned struct {
	Owner      string   `json:"owner"`
	Group      string   `json:"group,omitempty"`
	Site       string   `json:"site,omitempty"`
	Node       string   `json:"node"`
	GPUUUIDs   []string `json:"gpu_uuids,omitempty"`
	GPUIndices []int    `json:"gpu_indices,omitempty"`
	By         string   `json:"by,omitempty"` // who made the change, for the audit trail
}

// Kind returns KindOwnershipAssigned.
func (OwnershipAssigned) Kind() Kind { return KindOwnershipAssigned }

func (p OwnershipAssigned) validate() error { return validateOwnership(p.Owner, p.Node) }

// OwnershipReleased takes GPUs of one node back from an owner; the fields mean what they mean in
// OwnershipAssigned.
type OwnershipReleased struct {
	Owner      string   `json:"owner"`
	Group      string   `json:"group,omitempty"`
	Site       string   `json:"site,omitempty"`
	Node       string   `json:"node"`
	GPUUUIDs   []string `json:"gpu_uuids,omitempty"`
	GPUIndices []int    `json:"gpu_indices,omitempty"`
	By         string   `json:"by,omitempty"`
}

// Kind returns KindOwnershipReleased.
func (OwnershipReleased) Kind() Kind { return KindOwnershipReleased }

func (p OwnershipReleased) validate() error { return validateOwnership(p.Owner, p.Node) }

func validateOwnership(owner, node string) error {
	if owner == "" {
		return errors.New("owner is empty")
	}
	if node == "" {
		return errors.New("node is empty")
	}
	return nil
}

// JobSource says where a job event came from.
type JobSource string

// Job sources. Readers must accept values not listed here: new sources may be added.
const (
	JobSourceProjection JobSource = "projection" // derived from GPU samples
	JobSourceImport     JobSource = "import"     // converted from a trace file
	JobSourceScheduler  JobSource = "scheduler"  // reported by a batch scheduler
)

// JobStarted says a job began using GPUs.
type JobStarted struct {
	JobID    string    `json:"job_id"`
	Owner    string    `json:"owner"`
	Group    string    `json:"group,omitempty"`
	User     string    `json:"user,omitempty"` // the OS user, when it differs from the owner
	Site     string    `json:"site,omitempty"`
	Nodes    []string  `json:"nodes,omitempty"`
	GPUs     int       `json:"gpus"` // GPU count
	GPUUUIDs []string  `json:"gpu_uuids,omitempty"`
	GPUType  string    `json:"gpu_type,omitempty"`
	PID      int       `json:"pid,omitzero"` // for projected jobs: the process on the first node
	Submit   time.Time `json:"submit,omitzero"`
	Start    time.Time `json:"start"`
	Source   JobSource `json:"source"`
}

// Kind returns KindJobStarted.
func (JobStarted) Kind() Kind { return KindJobStarted }

func (p JobStarted) validate() error {
	return validateJob(p.JobID, p.GPUs, p.Submit, p.Start, time.Time{})
}

// JobFinished says a job stopped using GPUs. It repeats the start fields so that a consumer can
// build a job from the finish event alone.
type JobFinished struct {
	JobID      string    `json:"job_id"`
	Owner      string    `json:"owner"`
	Group      string    `json:"group,omitempty"`
	User       string    `json:"user,omitempty"`
	Site       string    `json:"site,omitempty"`
	Nodes      []string  `json:"nodes,omitempty"`
	GPUs       int       `json:"gpus"`
	GPUUUIDs   []string  `json:"gpu_uuids,omitempty"`
	GPUType    string    `json:"gpu_type,omitempty"`
	PID        int       `json:"pid,omitzero"`
	Submit     time.Time `json:"submit,omitzero"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	MeanUtil   float64   `json:"mean_util,omitzero"`    // mean GPU utilization 0..1 (as gpuplan.Job.Util); 0 unknown
	MeanPowerW float64   `json:"mean_power_w,omitzero"` // mean draw per GPU in watts; 0 unknown
	Source     JobSource `json:"source"`
	// Trace is set by trace importers only: see JobTrace.
	Trace *JobTrace `json:"trace,omitempty"`
}

// JobTrace places an imported job in the workload its trace reader produced, so that a replay
// rebuilds that workload bit for bit: event times are rounded to nanoseconds and do not keep a
// reader's float64 seconds exactly, and synthetic owners are not numbered in order of appearance.
// Imported jobs have no queueing history: Start is Submit and End is Start plus the duration.
type JobTrace struct {
	File   string `json:"file,omitempty"`   // base name of the trace file, for people
	Format string `json:"format,omitempty"` // the reader's format name (csv, itp, ...)
	// Seq is the job's 0-based position in the imported workload (all files of one import, in order).
	Seq int64 `json:"seq"`
	// OwnerIndex and GroupIndex are the job's indexes into that workload's owner and group lists
	// (GroupIndex -1: no group).
	OwnerIndex int32 `json:"owner_index"`
	GroupIndex int32 `json:"group_index"`
	// SubmitS and DurationS are the reader's values exactly: submit seconds since the import's
	// epoch (Submit minus the epoch, before rounding) and duration seconds (End minus Start).
	SubmitS   float64 `json:"submit_s"`
	DurationS float64 `json:"duration_s"`
}

// Kind returns KindJobFinished.
func (JobFinished) Kind() Kind { return KindJobFinished }

func (p JobFinished) validate() error {
	if err := validateJob(p.JobID, p.GPUs, p.Submit, p.Start, p.End); err != nil {
		return err
	}
	if err := checkRange("mean_util", p.MeanUtil, 0, 1); err != nil {
		return err
	}
	if err := checkRange("mean_power_w", p.MeanPowerW, 0, gpuplan.MaxPowerW); err != nil {
		return err
	}
	if t := p.Trace; t != nil {
		switch {
		case t.Seq < 0:
			return fmt.Errorf("trace seq %d is negative", t.Seq)
		case t.OwnerIndex < 0:
			return fmt.Errorf("trace owner_index %d is negative", t.OwnerIndex)
		case t.GroupIndex < -1:
			return fmt.Errorf("trace group_index %d is below -1", t.GroupIndex)
		case !(t.SubmitS >= 0) || !(t.DurationS >= 0):
			return fmt.Errorf("trace submit_s %v or duration_s %v is not a non-negative number", t.SubmitS, t.DurationS)
		case !finite(t.SubmitS):
			return fmt.Errorf("trace submit_s %v is not finite", t.SubmitS)
		case t.DurationS > gpuplan.MaxSeconds:
			return fmt.Errorf("trace duration_s %v outside 0..%v", t.DurationS, float64(gpuplan.MaxSeconds))
		}
	}
	return nil
}

func validateJob(id string, gpus int, submit, start, end time.Time) error {
	switch {
	case id == "":
		return errors.New("job_id is empty")
	case start.IsZero():
		return errors.New("start is missing")
	case !end.IsZero() && end.Before(start):
		return fmt.Errorf("end %s is before start %s", end.Format(time.RFC3339Nano), start.Format(time.RFC3339Nano))
	}
	if err := checkGPUs(gpus); err != nil {
		return err
	}
	if err := checkTime("start", start); err != nil {
		return err
	}
	if !submit.IsZero() {
		if err := checkTime("submit", submit); err != nil {
			return err
		}
	}
	if !end.IsZero() {
		if err := checkTime("end", end); err != nil {
			return err
		}
		if err := checkDuration("duration (end - start)", end.Sub(start)); err != nil {
			return err
		}
	}
	return nil
}

// PlannerRun records a planner run so that every report can be traced to its inputs.
type PlannerRun struct {
	InputsHash string          `json:"inputs_hash"` // hash of the scenario and sweep inputs
	Seed       uint64          `json:"seed"`
	Version    string          `json:"version"` // gpuplan version that ran it
	Scenario   string          `json:"scenario,omitempty"`
	Site       string          `json:"site,omitempty"`
	Summary    json.RawMessage `json:"summary,omitempty"` // the planner's own summary document
}

// Kind returns KindPlannerRun.
func (PlannerRun) Kind() Kind { return KindPlannerRun }

func (p PlannerRun) validate() error {
	if p.InputsHash == "" {
		return errors.New("inputs_hash is empty")
	}
	return nil
}

// JobRetracted withdraws a job, named by its job id, from every projection and rebuilt workload
// without editing the log: a job that should never have been stored (a forged or mistaken
// record) is compensated for, and the log still shows both events. It applies whatever its
// time and wherever it sits in the stream, before or after the job's own events, so consumers
// read retractions over the whole log, not only the time range they replay. Its event id is
// RetractionID(job id), so retracting a job twice stores one event.
type JobRetracted struct {
	JobID  string `json:"job_id"`
	Reason string `json:"reason,omitempty"` // why, for the audit trail
	By     string `json:"by,omitempty"`     // who retracted it
}

// Kind returns KindJobRetracted.
func (JobRetracted) Kind() Kind { return KindJobRetracted }

func (p JobRetracted) validate() error {
	if p.JobID == "" {
		return errors.New("job_id is empty")
	}
	return nil
}

// RetractionID is the event id of the retraction of a job: one per job id, so that a second
// retraction is a duplicate the store drops. Stored ids depend on it: never change it.
func RetractionID(jobID string) string { return DeriveID("gpuplan.job.retracted", jobID) }
