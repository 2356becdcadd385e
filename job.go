package gpuplan

// Job is one unit of GPU demand: an owner asks for GPUs at Submit for Duration seconds at full speed.
type Job struct {
	ID       string
	Owner    int32   // index into Workload.Owners
	Group    int32   // index into Workload.Groups, -1 when unknown
	Submit   float64 // seconds
	GPUs     int32
	Duration float64 // seconds at full speed and full power limit
	PowerW   float64 // mean per-GPU draw while busy; 0 means the GPU type's busy draw
	Util     float64 // mean GPU utilization 0..1; 0 means unknown
	GPUType  string  // informational: placement ignores it
	// Latent marks demand researchers cannot submit today (a scenario's latent_large jobs); the
	// engine runs it like any job, and Latent counts it apart.
	Latent bool
}

// Workload is the demand one simulation replays. Jobs need not be sorted: the engine orders them by
// submit time, ties broken by position in Jobs.
type Workload struct {
	Jobs    []Job
	Owners  []string // owner names; Job.Owner indexes this
	Groups  []string
	Skipped int // input rows without a GPU, skipped and counted by the reader
}

// OwnerIndex returns the index of name in w.Owners, adding it when absent.
// Readers use it through an index map for speed; this helper is for small, hand-built workloads.
func (w *Workload) OwnerIndex(name string) int32 {
	for i, o := range w.Owners {
		if o == name {
			return int32(i)
		}
	}
	w.Owners = append(w.Owners, name)
	return int32(len(w.Owners) - 1)
}
