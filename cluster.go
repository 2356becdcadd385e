package gpuplan

// PerfPoint is one knot of a GPU type's performance-versus-power-limit curve.
type PerfPoint struct {
	F    float64 `json:"f" yaml:"f"`       // power limit / TDP
	Perf float64 `json:"perf" yaml:"perf"` // throughput relative to f = 1
}

// GPUType describes the power behaviour of one GPU model.
type GPUType struct {
	Name     string
	TDPW     float64   // thermal design power, W
	IdleW    float64   // draw of an idle GPU on a powered node, W
	BusyW    float64   // mean draw of a busy GPU at full power limit, W
	MinLimit float64   // lowest settable power limit as a fraction of TDP
	Perf     PerfCurve // piecewise linear perf(f), sorted by F, perf(1) = 1; empty means perf = 1
}

// CapMode says how a site enforces its power cap.
type CapMode uint8

const (
	CapNone     CapMode = iota // no cap
	CapQueue                   // a job starts only if the site stays within the cap
	CapThrottle                // the site lowers its GPUs' power limit to fit, slowing every job
)

// Site is a place with power: a lab room or the farm hall.
type Site struct {
	Name    string
	PUE     float64
	CapW    float64 // facility power cap in W; 0 means none
	CapMode CapMode
}

// NodeGroup is a set of identical nodes.
type NodeGroup struct {
	Count       int
	GPUsPerNode int
	GPUType     string
	NodeW       float64 // draw of a powered node beyond its GPUs, W
}

// Owner is a researcher and the GPUs they hold today, which form their private pool when fragmented.
type Owner struct {
	Name  string
	Site  string // lab site of the private pool
	Nodes []NodeGroup
	// Lab keeps a private pool at its lab site even in the farm world: the owner's jobs run there
	// first-come-first-served, as when fragmented, while the other owners' jobs go to the farm.
	Lab bool
}

// Farm is the consolidated site.
type Farm struct {
	Site  string
	Nodes []NodeGroup
	// IdleOffS powers off a farm node idle this long (0: never); BootS is its boot delay.
	// Both need node placement.
	IdleOffS float64
	BootS    float64
}

// Cluster is the fleet both worlds are built from.
type Cluster struct {
	GPUTypes []GPUType
	Sites    []Site
	Owners   []Owner // matched to Workload.Owners by name
	Farm     Farm
}

// GPUs is the group's GPU count.
func (g NodeGroup) GPUs() int { return g.Count * g.GPUsPerNode }

// GPUs is the number of GPUs the owner holds today.
func (o *Owner) GPUs() int { return groupGPUs(o.Nodes) }

// GPUs is the number of GPUs in the farm's nodes.
func (f *Farm) GPUs() int { return groupGPUs(f.Nodes) }

func groupGPUs(gs []NodeGroup) int {
	n := 0
	for _, g := range gs {
		n += g.GPUs()
	}
	return n
}
