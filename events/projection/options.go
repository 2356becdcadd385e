package projection

import "time"

// Defaults of Options.
const (
	DefaultMaxGapIntervals = 3
	DefaultMaxLateness     = 24 * time.Hour
	DefaultUnknownOwner    = "unknown"
)

// Options tune a Projector. The zero value means the defaults.
type Options struct {
	// MaxGapIntervals is how many intervals a process may go unseen and still be the same job
	// (see the package doc). 0 means DefaultMaxGapIntervals; a negative value means none: any
	// missing batch ends the job.
	MaxGapIntervals int
	// MaxLateness is how far behind the newest batch of its node a batch may arrive and still be
	// used. 0 means DefaultMaxLateness; a negative value means no limit: every batch is kept
	// until Jobs or Workload, exact for a closed time range, with memory growing with it.
	MaxLateness time.Duration
	// Epoch is time 0 of Workload's submit times; zero means the start of the earliest job.
	Epoch time.Time
	// UnknownOwner owns jobs whose GPUs have no owner and whose process has no user;
	// "" means DefaultUnknownOwner.
	UnknownOwner string
}

func (o Options) gapIntervals() int64 {
	switch {
	case o.MaxGapIntervals == 0:
		return DefaultMaxGapIntervals
	case o.MaxGapIntervals < 0:
		return 0
	}
	return int64(o.MaxGapIntervals)
}

// lateness returns the window in nanoseconds, -1 for none.
func (o Options) lateness() int64 {
	switch {
	case o.MaxLateness == 0:
		return int64(DefaultMaxLateness)
	case o.MaxLateness < 0:
		return -1
	}
	return int64(o.MaxLateness)
}

func (o Options) unknownOwner() string {
	if o.UnknownOwner == "" {
		return DefaultUnknownOwner
	}
	return o.UnknownOwner
}

// Stats counts what a Projector was given and what it made of it.
type Stats struct {
	Events       int // events given to Add
	Ignored      int // events of kinds a projection does not use
	Batches      int // sample batches accepted (buffered or folded), duplicates not counted
	Duplicates   int // sample batches dropped because their node and time were already buffered
	OutOfOrder   int // accepted batches that arrived after a later batch of their node
	TooLate      int // sample batches dropped because their node's fold had passed their time
	Malformed    int // events whose payload could not be used (each also reported by Add)
	BadProcesses int // processes skipped for a pid outside 1..2^31-1
	Retractions  int // job.retracted events taken
	Ownership    OwnershipStats

	// Of the last Jobs or Workload call:
	Jobs        int       // jobs projected
	Open        int       // jobs possibly still running at their node's newest batch
	FromUser    int       // jobs whose GPUs had no owner at start, owned by their process's user
	Epoch       time.Time // time 0 of the workload (Workload only)
	GPUSeconds  float64   // sum of GPUs x duration over the jobs
	NodesActive int       // nodes with at least one job
	Retracted   int       // jobs left out because a job.retracted event names them
}
