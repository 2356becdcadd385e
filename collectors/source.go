package collectors

import (
	"errors"

	"github.com/gpuplan/gpuplan/events"
)

// ErrNoDriver: the GPU driver (NVML) could not be initialised on this machine.
var ErrNoDriver = errors.New("collectors: no NVIDIA driver")

// Source reads a node's GPUs. Implementations are read-only towards the GPUs.
type Source interface {
	// Inventory describes the GPUs; Node and Site are left for the Collector to fill.
	Inventory() (events.GPUInventory, error)
	// Sample reads every GPU once. Processes carry pid, GPU memory and per-process utilization
	// where the driver reports them; the Collector adds user, cgroup and job id. EnergyDeltaMJ is
	// left 0: the Collector derives it from consecutive EnergyMJ readings.
	Sample() ([]events.GPUSample, error)
}

// Proc is what a ProcReader knows about a process. Only these fields leave the node: no command
// line, no environment beyond the scheduler's job id.
type Proc struct {
	User      string
	Cgroup    string
	Container string
	JobID     string
}

// ProcReader looks up processes by pid; ok is false when the process is gone or unreadable.
type ProcReader interface {
	Proc(pid int) (p Proc, ok bool)
}
