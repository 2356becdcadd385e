package traces

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/gpuplan/gpuplan"
)

const (
	// defaultTargetUtil is the mean utilization a derived fleet is sized for: below the 0.7–0.9 at
	// which queues grow quickly, above the 25–50% seen in real shared clusters.
	defaultTargetUtil = 0.6
	// gpusPerOwner sets the default synthetic owner count: about ten GPUs per researcher, as in the
	// institute that motivates gpuplan (donga.com, 2024-10-16).
	gpusPerOwner = 10
	// maxOwners bounds the synthetic owner count so a freak input cannot demand gigabytes.
	maxOwners = 1 << 20
)

// meanDemand returns the mean number of GPUs busy over the workload's window (first submit to last
// finish if every job started on arrival), and each owner's part of it. Summing gpus * d / window
// per job, rather than GPU-seconds, keeps the sum finite for any finite input.
func meanDemand(w *gpuplan.Workload) (total float64, perOwner []float64) {
	perOwner = make([]float64, len(w.Owners))
	if len(w.Jobs) == 0 {
		return 0, perOwner
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range w.Jobs {
		j := &w.Jobs[i]
		lo = min(lo, j.Submit)
		hi = max(hi, j.Submit+j.Duration)
	}
	window := hi - lo
	if !(window > 0) || math.IsInf(window, 0) {
		return 0, perOwner
	}
	for i := range w.Jobs {
		j := &w.Jobs[i]
		d := float64(j.GPUs) * (j.Duration / window)
		total += d
		if j.Owner >= 0 && int(j.Owner) < len(perOwner) {
			perOwner[j.Owner] += d
		}
	}
	return total, perOwner
}

// derivedGPUs is the fleet that would run the workload's mean demand at target utilization.
func derivedGPUs(demand, target float64) int {
	t := math.Ceil(demand / target)
	if !(t > 0) {
		return 0
	}
	if t > 1<<50 {
		return 1 << 50
	}
	return int(t)
}

// assignOwners gives every job of a trace without owners a synthetic owner: rank k of n is drawn
// with weight 1/k (Zipf, s = 1) by a hash of (seed, job ID), so a job's owner depends on nothing
// else in the file. Owners with no job are left out; names keep the rank ("u007" is rank 7). The
// same hashes feed ids, the duplicate check's table, so IDs are hashed once.
func assignOwners(w *gpuplan.Workload, opt Options, ids *idSet) {
	n := syntheticOwners(w, opt)
	cum := zipfCDF(n)
	rank := make([]int32, len(w.Jobs))
	used := make([]bool, n)
	for i := range w.Jobs {
		h := hashID(opt.Seed, w.Jobs[i].ID)
		ids.add(i, h)
		u := float64(h>>11) / (1 << 53)
		r := sort.Search(n, func(k int) bool { return cum[k] > u })
		rank[i] = int32(r)
		used[r] = true
	}
	index := make([]int32, n)
	width := len(strconv.Itoa(n))
	w.Owners = w.Owners[:0]
	for r, ok := range used {
		if ok {
			index[r] = int32(len(w.Owners))
			w.Owners = append(w.Owners, fmt.Sprintf("u%0*d", width, r+1))
		}
	}
	for i := range w.Jobs {
		w.Jobs[i].Owner = index[rank[i]]
	}
}

// syntheticOwners is the number of owners assignOwners draws from: opt.Owners, or by default one
// per gpusPerOwner GPUs of the derived fleet ceil(mean demand / 0.6); at least 1, at most maxOwners.
func syntheticOwners(w *gpuplan.Workload, opt Options) int {
	n := opt.Owners
	if n <= 0 {
		d, _ := meanDemand(w)
		n = int(math.Round(float64(derivedGPUs(d, defaultTargetUtil)) / gpusPerOwner))
	}
	return min(max(n, 1), maxOwners)
}

// zipfCDF returns the cumulative weights of ranks 1..n with weight 1/k, ending at exactly 1.
func zipfCDF(n int) []float64 {
	cum := make([]float64, n)
	s := 0.0
	for k := range n {
		s += 1 / float64(k+1)
		cum[k] = s
	}
	for k := range cum {
		cum[k] /= s
	}
	cum[n-1] = 1
	return cum
}

// hashID mixes seed and id (FNV-1a, then the splitmix64 finalizer for avalanche).
func hashID(seed uint64, id string) uint64 {
	h := uint64(14695981039346656037) ^ mix64(seed)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	return mix64(h)
}

func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
