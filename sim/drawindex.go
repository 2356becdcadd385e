package sim

import (
	"math"
	"slices"
)

// drawIndex holds a throttled site's running GPUs by draw ratio r = w/tdp, to find the largest
// power-limit fraction f within the cap in O(log buckets) whatever the draws. The GPU draw at f is
//
//	G(f) = sum over r <= f of n*w  +  f * sum over r > f of n*tdp,
//
// continuous and non-decreasing. Ratios fall in nb equal buckets over [0, 1) plus one for r >= 1
// (nb about the site's GPU count, so a bucket rarely holds more than one distinct draw); a Fenwick tree sums n*w and n*tdp per bucket, so G at a bucket edge is exact from
// prefix sums, and within the one bucket where G crosses the budget the few entries (jobs with the
// same ratio share one) are walked in order. Nothing needs to be known about the jobs in advance.
type drawIndex struct {
	nb       int     // buckets below r = 1, a power of two
	fwA, fwB []int64 // Fenwick trees over buckets (1-based): n*w and n*tdp, mW
	totB     int64
	bucket   [][]drawEntry
	scratch  []drawEntry
}

// drawEntry aggregates the running GPUs with one exact ratio.
type drawEntry struct {
	r    float64
	a, b int64
	n    int64 // GPUs, to know when the entry is empty
}

// newDrawIndex sizes the index for a site of gpus GPUs.
func newDrawIndex(gpus int32) *drawIndex {
	nb := 16
	for nb < int(gpus) && nb < 1<<14 {
		nb *= 2
	}
	return &drawIndex{
		nb:     nb,
		fwA:    make([]int64, nb+2),
		fwB:    make([]int64, nb+2),
		bucket: make([][]drawEntry, nb+1),
	}
}

func (d *drawIndex) bucketOf(r float64) int {
	if !(r < 1) {
		return d.nb
	}
	return int(r * float64(d.nb))
}

// add adds (n > 0) or removes (n < 0) n GPUs drawing wm of tdp mW each.
func (d *drawIndex) add(n, wm, tdp int64) {
	r := math.Inf(1)
	if tdp > 0 {
		r = float64(wm) / float64(tdp)
	}
	bk := d.bucketOf(r)
	a, b := n*wm, n*tdp
	for i := bk + 1; i < len(d.fwA); i += i & -i {
		d.fwA[i] += a
		d.fwB[i] += b
	}
	d.totB += b
	es := d.bucket[bk]
	for i := range es {
		if es[i].r == r {
			es[i].a += a
			es[i].b += b
			es[i].n += n
			if es[i].n == 0 {
				es[i] = es[len(es)-1]
				d.bucket[bk] = es[:len(es)-1]
			}
			return
		}
	}
	d.bucket[bk] = append(es, drawEntry{r: r, a: a, b: b, n: n})
}

// drawAt is G(f) in mW.
func (d *drawIndex) drawAt(f float64) float64 {
	bk := d.bucketOf(f)
	var a, b int64
	for i := bk; i > 0; i -= i & -i { // buckets below f's
		a += d.fwA[i]
		b += d.fwB[i]
	}
	for _, e := range d.bucket[bk] {
		if e.r <= f {
			a += e.a
			b += e.b
		}
	}
	return float64(a) + f*float64(d.totB-b)
}

// solve returns the largest f with G(f) <= budget (mW), or +Inf if G never exceeds it.
func (d *drawIndex) solve(budget float64) float64 {
	// The last bucket edge e = j/nb with G(e) <= budget (Fenwick descent over the edges, G(e) being
	// A below e plus e times B at or above e).
	pos := 0
	var accA, accB int64
	for step := d.nb; step > 0; step >>= 1 { // indices run to nb+1
		np := pos + step
		if np >= len(d.fwA) {
			continue
		}
		na, nb := accA+d.fwA[np], accB+d.fwB[np]
		if edge := float64(np) / float64(d.nb); edge <= 1 && float64(na)+edge*float64(d.totB-nb) <= budget {
			pos, accA, accB = np, na, nb
		}
	}
	// G crosses the budget inside bucket pos: walk its entries by ratio.
	es := append(d.scratch[:0], d.bucket[pos]...)
	slices.SortFunc(es, func(x, y drawEntry) int {
		switch {
		case x.r < y.r:
			return -1
		case x.r > y.r:
			return 1
		}
		return 0
	})
	d.scratch = es
	for _, e := range es {
		if float64(accA)+e.r*float64(d.totB-accB) > budget {
			break
		}
		accA, accB = accA+e.a, accB+e.b
	}
	if rest := d.totB - accB; rest > 0 {
		return (budget - float64(accA)) / float64(rest)
	}
	return math.Inf(1)
}
