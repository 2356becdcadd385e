package scenarios

import (
	"github.com/gpuplan/gpuplan"
)

// Scenario is one scenario file: the fleet, its sites, who holds which GPUs, the demand, the
// policies to compare and the prices. Field tags give the YAML keys; README.md is the reference.
// A zero numeric field means "use the default" unless its comment says otherwise.
type Scenario struct {
	Name        string `yaml:"name"`        // required; appears in results
	Description string `yaml:"description"` // one line, shown by `gpuplan scenarios`
	Seed        uint64 `yaml:"seed"`        // drives every random choice; 0 is a valid seed
	// Horizon is how long the synthetic workload submits jobs. For a trace it keeps only the jobs
	// submitted within Horizon of the first one (0: the whole trace).
	Horizon Duration `yaml:"horizon"`

	GPUTypes []GPUTypeSpec `yaml:"gpu_types"` // entries named like a Catalog type inherit its values
	Sites    []SiteSpec    `yaml:"sites"`
	Farm     FarmSpec      `yaml:"farm"`
	Owners   OwnersSpec    `yaml:"owners"`
	Workload WorkloadSpec  `yaml:"workload"`

	// FarmShare is the share of owners consolidated in the farm world, in [0, 1]; nil means 1
	// (every owner). The rest keep their lab pools (gpuplan.Owner.Lab), chosen by a seeded rule on
	// owner names (README.md, "Partial consolidation"); the farm is sized from the consolidated
	// owners only. A sweep sets it with new(x).
	FarmShare *float64 `yaml:"farm_share,omitempty"`
	// LabOwners names the owners who keep their lab pools, instead of farm_share.
	LabOwners []string `yaml:"lab_owners,omitempty"`
	// Quota and FairShare tune the farm policies quota and fairshare (sim.Options); nil keeps the
	// simulator's defaults. Left out of the canonical form when absent, so older scenarios keep
	// their hash.
	Quota     *QuotaSpec     `yaml:"quota,omitempty"`
	FairShare *FairShareSpec `yaml:"fairshare,omitempty"`

	// Measure sets a steady-state window (sim.Options.Measure); nil measures the whole run.
	// Left out of the canonical form when absent, so older scenarios keep their hash.
	Measure *MeasureSpec `yaml:"measure,omitempty"`

	Policies       []string   `yaml:"policies"`        // default: every policy sim.Policies lists
	Placement      string     `yaml:"placement"`       // "", "pool" or "nodes" (sim.Options.Placement)
	EstimateFactor float64    `yaml:"estimate_factor"` // EASY runtime over-estimate, >= 1; 0 means 1
	Prices         PricesSpec `yaml:"prices"`

	// Sweep and Reps are the what-if study `gpuplan plan` runs when its flags give none: the
	// swept keys and the seeds per point (Seed, Seed+1, ...; 0: the planner's default). They
	// change no run, so they are left out of the hash.
	Sweep Sweep `yaml:"sweep,omitempty"`
	Reps  int   `yaml:"reps,omitempty"`

	file string // for messages and relative paths; "" for a scenario built in code
	pos  map[string]int
	// given replaces reading workload.trace.file: the jobs came from elsewhere (the event log).
	given *gpuplan.Workload
	// givenPools replaces reading owners.pools_file: the pools CSV, written from pools in memory.
	givenPools []byte
}

// GPUTypeSpec is one GPU model. Only name and tdp_w are required for a model outside the catalogue.
type GPUTypeSpec struct {
	Name  string  `yaml:"name"`
	TDPW  float64 `yaml:"tdp_w"`
	IdleW float64 `yaml:"idle_w"` // default 0.12 x TDP (estimate: 0.10-0.15 x TDP)
	BusyW float64 `yaml:"busy_w"` // default 0.71 x TDP (Zeus NSDI '23: 0.68-0.74 x TDP)
	// MinLimit is the lowest power limit as a fraction of TDP; default 0.5, the cautious end of
	// the 0.3-0.5 x TDP that drivers allow depending on the model.
	MinLimit float64 `yaml:"min_limit"`
	// Perf is perf(f) as [f, perf] pairs in any order; it must contain [1, 1] and cover min_limit.
	// Empty means no slowdown at any limit.
	Perf PerfCurve `yaml:"perf"`
}

// PerfCurve is a performance-versus-power-limit curve; YAML: [[1.0, 1.0], [0.9, 0.99], ...].
type PerfCurve []gpuplan.PerfPoint

// SiteSpec is a place with power.
type SiteSpec struct {
	Name       string  `yaml:"name"`
	PUE        float64 `yaml:"pue"`          // required, >= 1
	PowerCapKW float64 `yaml:"power_cap_kw"` // facility power cap; 0 means none
	CapMode    string  `yaml:"cap_mode"`     // queue or throttle; required with a cap
}

// FarmSpec is the consolidated site that the owners' GPUs move to.
type FarmSpec struct {
	Site string `yaml:"site"` // required; no owner may sit at this site
	// GPUs is the farm's size; 0 means as many GPUs as the owners hold together.
	GPUs int `yaml:"gpus"`
	// GPUType puts every farm GPU on this type; "" keeps the owners' types in their proportions.
	GPUType     string `yaml:"gpu_type"`
	GPUsPerNode int    `yaml:"gpus_per_node"` // default 8
	// NodeW is a node's draw beyond its GPUs in W; NodeOverhead instead sets it as a fraction of
	// the node's GPUs' busy draw (estimate: GPUs are about 70% of a training server's power, so
	// 0.3 / 0.7 = 0.43). At most one of the two.
	NodeW        float64  `yaml:"node_w"`
	NodeOverhead float64  `yaml:"node_overhead"`
	IdleOff      Duration `yaml:"idle_off"` // power a node off after this long idle; 0: never
	Boot         Duration `yaml:"boot"`     // boot delay of a powered-off node
}

// OwnersSpec says who holds GPUs today. In YAML it is either a list of owners or a mapping with any
// of list, generate and pools_file (owners from all three are concatenated in that order).
type OwnersSpec struct {
	List      []OwnerSpec   `yaml:"list"`
	Generate  *GenerateSpec `yaml:"generate"`
	PoolsFile string        `yaml:"pools_file"` // pools CSV, relative to the scenario file
	// Derive invents pools from a trace workload (traces.DerivePools); it is also what happens when
	// a trace scenario gives no owners at all.
	Derive *DeriveSpec `yaml:"derive"`
	// Defaults fills gpus_per_node, gpu_type, site and node_w where an owner (a list entry, a
	// pools-file row or the generated owners) leaves them out.
	Defaults OwnerSpec `yaml:"defaults"`

	bare bool // written as a bare list, so entries are named owners[i] in messages
}

// OwnerSpec is one researcher and the GPUs they hold.
type OwnerSpec struct {
	Name        string  `yaml:"name"`
	GPUs        int     `yaml:"gpus"`
	GPUsPerNode int     `yaml:"gpus_per_node"` // default: all the owner's GPUs in one node
	GPUType     string  `yaml:"gpu_type"`      // default: the only GPU type, when there is one
	Site        string  `yaml:"site"`          // default: the only non-farm site, when there is one
	NodeW       float64 `yaml:"node_w"`        // draw of a node beyond its GPUs, W
}

// DeriveSpec sizes pools from a trace's demand: one workstation per owner, the rest of the fleet in
// proportion to each owner's GPU-hours. gpu_type and site come from owners.defaults.
type DeriveSpec struct {
	GPUs          int     `yaml:"gpus"`            // fleet size; 0 sizes it for target_util
	TargetUtil    float64 `yaml:"target_util"`     // default 0.6
	GPUsPerNode   int     `yaml:"gpus_per_node"`   // workstation size; default 4
	FitLargestJob bool    `yaml:"fit_largest_job"` // every owner can run their largest job
}

// GenerateSpec makes Count owners whose holdings scatter around GPUsPerOwner.
type GenerateSpec struct {
	Count        int     `yaml:"count"`
	GPUsPerOwner float64 `yaml:"gpus_per_owner"` // mean; the total is round(count x mean) exactly
	// Spread is the coefficient of variation of holdings (lognormal); 0 gives everyone the mean.
	Spread float64 `yaml:"spread"`
	// GPUTypes is the fleet's mix {type: weight}; each owner holds one type, drawn by weight.
	// Empty means the owners' default type.
	GPUTypes    TypeMix `yaml:"gpu_types"`
	Site        string  `yaml:"site"`
	GPUsPerNode int     `yaml:"gpus_per_node"`
	NodeW       float64 `yaml:"node_w"`
	Prefix      string  `yaml:"prefix"` // owner names are prefix + index, default "r" (r001, r002, ...)
}

// TypeMix is a weighted list of GPU types; YAML: {rtx4090: 0.5, rtx-a6000: 0.3}.
type TypeMix []TypeShare

// TypeShare is one entry of a TypeMix.
type TypeShare struct {
	Type   string
	Weight float64
}

// WorkloadSpec is the demand: exactly one of Synthetic and Trace.
type WorkloadSpec struct {
	Synthetic *Synthetic `yaml:"synthetic"`
	Trace     *TraceSpec `yaml:"trace"`
}

// TraceSpec reads the workload from a trace file.
type TraceSpec struct {
	File   string `yaml:"file"`   // relative to the scenario file
	Format string `yaml:"format"` // csv (default), itp, genpw, openb, swf
	// Owners spreads the jobs of a trace without owners over this many owners; 0: the reader's default.
	Owners int    `yaml:"owners"`
	Seed   uint64 `yaml:"seed"` // seed for that assignment; 0: the scenario's seed
	// SkipBad skips malformed rows (counted in the workload) instead of failing.
	SkipBad bool `yaml:"skip_bad"`
}

// PricesSpec turns energy into money and emissions.
type PricesSpec struct {
	KRWPerKWh     float64 `yaml:"krw_per_kwh"`
	KgCO2PerKWh   float64 `yaml:"kg_co2_per_kwh"`
	KRWPerKWMonth float64 `yaml:"krw_per_kw_month"` // demand charge on peak facility power
}

// QuotaSpec is the quota policy's guarantees and the cost of preempting a job.
type QuotaSpec struct {
	// NoBorrow forbids running beyond quota (sim.Options.Quota.NoBorrow).
	NoBorrow bool `yaml:"no_borrow"`
	// Grace is how long an in-quota job may wait before it counts as a violation; 0 means 60 s.
	Grace Duration `yaml:"grace"`
	// Checkpoint is the interval of useful work between checkpoints; 0: a preempted job starts over.
	Checkpoint Duration `yaml:"checkpoint"`
	// RestartOverhead is added to a preempted job's remaining work when it starts again.
	RestartOverhead Duration `yaml:"restart_overhead"`
	// Quotas overrides owners' guaranteed GPUs (default: the GPUs each holds); YAML {owner: gpus}.
	Quotas OwnerQuotas `yaml:"quotas,omitempty"`
}

// FairShareSpec is the fairshare policy's memory and weights.
type FairShareSpec struct {
	HalfLife Duration `yaml:"half_life"` // of decayed usage; 0 means 7 days
	// Shares overrides owners' weights (default: the GPUs each holds); YAML {owner: weight}.
	Shares OwnerShares `yaml:"shares,omitempty"`
}

// OwnerQuotas maps owner names to guaranteed GPUs.
type OwnerQuotas map[string]int

// OwnerShares maps owner names to fair-share weights.
type OwnerShares map[string]float64
