package sim

// Placement says how a pool maps a job's GPUs onto nodes.
type Placement uint8

const (
	PlacementDefault Placement = iota // nodes for the farm, pool for private pools
	PlacementPool                     // GPU counts only, node boundaries ignored
	PlacementNodes                    // best-fit node for small jobs, whole free nodes for large ones
)

// Prices turn energy into money and emissions.
type Prices struct {
	KRWPerKWh     float64 // energy price
	KgCO2PerKWh   float64 // grid emission factor
	KRWPerKWMonth float64 // demand charge on peak facility power; 0 means none
}

// priced says whether any price turns energy into money.
func (p Prices) priced() bool { return p.KRWPerKWh != 0 || p.KRWPerKWMonth != 0 }

// Measure restricts the metrics to a steady-state window, given in seconds from the first submit.
// The zero value measures everything: from the first submit to the latest completion of any policy
// run together.
type Measure struct {
	FromS float64 // start of the window
	ToS   float64 // end of the window; 0 means the end of the run
}

func (m Measure) steady() bool { return m.FromS != 0 || m.ToS != 0 }

// Options tune a run. The zero value means the defaults.
type Options struct {
	Placement      Placement
	EstimateFactor float64 // EASY runtime estimate = duration * factor; 0 means 1
	TimelinePoints int     // samples in the timeline; 0 means 500
	Prices         Prices
	// Measure is the window the metrics cover (doc.go, "Measurement window").
	Measure Measure

	// Quota and FairShare tune the farm policies "quota" and "fairshare"; the others ignore them.
	Quota     Quota
	FairShare FairShare
	// Progress, when set, is called now and then with jobs finished so far and the total.
	// It must be safe for concurrent use when several policies run at once.
	Progress func(done, total int)
}

// Quota tunes the quota policy: guarantees, borrowing, and what preempting a job costs. The zero
// value means the defaults.
type Quota struct {
	// Quotas overrides an owner's guaranteed GPUs by owner name (default: the GPUs the owner holds
	// in the Cluster).
	Quotas map[string]int
	// NoBorrow forbids running beyond quota: jobs larger than their owner's quota are then
	// infeasible, and quota gives fragmented's schedule on a farm at least as large as the labs.
	NoBorrow bool
	// GraceS is how long an in-quota job may wait before it counts as a guarantee violation; 0
	// means 60 s.
	GraceS float64
	// CheckpointS is the interval of useful work between a job's checkpoints (0: none, a
	// preempted job loses all its work); RestartOverheadS is added to a preempted job's remaining
	// work when it starts again.
	CheckpointS      float64
	RestartOverheadS float64
}

// FairShare tunes the fairshare policy. The zero value means the defaults.
type FairShare struct {
	// Shares overrides fair-share weights by owner name (default: the GPUs each owner holds in the
	// Cluster; normalized to sum to 1).
	Shares map[string]float64
	// HalfLifeS is the half-life of decayed usage; 0 means 7 days.
	HalfLifeS float64
}
