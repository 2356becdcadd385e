package sim

import (
	"math/bits"
	"slices"
)

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
