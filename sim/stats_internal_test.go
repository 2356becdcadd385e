package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Expected values are numpy.percentile's default ("linear"): index h = q*(n-1) of the sorted data,
// x[floor h] + (h - floor h)*(x[floor h + 1] - x[floor h]), worked by hand.
func TestQuantilesNumpyLinear(t *testing.T) {
	cases := []struct {
		name string
		xs   []float64
		qs   []float64
		want []float64
	}{
		{"four", []float64{1, 2, 3, 4}, []float64{0, 0.5, 0.95, 0.99, 1}, []float64{1, 2.5, 3.85, 3.97, 4}},
		{"one", []float64{10}, []float64{0.5, 0.95, 0.99}, []float64{10, 10, 10}},
		{"unsorted three", []float64{3, 1, 2}, []float64{0.5, 0.95}, []float64{2, 2.9}},
		{"ties at zero", []float64{0, 0, 5, 0, 0}, []float64{0.5, 0.95, 0.99}, []float64{0, 4, 4.8}},
		{"empty", nil, []float64{0.5}, []float64{0}},
	}
	for _, tc := range cases {
		got := quantiles(slices.Clone(tc.xs), tc.qs...)
		for i := range tc.qs {
			if math.Abs(got[i]-tc.want[i]) > 1e-12 {
				t.Errorf("%s: q%g = %v, want %v", tc.name, tc.qs[i], got[i], tc.want[i])
			}
		}
	}
	// 0..99 shuffled: numpy.percentile(range(100), [50, 95, 99]) = 49.5, 94.05, 98.01.
	xs := make([]float64, 100)
	for i := range xs {
		xs[i] = float64(i)
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	got := quantiles(xs, 0.5, 0.95, 0.99)
	for i, want := range []float64{49.5, 94.05, 98.01} {
		if math.Abs(got[i]-want) > 1e-9 {
			t.Errorf("0..99: got %v, want %v", got[i], want)
		}
	}
}

// TestQuantilesAgainstSort compares the selection-based quantiles with sorting, on data with many
// duplicates (most waits are zero) and on continuous data.
func TestQuantilesAgainstSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 200 {
		n := 1 + rng.IntN(3000)
		if trial%6 == 0 {
			n = 1<<14 + rng.IntN(20000) // the bucketed path
		}
		xs := make([]float64, n)
		for i := range xs {
			if trial%2 == 0 && rng.IntN(3) > 0 {
				continue // zero
			}
			xs[i] = math.Round(rng.ExpFloat64() * 100)
			if trial%4 == 1 {
				xs[i] = rng.NormFloat64()
			}
		}
		sorted := slices.Sorted(slices.Values(xs))
		qs := []float64{0.5, 0.95, 0.99}
		got := quantiles(xs, qs...)
		for i, q := range qs {
			h := q * float64(n-1)
			lo := int(h)
			want := sorted[lo]
			if lo+1 < n {
				want += (h - float64(lo)) * (sorted[lo+1] - sorted[lo])
			}
			if math.Abs(got[i]-want) > 1e-9*max(1, math.Abs(want)) {
				t.Fatalf("trial %d (n %d): q%g = %v, want %v", trial, n, q, got[i], want)
			}
		}
	}
}

func TestJain(t *testing.T) {
	cases := []struct {
		xs   []float64
		want float64
	}{
		{[]float64{1, 1, 1}, 1},
		{[]float64{1, 0, 0, 0}, 0.25},             // 1 / (4 * 1)
		{[]float64{1, 2, 3}, 36.0 / 42},           // 6^2 / (3 * 14)
		{[]float64{2.5}, 1},                       // one owner
		{nil, 0},                                  // no owners with completed jobs
		{[]float64{1.2, 4.8}, 36.0 / (2 * 24.48)}, // 6^2 / (2 * (1.44 + 23.04))
	}
	for _, tc := range cases {
		if got := jain(tc.xs); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("jain(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
}

// TestPercentilesMatchQuantiles: every percentile equals quantiles' value for it, bit for bit, on
// data with ties, zeros and heavy tails, and the input is left a permutation of itself.
func TestPercentilesMatchQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	for trial := range 60 {
		n := 1 + rng.IntN(3000)
		if trial%6 == 0 {
			n = 1<<14 + rng.IntN(20000) // the bucketed path
		}
		if trial < 5 {
			n = trial + 1
		}
		xs := waitLike(rng, n)
		qs := make([]float64, 101)
		for q := range qs {
			qs[q] = float64(q) / 100
		}
		want := quantiles(slices.Clone(xs), qs...)
		ys := slices.Clone(xs)
		got := percentiles(ys)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d (n %d): percentiles %v, want %v", trial, n, got, want)
		}
		slices.Sort(xs)
		slices.Sort(ys)
		if !slices.Equal(xs, ys) {
			t.Fatalf("trial %d: input not a permutation of itself", trial)
		}
	}
	if percentiles(nil) != nil {
		t.Error("percentiles of nothing is not nil")
	}
}

// waitLike draws waits as a queue gives them: most zero, the rest heavy-tailed, some repeated.
func waitLike(rng *rand.Rand, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		switch r := rng.Float64(); {
		case r < 0.6:
		case r < 0.7:
			xs[i] = float64(rng.IntN(5)) * 600
		default:
			xs[i] = rng.ExpFloat64() * rng.ExpFloat64() * 3600
		}
	}
	return xs
}

// BenchmarkWaitStats compares what result spends on wait statistics at 1M jobs: the three
// quantiles of the summary alone, against the 101 percentiles that now also give the summary.
func BenchmarkWaitStats(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := waitLike(rng, 1_000_000)
	xs := make([]float64, len(base))
	b.Run("p50-p95-p99", func(b *testing.B) {
		for b.Loop() {
			copy(xs, base)
			quantiles(xs, 0.5, 0.95, 0.99)
		}
	})
	b.Run("percentiles", func(b *testing.B) {
		for b.Loop() {
			copy(xs, base)
			percentiles(xs)
		}
	})
}
