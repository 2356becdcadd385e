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

// Options tune a run. The zero value means the defaults.
type Options struct {
	Placement      Placement
	EstimateFactor float64 // EASY runtime estimate = duration * factor; 0 means 1
	TimelinePoints int     // samples in the timeline; 0 means 500
	Prices         Prices
	// Progress, when set, is called now and then with jobs finished so far and the total.
	// It must be safe for concurrent use when several policies run at once.
	Progress func(done, total int)
}
