package traces

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/gpuplan/gpuplan"
)

var (
	poolRequired = []string{"owner", "gpus"}
	poolOptional = []string{"gpus_per_node", "gpu_type", "site"}
)

// ReadPoolsFile reads a pools CSV file (gzip detected by its magic bytes).
func ReadPoolsFile(path string) ([]gpuplan.Pool, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("traces: %w", err)
	}
	defer fh.Close()
	return ReadPools(fh, path)
}

// ReadPools reads a pools CSV: header owner,gpus and optionally gpus_per_node,gpu_type,site, in any
// order; other columns are errors. gpus may be 0 (an owner who holds nothing today); when
// gpus_per_node is given, gpus must be a multiple of it. An owner may have several rows (nodes of two
// GPU types, say) but only one site. Every bad row is reported; there is no skipping.
func ReadPools(r io.Reader, name string) ([]gpuplan.Pool, error) {
	br, _, err := maybeGzip(r, name, 64<<10)
	if err != nil {
		return nil, err
	}
	errs := &rowErrors{file: name, empty: errors.New("empty input: no header line")}
	var pools []gpuplan.Pool
	siteOf := make(map[string]string)
	_, err = eachRow(br, errs, poolRequired, poolOptional, true, func(f [][]byte, pos []int, row int) {
		c := rowCheck{errs: errs, row: row}
		p := gpuplan.Pool{Owner: string(c.nonEmpty("owner", f[pos[0]]))}
		p.GPUs = int(c.count("gpus", f[pos[1]]))
		if i := pos[2]; i >= 0 && len(trimSpace(f[i])) > 0 {
			p.GPUsPerNode = int(c.count("gpus_per_node", f[i]))
			if !c.bad && p.GPUsPerNode > 0 && p.GPUs%p.GPUsPerNode != 0 {
				c.fail("gpus", fmt.Errorf("%d GPUs is not a whole number of %d-GPU nodes", p.GPUs, p.GPUsPerNode))
			}
		}
		if i := pos[3]; i >= 0 {
			p.GPUType = string(trimSpace(f[i]))
		}
		if i := pos[4]; i >= 0 {
			p.Site = string(trimSpace(f[i]))
		}
		if s, ok := siteOf[p.Owner]; ok && s != p.Site && !c.bad {
			c.fail("site", fmt.Errorf("owner %s is already at site %s", quote([]byte(p.Owner)), quote([]byte(s))))
		}
		if c.bad {
			return
		}
		siteOf[p.Owner] = p.Site
		pools = append(pools, p)
	})
	if err == nil {
		err = errs.err()
	}
	if err != nil {
		return nil, err
	}
	return pools, nil
}

// PoolOptions tune DerivePools. The zero value means the defaults.
type PoolOptions struct {
	// TotalGPUs, when set, is the fleet to divide among the owners; 0 sizes each owner's pool for
	// that owner's own demand instead.
	TotalGPUs int
	// TargetUtil is the mean utilization a derived pool is sized for; 0 (or outside (0, 1]) means 0.6.
	TargetUtil float64
	// GPUsPerNode is the workstation size pools are rounded to; 0 means 4.
	GPUsPerNode int
	// GPUType and Site are copied into every pool.
	GPUType, Site string
	// FitLargestJob gives each owner at least enough workstations for their largest job, so no job is
	// infeasible in the fragmented world (the total may then exceed TotalGPUs).
	FitLargestJob bool
}

// DerivePools invents the pools a trace without them implies; owners appear in w.Owners order.
// Demand is each owner's mean number of busy GPUs over the trace window (GPU-seconds / window).
// By default each owner holds max(1, ceil(demand / (TargetUtil * GPUsPerNode))) workstations: enough
// to run their own load at the target utilization. With TotalGPUs, the fleet of
// max(owners, ceil(TotalGPUs / GPUsPerNode)) workstations is divided instead: one per owner, the rest
// in proportion to demand by largest remainder (ties to the earlier owner). Owners without demand get
// one workstation either way (equal shares, when nobody has any).
func DerivePools(w *gpuplan.Workload, opt PoolOptions) []gpuplan.Pool {
	n := len(w.Owners)
	if n == 0 {
		return nil
	}
	target := opt.TargetUtil
	if !(target > 0 && target <= 1) {
		target = defaultTargetUtil
	}
	gpn := opt.GPUsPerNode
	if gpn <= 0 {
		gpn = 4
	}
	demand, per := meanDemand(w)
	alloc := make([]int, n)
	if opt.TotalGPUs <= 0 {
		for i, d := range per {
			alloc[i] = max(1, derivedGPUs(d, target*float64(gpn)))
		}
	} else {
		divide(alloc, per, demand, max(n, (opt.TotalGPUs+gpn-1)/gpn))
	}
	if opt.FitLargestJob {
		for _, j := range w.Jobs {
			if j.Owner >= 0 && int(j.Owner) < n {
				need := (int(j.GPUs) + gpn - 1) / gpn
				alloc[j.Owner] = max(alloc[j.Owner], need)
			}
		}
	}
	pools := make([]gpuplan.Pool, n)
	for i, o := range w.Owners {
		pools[i] = gpuplan.Pool{Owner: o, GPUs: alloc[i] * gpn, GPUsPerNode: gpn, GPUType: opt.GPUType, Site: opt.Site}
	}
	return pools
}

// divide gives each owner one of nodes workstations and the rest in proportion to per (which sums to
// total) by largest remainder.
func divide(alloc []int, per []float64, total float64, nodes int) {
	n := len(alloc)
	if !(total > 0) {
		per = make([]float64, n)
		for i := range per {
			per[i] = 1
		}
		total = float64(n)
	}
	extra := nodes - n
	rem := make([]float64, n)
	given := 0
	for i, d := range per {
		q := float64(extra) * (d / total)
		a := int(math.Floor(q))
		alloc[i] = 1 + a
		given += a
		rem[i] = q - float64(a)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rem[order[a]] > rem[order[b]] })
	for k := 0; k < extra-given && k < n; k++ {
		alloc[order[k]]++
	}
}
