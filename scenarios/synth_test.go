package scenarios

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan"
)

func evenOwners(n, gpus int) []gpuplan.Owner {
	out := make([]gpuplan.Owner, n)
	for i := range out {
		out[i] = gpuplan.Owner{Name: fmt.Sprintf("o%03d", i), Site: "lab",
			Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: gpus, GPUType: "g"}}}
	}
	return out
}

func csvBytes(w *gpuplan.Workload) string {
	var b strings.Builder
	for _, j := range w.Jobs {
		fmt.Fprintf(&b, "%s,%s,%v,%d,%v\n", j.ID, w.Owners[j.Owner], j.Submit, j.GPUs, j.Duration)
	}
	return b.String()
}

func TestGenerateDeterministic(t *testing.T) {
	cfg := Synthetic{Horizon: 14 * 86400}
	owners := evenOwners(12, 8)
	a, err := Generate(cfg, owners, 42)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(cfg, owners, 42)
	if csvBytes(a) != csvBytes(b) || !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different workloads")
	}
	c, _ := Generate(cfg, owners, 43)
	if csvBytes(a) == csvBytes(c) {
		t.Fatal("different seeds, same workload")
	}
	if len(a.Jobs) == 0 || a.Jobs[0].ID != "j000001" || a.Jobs[len(a.Jobs)-1].ID != fmt.Sprintf("j%06d", len(a.Jobs)) {
		t.Fatalf("ids %q..%q", a.Jobs[0].ID, a.Jobs[len(a.Jobs)-1].ID)
	}
	if !slices.IsSortedFunc(a.Jobs, func(x, y gpuplan.Job) int { return int(math.Copysign(1, x.Submit-y.Submit)) }) {
		t.Fatal("jobs not sorted by submit")
	}
	for _, j := range a.Jobs {
		if j.Submit < 0 || j.Submit >= cfg.Horizon || !(j.Duration > 0) || j.GPUs < 1 || j.GPUs > 8 || j.Group != -1 {
			t.Fatalf("bad job %+v", j)
		}
	}
}

// TestGenerateMatchesConfig checks realised load, GPU mix and duration quantiles against the
// configuration, each within 4 standard errors computed from the distributions themselves.
func TestGenerateMatchesConfig(t *testing.T) {
	mix := GPUMix{{1, 0.6}, {2, 0.15}, {4, 0.15}, {8, 0.08}, {16, 0.02}}
	cases := []struct {
		name string
		cfg  Synthetic
	}{
		{"defaults", Synthetic{Horizon: 30 * 86400}},
		{"issue mix, mean", Synthetic{Horizon: 30 * 86400, Load: 0.4, GPUs: mix, Duration: DurationDist{Median: 3600, Mean: 9000}}},
		{"sigma, capped skew", Synthetic{Horizon: 30 * 86400, Load: 0.7, Skew: 2, MaxOwnerLoad: 0.8, Duration: DurationDist{Median: 7200, Sigma: 1.2}}},
	}
	owners := evenOwners(40, 32) // 1,280 GPUs; 32 >= every job size, so no mix is cut
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := Generate(tc.cfg, owners, 7)
			if err != nil {
				t.Fatal(err)
			}
			cfg := tc.cfg.withDefaults()
			sigma, _ := cfg.Duration.sigma()
			median := float64(cfg.Duration.Median)
			n := float64(len(w.Jobs))

			// Load: compound Poisson, relative sd sqrt(E[g^2] E[d^2] / (N E[g]^2 E[d]^2)).
			var wsum, g1, g2 float64
			for _, s := range cfg.GPUs {
				wsum += s.Weight
				g1 += s.Weight * float64(s.GPUs)
				g2 += s.Weight * float64(s.GPUs*s.GPUs)
			}
			g1, g2 = g1/wsum, g2/wsum
			rel := math.Sqrt(g2 / (g1 * g1) * math.Exp(sigma*sigma) / n)
			var work float64
			count := map[int32]float64{}
			durs := make([]float64, len(w.Jobs))
			for i, j := range w.Jobs {
				work += float64(j.GPUs) * j.Duration
				count[j.GPUs]++
				durs[i] = j.Duration
			}
			load := work / (1280 * cfg.Horizon)
			t.Logf("%d jobs; load %.4f (want %.2f, sd %.2f%%); 1-GPU share %.4f; median %.0f s, p95 %.0f s",
				len(w.Jobs), load, cfg.Load, 100*rel, count[1]/n, quantileOf(durs, 0.5), quantileOf(durs, 0.95))
			if math.Abs(load/cfg.Load-1) > 4*rel {
				t.Errorf("load %.4f, want %.4f within %.2f%%", load, cfg.Load, 400*rel)
			}
			for _, s := range cfg.GPUs {
				p := s.Weight / wsum
				got := count[int32(s.GPUs)] / n
				if tol := 4 * math.Sqrt(p*(1-p)/n); math.Abs(got-p) > tol {
					t.Errorf("share of %d-GPU jobs %.4f, want %.4f +- %.4f", s.GPUs, got, p, tol)
				}
			}
			// Sample quantiles: sd = sqrt(p(1-p)/N) / density at the quantile.
			slices.Sort(durs)
			for _, q := range []struct{ p, z float64 }{{0.5, 0}, {0.95, z95}} {
				x := median * math.Exp(sigma*q.z)
				density := math.Exp(-q.z*q.z/2) / (math.Sqrt(2*math.Pi) * sigma * x)
				tol := 4 * math.Sqrt(q.p*(1-q.p)/n) / density
				if got := quantile(durs, q.p); math.Abs(got-x) > tol {
					t.Errorf("duration p%.0f %.0f s, want %.0f +- %.0f", 100*q.p, got, x, tol)
				}
			}
		})
	}
}

func quantileOf(x []float64, p float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return quantile(s, p)
}

func quantile(sorted []float64, p float64) float64 {
	h := p * float64(len(sorted)-1)
	i := int(h)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-float64(i))*(sorted[i+1]-sorted[i])
}

// TestGenerateOwnerCap: no owner is offered more than max_owner_load of their own GPUs.
func TestGenerateOwnerCap(t *testing.T) {
	owners := evenOwners(50, 16)
	owners[3].Nodes[0].GPUsPerNode = 64
	cfg := Synthetic{Horizon: 15 * 86400, Load: 0.5, Skew: 2.5, MaxOwnerLoad: 0.7,
		GPUs: GPUMix{{1, 1}}, Duration: DurationDist{Median: 3600, Sigma: 0.05}}
	w, err := Generate(cfg, owners, 3)
	if err != nil {
		t.Fatal(err)
	}
	per := make([]float64, len(owners))
	jobs := make([]float64, len(owners))
	for _, j := range w.Jobs {
		per[j.Owner] += j.Duration
		jobs[j.Owner]++
	}
	atCap := 0
	for i, o := range owners {
		g := float64(ownerGPUs(o))
		load := per[i] / (g * cfg.Horizon)
		// Expected jobs at the cap: 0.7 g H / 3600-ish; Poisson count, 4 sd.
		capJobs := 0.7 * g * cfg.Horizon / (3600 * math.Exp(0.05*0.05/2))
		if tol := 4 / math.Sqrt(capJobs); load > 0.7*(1+tol) {
			t.Errorf("owner %d load %.3f above cap 0.7 (+%.1f%%)", i, load, 100*tol)
		}
		if load > 0.7*0.95 {
			atCap++
		}
	}
	if atCap < 5 {
		t.Errorf("only %d owners near the cap; skew 2.5 at load 0.5 should push many there", atCap)
	}
}

// TestGenerateTopShare: without a cap, the top 10% of equal owners hold Phi(sigma - z_0.9) of the
// demand (the lognormal's top-share formula); sigma = z_0.9 gives one half.
func TestGenerateTopShare(t *testing.T) {
	const z90 = 1.2815515655446004
	owners := evenOwners(1000, 10)
	cfg := Synthetic{Horizon: 60 * 86400, Load: 0.5, Skew: z90, MaxOwnerLoad: math.Inf(1),
		GPUs: GPUMix{{1, 1}}, Duration: DurationDist{Median: 24 * 3600, Sigma: 0.01}}
	w, err := Generate(cfg, owners, 11)
	if err != nil {
		t.Fatal(err)
	}
	got, want := topShare(w, 0.1), phi(0)
	t.Logf("top 10%% share %.3f (formula %.3f), %d jobs", got, want, len(w.Jobs))
	if math.Abs(got-want) > 0.04 {
		t.Errorf("top 10%% share %.3f, want %.3f +- 0.04", got, want)
	}
}

func topShare(w *gpuplan.Workload, frac float64) float64 {
	per := make([]float64, len(w.Owners))
	var all float64
	for _, j := range w.Jobs {
		x := float64(j.GPUs) * j.Duration
		per[j.Owner] += x
		all += x
	}
	slices.Sort(per)
	slices.Reverse(per)
	var top float64
	for _, x := range per[:int(math.Ceil(frac*float64(len(per))))] {
		top += x
	}
	return top / all
}

func TestGenerateOversize(t *testing.T) {
	owners := evenOwners(30, 4)
	cfg := Synthetic{Horizon: 30 * 86400}
	w, _ := Generate(cfg, owners, 5)
	for _, j := range w.Jobs {
		if j.GPUs > 4 {
			t.Fatalf("job of %d GPUs for a 4-GPU owner", j.GPUs)
		}
	}
	cfg.AllowOversize = true
	w, _ = Generate(cfg, owners, 5)
	big := 0
	for _, j := range w.Jobs {
		if j.GPUs > 4 {
			big++
		}
	}
	if big == 0 {
		t.Fatal("allow_oversize gave no job larger than the pools")
	}
}

func TestGenerateMaxDuration(t *testing.T) {
	cfg := Synthetic{Horizon: 20 * 86400, MaxDuration: 86400}
	w, _ := Generate(cfg, evenOwners(20, 16), 9)
	capped := 0
	for _, j := range w.Jobs {
		if j.Duration > 86400 {
			t.Fatalf("duration %v above the limit", j.Duration)
		}
		if j.Duration == 86400 {
			capped++
		}
	}
	// P(d > 1 day) = 1 - Phi(ln(86400/10537)/sigma) for the ITP lognormal.
	sigma, _ := DefaultDuration.sigma()
	p := 1 - phi(math.Log(86400/10537.0)/sigma)
	n := float64(len(w.Jobs))
	if tol := 4 * math.Sqrt(p*(1-p)/n); math.Abs(float64(capped)/n-p) > tol {
		t.Errorf("share cut at the limit %.4f, want %.4f +- %.4f", float64(capped)/n, p, tol)
	}
}

func TestGenerateErrors(t *testing.T) {
	cases := []struct {
		name   string
		cfg    Synthetic
		owners []gpuplan.Owner
		want   string
	}{
		{"no owners", Synthetic{Horizon: 10}, nil, "no owners"},
		{"no horizon", Synthetic{}, evenOwners(2, 2), "horizon"},
		{"load above cap", Synthetic{Horizon: 10, Load: 0.95}, evenOwners(2, 2), "load: must not exceed"},
		{"sizes fit nobody", Synthetic{Horizon: 10, GPUs: GPUMix{{8, 1}}}, evenOwners(2, 2), "can absorb only 0"},
		{"too many jobs", Synthetic{Horizon: 1e9, Duration: DurationDist{Median: 1, Sigma: 0.1}}, evenOwners(10, 10), "jobs expected"},
	}
	for _, tc := range cases {
		_, err := Generate(tc.cfg, tc.owners, 1)
		if !errors.Is(err, ErrWorkload) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ErrWorkload with %q", tc.name, err, tc.want)
		}
	}
}

func TestWaterFill(t *testing.T) {
	// By hand: owner 1 caps at 1; the remaining 5 split 1:2 between owners 0 and 2.
	got, err := waterFill([]float64{1, 1, 2}, []float64{10, 1, 10}, 6)
	want := []float64{5.0 / 3, 1, 10.0 / 3}
	for i := range want {
		if err != nil || math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("got %v, %v; want %v", got, err, want)
		}
	}
	if _, err := waterFill([]float64{1, 1}, []float64{1, 1}, 2.5); err == nil {
		t.Fatal("want an error when caps cannot hold the total")
	}
}

// TestMeanCapped compares the closed form with the integral of the survival function,
// E[min(X, m)] = int_0^m P(X > x) dx, by the trapezoid rule.
func TestMeanCapped(t *testing.T) {
	for _, c := range []struct{ mu, sigma, m float64 }{{0, 1, 2}, {math.Log(10537), 1.03, 86400}, {1, 0.5, 100}} {
		steps := 200000
		h := c.m / float64(steps)
		var integral float64
		for k := 0; k <= steps; k++ {
			x := float64(k) * h
			s := 1.0
			if x > 0 {
				s = 1 - phi((math.Log(x)-c.mu)/c.sigma)
			}
			wt := 1.0
			if k == 0 || k == steps {
				wt = 0.5
			}
			integral += wt * s * h
		}
		if got := meanCapped(c.mu, c.sigma, c.m); math.Abs(got/integral-1) > 1e-6 {
			t.Errorf("%+v: closed form %v, integral %v", c, got, integral)
		}
	}
}
