package fleet

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/collectors/fakenode"
)

// Defaults of Options.
var (
	DefaultEpoch = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday
)

const (
	DefaultInterval      = time.Minute
	DefaultPIDReuseAfter = 10 * time.Minute
	// DefaultTrailingBatches covers a projection's default gap limit (3 intervals) plus one.
	DefaultTrailingBatches = 4
)

// ErrInvalid marks bad pools, options or schedules.
var ErrInvalid = errors.New("fleet: invalid input")

// Options tune a fleet. The zero value means the defaults.
type Options struct {
	Epoch    time.Time     // time 0 of the workload; zero means DefaultEpoch
	Interval time.Duration // between batches; 0 means DefaultInterval
	Seed     uint64        // GPU UUIDs and the energy counters' values at the epoch

	BusyUtil float64 // utilization 0..1 reported for jobs without Util; 0 reports 0 %
	BusyW    float64 // per-GPU draw reported for jobs without PowerW; 0 reports 0 W (no reading)

	// PIDReuseAfter is how long a freed pid rests before reuse; 0 means DefaultPIDReuseAfter or
	// DefaultTrailingBatches+1 intervals, whichever is longer; negative none.
	PIDReuseAfter time.Duration
	// TrailingBatches is how many batches the fleet still samples after the last process ends,
	// so that a projection sees the gap that ends the last jobs; 0 means
	// DefaultTrailingBatches, negative none.
	TrailingBatches int
	// InventoryEvery is how often each node's collector reads its inventory again
	// (collectors.Options.InventoryEvery); 0 means collectors.DefaultInventoryEvery.
	InventoryEvery time.Duration
}

func (o Options) withDefaults() Options {
	if o.Epoch.IsZero() {
		o.Epoch = DefaultEpoch
	}
	o.Epoch = o.Epoch.UTC()
	if o.Interval == 0 {
		o.Interval = DefaultInterval
	}
	switch {
	case o.PIDReuseAfter == 0:
		// A projection bridges up to 3 missing batches: a pid must rest longer than that, or
		// its next job reads as the same process (at 5-minute batches, 10 minutes is 2).
		o.PIDReuseAfter = max(DefaultPIDReuseAfter, time.Duration(DefaultTrailingBatches+1)*o.Interval)
	case o.PIDReuseAfter < 0:
		o.PIDReuseAfter = 0
	}
	switch {
	case o.TrailingBatches == 0:
		o.TrailingBatches = DefaultTrailingBatches
	case o.TrailingBatches < 0:
		o.TrailingBatches = 0
	}
	return o
}

func (o Options) check() error {
	switch {
	case o.Interval < time.Millisecond:
		return fmt.Errorf("%w: interval %v is under 1 ms", ErrInvalid, o.Interval)
	case o.InventoryEvery < 0:
		return fmt.Errorf("%w: inventory every %v is negative", ErrInvalid, o.InventoryEvery)
	case !finite(o.BusyUtil) || o.BusyUtil < 0 || o.BusyUtil > 1:
		return fmt.Errorf("%w: busy utilization %v is outside 0..1", ErrInvalid, o.BusyUtil)
	case !finite(o.BusyW) || o.BusyW < 0 || o.BusyW > gpuplan.MaxPowerW:
		return fmt.Errorf("%w: busy %v W is not a number in 0..%v", ErrInvalid, o.BusyW, gpuplan.MaxPowerW)
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Node is one node of the fleet.
type Node struct {
	Name    string
	Owner   string
	Site    string
	GPUType string
	GPUs    int
	UUIDs   []string // by GPU index
}

// Fleet is a set of nodes held by owners.
type Fleet struct {
	opt     Options
	nodes   []Node
	byOwner map[string][]int // node indices in order
}

// New builds the fleet of pools (see the package doc).
func New(pools []gpuplan.Pool, opt Options) (*Fleet, error) {
	opt = opt.withDefaults()
	if err := opt.check(); err != nil {
		return nil, err
	}
	f := &Fleet{opt: opt, byOwner: map[string][]int{}}
	for i, p := range pools {
		if p.Owner == "" || p.GPUs < 0 || p.GPUsPerNode < 0 {
			return nil, fmt.Errorf("%w: pool %d: owner %q with %d GPUs in %d-GPU nodes", ErrInvalid, i+1, p.Owner, p.GPUs, p.GPUsPerNode)
		}
		g, gpn := p.GPUs, p.GPUsPerNode
		if gpn <= 0 || gpn > g {
			gpn = g
		}
		if gpn > fakenode.MaxGPUs {
			return nil, fmt.Errorf("%w: pool %d: %d GPUs a node (at most %d)", ErrInvalid, i+1, gpn, fakenode.MaxGPUs)
		}
		for g > 0 {
			n := min(gpn, g)
			f.nodes = append(f.nodes, Node{Owner: p.Owner, Site: p.Site, GPUType: p.GPUType, GPUs: n})
			g -= n
		}
	}
	width := len(strconv.Itoa(len(f.nodes)))
	for i := range f.nodes {
		n := &f.nodes[i]
		n.Name = fmt.Sprintf("node-%0*d", max(width, 3), i+1)
		n.UUIDs = make([]string, n.GPUs)
		for g := range n.UUIDs {
			n.UUIDs[g] = fakenode.GPUUUID(fakeModel(n.GPUType), n.Name, opt.Seed, g)
		}
		f.byOwner[n.Owner] = append(f.byOwner[n.Owner], i)
	}
	return f, nil
}

// Nodes returns the fleet's nodes, in order.
func (f *Fleet) Nodes() []Node { return f.nodes }

// Options returns the options in effect, defaults filled in.
func (f *Fleet) Options() Options { return f.opt }

// Schedule gives each job's start and end in seconds since the epoch, in Workload.Jobs order;
// NaN for a job that did not run. A simulator run's Result.Start and Result.End are one: the
// fleet takes them as plain slices so that it never links the simulator.
type Schedule struct {
	Start, End []float64
}
