package sim

import (
	"math"
	"math/bits"
	"slices"
)

// Quantiles returns the quantiles qs (ascending, in [0, 1]) of xs as the simulator's results compute
// them (numpy's default linear interpolation), for analyses that must agree with them to the bit;
// it reorders xs.
func Quantiles(xs []float64, qs ...float64) []float64 { return quantiles(xs, qs...) }

// quantiles returns the quantiles qs (ascending, in [0, 1]) of xs as numpy's default method does:
// the q-quantile sits at index q*(n-1) of the sorted data, interpolated linearly between the two
// neighbouring order statistics. It reorders xs and runs in O(n) per quantile, without sorting.
// An empty xs gives zeros.
func quantiles(xs []float64, qs ...float64) []float64 {
	out := make([]float64, len(qs))
	n := len(xs)
	if n == 0 {
		return out
	}
	// From the largest quantile down, each selection leaves the smallest elements in a prefix,
	// which the next one searches.
	hi := n
	for j := len(qs) - 1; j >= 0; j-- {
		h := qs[j] * float64(n-1)
		lo := min(int(h), n-1)
		frac := h - float64(lo)
		selectK(xs[:hi], lo)
		v := xs[lo]
		if frac > 0 && lo+1 < n {
			next := xs[lo+1]
			for _, x := range xs[lo+2:] {
				next = min(next, x)
			}
			v += frac * (next - v)
		}
		out[j] = v
		hi = lo + 1
	}
	return out
}

// selectK reorders a so that a[k] is its k-th smallest element, everything before it no larger and
// everything after it no smaller (introselect: three-way partitions around a median of three, so
// runs of equal values, such as many zero waits, cost nothing; a sort if partitions go badly).
func selectK(a []float64, k int) {
	lo, hi := 0, len(a)
	budget := 2*bits.Len(uint(len(a))) + 8
	for hi-lo > 16 {
		if budget == 0 {
			slices.Sort(a[lo:hi])
			return
		}
		budget--
		x, y, z := a[lo], a[lo+(hi-lo)/2], a[hi-1]
		p := max(min(x, y), min(max(x, y), z))
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch v := a[i]; {
			case v < p:
				a[lt], a[i] = v, a[lt]
				lt++
				i++
			case v > p:
				gt--
				a[gt], a[i] = v, a[gt]
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return
		}
	}
	slices.Sort(a[lo:hi])
}

// jain is Jain's fairness index (sum x)^2 / (n sum x^2): 1 when all are equal, 1/n when one
// holds everything; 0 for no values (or all zero).
func jain(xs []float64) float64 {
	var s, s2 float64
	for _, x := range xs {
		s += x
		s2 += x * x
	}
	if s2 == 0 {
		return 0
	}
	return s * s / (float64(len(xs)) * s2)
}

// percentiles returns the q-th percentiles of xs for q = 0..100, each as quantiles gives it (numpy's
// default), or nil for an empty xs; it reorders xs. The order statistics it needs (at most 202)
// are found by bucketing: one pass counts the values by the top 16 bits of an order-keeping key,
// a second moves the values of the buckets that hold a needed rank to the front of xs, where one
// more pass groups them by bucket in place, and a selection within each of those buckets
// finishes. That is cheaper than even three plain selections, and allocates 512 KB.
func percentiles(xs []float64) []float64 {
	n := len(xs)
	if n == 0 {
		return nil
	}
	ranks := make([]int, 0, 202)
	for q := range 101 {
		h := float64(q) / 100 * float64(n-1)
		lo := min(int(h), n-1)
		ranks = append(ranks, lo)
		if h > float64(lo) && lo+1 < n {
			ranks = append(ranks, lo+1)
		}
	}
	slices.Sort(ranks)
	ranks = slices.Compact(ranks)
	at := orderStats(xs, ranks)
	out := make([]float64, 101)
	for q := range out {
		h := float64(q) / 100 * float64(n-1)
		lo := min(int(h), n-1)
		v := at(lo)
		if frac := h - float64(lo); frac > 0 && lo+1 < n {
			v += frac * (at(lo+1) - v)
		}
		out[q] = v
	}
	return out
}

// orderStats finds the order statistics of xs (no NaN) at ranks (ascending, distinct), reordering
// xs, and returns a lookup of them.
func orderStats(xs []float64, ranks []int) func(rank int) float64 {
	if len(xs) < 1<<14 {
		selectAll(xs, ranks, 0)
		return func(r int) float64 { return xs[r] }
	}
	const buckets = 1 << 16
	count := make([]int32, buckets)
	for _, x := range xs {
		count[orderKey(x)>>48]++
	}
	// The buckets holding a needed rank: their first rank, and their place at the front of xs.
	type part struct{ first, size, at, fill int }
	var parts []part
	slot := make([]int32, buckets) // 1 + index in parts; 0: not needed
	cum, ri, size := 0, 0, 0
	for b := range buckets {
		c := int(count[b])
		if ri < len(ranks) && ranks[ri] < cum+c {
			parts = append(parts, part{first: cum, size: c, at: size, fill: size})
			slot[b] = int32(len(parts))
			size += c
			for ri < len(ranks) && ranks[ri] < cum+c {
				ri++
			}
		}
		cum += c
	}
	j := 0
	for i, x := range xs {
		if slot[orderKey(x)>>48] != 0 {
			xs[i], xs[j] = xs[j], x
			j++
		}
	}
	// One level of an American flag sort: every value goes to its bucket's next free place.
	for pi := range parts {
		p := &parts[pi]
		for p.fill < p.at+p.size {
			x := xs[p.fill]
			if q := int(slot[orderKey(x)>>48]) - 1; q != pi {
				o := &parts[q]
				xs[p.fill], xs[o.fill] = xs[o.fill], x
				o.fill++
				continue
			}
			p.fill++
		}
	}
	local := make([]int, 0, len(ranks))
	for i, pi := 0, 0; i < len(ranks); pi++ {
		p := &parts[pi]
		local = local[:0]
		for ; i < len(ranks) && ranks[i] < p.first+p.size; i++ {
			local = append(local, ranks[i]-p.first)
		}
		if g := xs[p.at : p.at+p.size]; !allEqual(g) { // a bucket of equal values (zero waits) is done
			selectAll(g, local, 0)
		}
	}
	return func(r int) float64 {
		i, _ := slices.BinarySearchFunc(parts, r, func(p part, r int) int {
			switch {
			case r < p.first:
				return 1
			case r >= p.first+p.size:
				return -1
			}
			return 0
		})
		p := &parts[i]
		return xs[p.at+r-p.first]
	}
}

func allEqual(a []float64) bool {
	for _, x := range a {
		if x != a[0] {
			return false
		}
	}
	return true
}

// orderKey maps a float64 to a uint64 in the same order (for all but NaN).
func orderKey(x float64) uint64 {
	u := math.Float64bits(x)
	if u>>63 != 0 {
		return ^u
	}
	return u | 1<<63
}

// selectAll puts the order statistics of ranks (ascending, offset by base from a's start) in
// place: the middle rank first, then those below it in the part below, those above in the part
// above.
func selectAll(a []float64, ranks []int, base int) {
	if len(ranks) == 0 || len(a) < 2 {
		return
	}
	if len(a) <= 32 || len(ranks) > len(a)/4 {
		slices.Sort(a)
		return
	}
	m := len(ranks) / 2
	k := ranks[m] - base
	selectK(a, k)
	selectAll(a[:k], ranks[:m], base)
	selectAll(a[k+1:], ranks[m+1:], base+k+1)
}
