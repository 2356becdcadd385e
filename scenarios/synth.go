package scenarios

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/gpuplan/gpuplan"
)

// Synthetic configures the synthetic workload generator. The zero value means the defaults below.
//
// Every owner submits jobs as an independent Poisson process over [0, Horizon). Owner i's offered
// load (GPU-seconds asked per second per GPU held) is Load x a_i, where a_i is a lognormal activity
// with sigma Skew normalised to mean 1 over all GPUs, capped at MaxOwnerLoad with the excess handed
// to the others (water-filling), so that the fleet-wide offered load stays exactly Load. Real
// clusters are this uneven: in Helios's 16 virtual clusters per-group utilization ran from 1% to 91%,
// and in the newest 15,000 jobs of Microsoft's Philly trace (ATC '19) the top 10 of 136 users held
// 54% of GPU time.
//
// The cap matters. In the fragmented world an owner only has their own GPUs, so an owner offered
// more than their GPUs queues without bound over the horizon. The default cap of 0.8 keeps every
// private queue stable in expectation, so that waits measure fragmentation rather than the
// horizon's length. It is below the busiest Helios group's 91% because that group had hundreds of
// GPUs: a pool of a few GPUs fed heavy-tailed jobs at 0.9 queues for weeks (with the ITP job mix, an
// 8-week institute run at 0.9 left private queues draining 45 days past the horizon). Owners still
// overshoot the cap by chance, and a small pool that does waits long. Set max_owner_load above 1 to
// study overload.
type Synthetic struct {
	Horizon float64 `yaml:"-"` // seconds of arrivals; Build sets it from the scenario's horizon

	// Load is the mean fraction of all GPUs the jobs would keep busy; default 0.6 (estimate).
	Load float64 `yaml:"load"`
	// Skew is the lognormal sigma of owner activity; default 1.0. Use a tiny value (0.001) for
	// practically even owners: 0 means the default.
	Skew float64 `yaml:"skew"`
	// MaxOwnerLoad caps one owner's offered load relative to their own GPUs; default 0.8.
	// .inf removes the cap.
	MaxOwnerLoad float64 `yaml:"max_owner_load"`
	// GPUs is the distribution of GPUs per job {GPUs: weight}; default DefaultGPUMix (ITP).
	GPUs GPUMix `yaml:"gpus"`
	// Duration is the lognormal run time at full speed; default median 10,537 s, p95 57,514 s (ITP).
	Duration DurationDist `yaml:"duration"`
	// MaxDuration cuts longer jobs to this run time, like a cluster's time limit; 0: no limit.
	MaxDuration Duration `yaml:"max_duration"`
	// AllowOversize lets an owner ask for more GPUs than they hold (such jobs are infeasible in the
	// fragmented world). By default each owner's GPU distribution is cut at their holding.
	AllowOversize bool `yaml:"allow_oversize"`
	// LatentLarge adds demand researchers cannot submit today; nil: none. Its jobs come on top of
	// Load.
	LatentLarge *LatentLarge `yaml:"latent_large,omitempty"`
}

// LatentLarge is large-job demand that exists but is not submitted today, because no owner who
// wants such jobs holds enough GPUs: the demand a farm would unlock. Jobs arrive as one Poisson
// process over the horizon, fleet-wide, each of GPUs GPUs for Duration at full speed, flagged
// gpuplan.Job.Latent. Each is asked by an owner holding fewer than GPUs GPUs, drawn in proportion to
// the owners' offered demand (the busiest researchers are the ones a pool's size holds back);
// owners without demand ask for none.
type LatentLarge struct {
	RatePerWeek float64  `yaml:"rate_per_week"` // mean jobs per week, all owners together
	GPUs        int      `yaml:"gpus"`          // GPUs per job
	Duration    Duration `yaml:"duration"`      // run time of each job
}

func (l *LatentLarge) check(add func(path, format string, args ...any)) {
	if !(l.RatePerWeek > 0) || math.IsInf(l.RatePerWeek, 0) {
		add("latent_large.rate_per_week", "must be above 0, got %v", l.RatePerWeek)
	}
	if l.GPUs < 1 {
		add("latent_large.gpus", "must be at least 1, got %d", l.GPUs)
	}
	if !(l.Duration > 0) || math.IsInf(float64(l.Duration), 0) {
		add("latent_large.duration", "must be a positive duration, got %v", float64(l.Duration))
	}
}

// GPUMix is a distribution of GPUs per job; YAML: {1: 0.6, 2: 0.15, 4: 0.15, 8: 0.08, 16: 0.02}.
// Weights need not sum to 1.
type GPUMix []GPUShare

// GPUShare is one entry of a GPUMix.
type GPUShare struct {
	GPUs   int
	Weight float64
}

// DurationDist is a lognormal given by its median and exactly one of P95, Mean and Sigma.
type DurationDist struct {
	Median Duration `yaml:"median"`
	P95    Duration `yaml:"p95"`
	Mean   Duration `yaml:"mean"`
	Sigma  float64  `yaml:"sigma"`
}

// DefaultGPUMix is the Microsoft ITP trace's GPUs per job (ElasticFlow, ASPLOS '23: 1: 83%, 2: 2.1%,
// 4: 3.4%, 8: 10%, 16-64: 1.1%, the last bucket put at 16).
var DefaultGPUMix = GPUMix{{1, 0.83}, {2, 0.021}, {4, 0.034}, {8, 0.10}, {16, 0.011}}

// DefaultDuration is the ITP trace's run time (median 10,537 s, p95 57,514 s).
var DefaultDuration = DurationDist{Median: 10537, P95: 57514}

const (
	defaultLoad         = 0.6
	defaultSkew         = 1.0
	defaultMaxOwnerLoad = 0.8
	z95                 = 1.6448536269514722 // standard normal 95th percentile
	maxSyntheticJobs    = 20_000_000         // beyond this a run would exhaust memory
)

// WithDefaults returns the config with every zero field that has a default set to it (load,
// skew, max_owner_load, gpus, duration), so a caller can scale what the generator will use.
func (c Synthetic) WithDefaults() Synthetic { return c.withDefaults() }

func (c Synthetic) withDefaults() Synthetic {
	if c.Load == 0 {
		c.Load = defaultLoad
	}
	if c.Skew == 0 {
		c.Skew = defaultSkew
	}
	if c.MaxOwnerLoad == 0 {
		c.MaxOwnerLoad = defaultMaxOwnerLoad
	}
	if len(c.GPUs) == 0 {
		c.GPUs = DefaultGPUMix
	}
	if c.Duration == (DurationDist{}) {
		c.Duration = DefaultDuration
	}
	return c
}

// check reports problems with a config whose defaults are filled, as (path, message) pairs.
func (c Synthetic) check(add func(path, format string, args ...any)) {
	if !(c.Horizon > 0) || math.IsInf(c.Horizon, 0) {
		add("horizon", "must be a positive duration for a synthetic workload, got %v", c.Horizon)
	}
	if !(c.Load > 0) {
		add("load", "must be above 0, got %v", c.Load)
	}
	if !(c.MaxOwnerLoad > 0) {
		add("max_owner_load", "must be above 0, got %v", c.MaxOwnerLoad)
	} else if c.Load > c.MaxOwnerLoad {
		add("load", "must not exceed max_owner_load (%v), got %v", c.MaxOwnerLoad, c.Load)
	}
	if !(c.Skew > 0) || math.IsInf(c.Skew, 0) {
		add("skew", "must be above 0, got %v", c.Skew)
	}
	var sum float64
	for _, s := range c.GPUs {
		p := fmt.Sprintf("gpus.%d", s.GPUs)
		if s.GPUs < 1 {
			add(p, "GPUs per job must be at least 1, got %d", s.GPUs)
		}
		if !(s.Weight >= 0) || math.IsInf(s.Weight, 0) {
			add(p, "weight must be a finite number >= 0, got %v", s.Weight)
			continue
		}
		sum += s.Weight
	}
	if !(sum > 0) {
		add("gpus", "weights must add up to more than 0")
	}
	if _, err := c.Duration.sigma(); err != nil {
		add("duration", "%v", err)
	}
	if c.MaxDuration < 0 {
		add("max_duration", "must be at least 0, got %v", float64(c.MaxDuration))
	}
	if c.LatentLarge != nil {
		c.LatentLarge.check(add)
	}
}

// sigma returns the lognormal sigma the two given quantities imply.
func (d DurationDist) sigma() (float64, error) {
	if !(d.Median > 0) || math.IsInf(float64(d.Median), 0) {
		return 0, fmt.Errorf("median must be above 0, got %v", float64(d.Median))
	}
	given := 0
	for _, set := range []bool{d.P95 != 0, d.Mean != 0, d.Sigma != 0} {
		if set {
			given++
		}
	}
	if given != 1 {
		return 0, fmt.Errorf("give median and exactly one of p95, mean and sigma")
	}
	var s float64
	switch {
	case d.P95 != 0:
		if !(d.P95 > d.Median) {
			return 0, fmt.Errorf("p95 (%v) must exceed median (%v)", float64(d.P95), float64(d.Median))
		}
		s = math.Log(float64(d.P95/d.Median)) / z95
	case d.Mean != 0:
		if !(d.Mean > d.Median) {
			return 0, fmt.Errorf("mean (%v) must exceed median (%v) for a lognormal", float64(d.Mean), float64(d.Median))
		}
		s = math.Sqrt(2 * math.Log(float64(d.Mean/d.Median)))
	default:
		s = d.Sigma
	}
	if !(s > 0) || s > 10 || math.IsInf(s, 0) {
		return 0, fmt.Errorf("implied sigma %v must lie in (0, 10]", s)
	}
	return s, nil
}

// meanCapped is E[min(X, m)] for X lognormal(mu, sigma); m <= 0 means no cap.
func meanCapped(mu, sigma, m float64) float64 {
	mean := math.Exp(mu + sigma*sigma/2)
	if m <= 0 {
		return mean
	}
	z := (math.Log(m) - mu) / sigma
	return mean*phi(z-sigma) + m*(1-phi(z))
}

func phi(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// splitmix64 spreads a seed and a stream number into an independent 64-bit state.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// stream returns a PCG for (seed, purpose, index). Each owner draws from its own stream, so an
// owner's jobs depend only on the seed, the owner's position and the owner's arrival rate.
func stream(seed, purpose, index uint64) *rand.PCG {
	return rand.NewPCG(splitmix64(seed^splitmix64(purpose)), splitmix64(index+splitmix64(purpose+seed)))
}

const (
	streamActivity = 0x61637469 // "acti"
	streamArrivals = 0x61727276 // "arrv"
	streamOwners   = 0x6f776e72 // "ownr"
	streamLatent   = 0x6c617465 // "late"
)

// ownerGPUs is the number of GPUs an owner holds.
func ownerGPUs(o gpuplan.Owner) int {
	return o.GPUs()
}

// Generate draws a synthetic workload for the owners (their names and holdings) from cfg.
// The same cfg, owners and seed always give the same jobs in the same order.
func Generate(cfg Synthetic, owners []gpuplan.Owner, seed uint64) (*gpuplan.Workload, error) {
	cfg = cfg.withDefaults()
	var msgs []string
	cfg.check(func(path, format string, args ...any) {
		msgs = append(msgs, path+": "+fmt.Sprintf(format, args...))
	})
	if len(owners) == 0 {
		msgs = append(msgs, "no owners")
	}
	if len(msgs) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrWorkload, msgs[0])
	}
	sigma, _ := cfg.Duration.sigma()
	mu := math.Log(float64(cfg.Duration.Median))
	meanDur := meanCapped(mu, sigma, float64(cfg.MaxDuration))

	// Per owner: the job sizes they may ask for, their mean, and the activity draw.
	act := distuv.LogNormal{Mu: -sigmaSq(cfg.Skew) / 2, Sigma: cfg.Skew, Src: stream(seed, streamActivity, 0)}
	n := len(owners)
	held := make([]float64, n)
	weight := make([]float64, n)
	capLoad := make([]float64, n)
	sizes := make([]GPUMix, n)
	meanSize := make([]float64, n)
	var total float64
	for i, o := range owners {
		g := ownerGPUs(o)
		held[i] = float64(g)
		total += held[i]
		a := act.Rand() // drawn for every owner, so streams do not shift with holdings
		for _, s := range cfg.GPUs {
			if s.Weight > 0 && (cfg.AllowOversize || s.GPUs <= g) {
				sizes[i] = append(sizes[i], s)
			}
		}
		var w, gw float64
		for _, s := range sizes[i] {
			w += s.Weight
			gw += s.Weight * float64(s.GPUs)
		}
		if w > 0 && g > 0 {
			meanSize[i] = gw / w
			weight[i] = a * held[i]
			capLoad[i] = cfg.MaxOwnerLoad * held[i]
		}
	}
	demand, err := waterFill(weight, capLoad, cfg.Load*total)
	if err != nil {
		return nil, fmt.Errorf("%w: load %v: %v", ErrWorkload, cfg.Load, err)
	}
	rates := make([]float64, n)
	var expected float64
	for i := range owners {
		if demand[i] > 0 {
			rates[i] = demand[i] / (meanSize[i] * meanDur)
			expected += rates[i] * cfg.Horizon
		}
	}
	if l := cfg.LatentLarge; l != nil {
		expected += l.RatePerWeek * cfg.Horizon / week
	}
	if expected > maxSyntheticJobs {
		return nil, fmt.Errorf("%w: about %.0f jobs expected, more than %d: shorten the horizon or lengthen the jobs",
			ErrWorkload, expected, maxSyntheticJobs)
	}

	type draw struct {
		job gpuplan.Job
		seq int
	}
	jobs := make([]draw, 0, int(expected*1.01)+16)
	for i, o := range owners {
		if rates[i] == 0 {
			continue
		}
		src := stream(seed, streamArrivals, uint64(i))
		gap := distuv.Exponential{Rate: rates[i], Src: src}
		dur := distuv.LogNormal{Mu: mu, Sigma: sigma, Src: src}
		w := make([]float64, len(sizes[i]))
		for k, s := range sizes[i] {
			w[k] = s.Weight
		}
		size := distuv.NewCategorical(w, src)
		gpuType := ""
		if len(o.Nodes) > 0 {
			gpuType = o.Nodes[0].GPUType
		}
		for t := gap.Rand(); t < cfg.Horizon; t += gap.Rand() {
			d := dur.Rand()
			if cfg.MaxDuration > 0 {
				d = min(d, float64(cfg.MaxDuration))
			}
			jobs = append(jobs, draw{seq: len(jobs), job: gpuplan.Job{
				Owner: int32(i), Group: -1, Submit: t, Duration: d,
				GPUs: int32(sizes[i][int(size.Rand())].GPUs), GPUType: gpuType,
			}})
		}
	}
	slices.SortFunc(jobs, func(a, b draw) int {
		return cmp.Or(cmp.Compare(a.job.Submit, b.job.Submit), cmp.Compare(a.seq, b.seq))
	})
	w := &gpuplan.Workload{Jobs: make([]gpuplan.Job, len(jobs)), Owners: make([]string, n)}
	for i, o := range owners {
		w.Owners[i] = o.Name
	}
	for k := range jobs {
		w.Jobs[k] = jobs[k].job
		w.Jobs[k].ID = fmt.Sprintf("j%06d", k+1)
	}
	if l := cfg.LatentLarge; l != nil {
		latent, err := latentJobs(*l, owners, demand, cfg.Horizon, seed)
		if err != nil {
			return nil, err
		}
		w.Jobs = mergeBySubmit(w.Jobs, latent)
	}
	return w, nil
}

const week = 7 * 86400

// latentJobs draws the latent large jobs, named L000001, ... in submit order. They come from a
// stream of their own, so adding them leaves every other job as it was.
func latentJobs(l LatentLarge, owners []gpuplan.Owner, demand []float64, horizon float64, seed uint64) ([]gpuplan.Job, error) {
	var who []int
	var weight []float64
	for i, o := range owners {
		if ownerGPUs(o) < l.GPUs && demand[i] > 0 {
			who = append(who, i)
			weight = append(weight, demand[i])
		}
	}
	if len(who) == 0 {
		return nil, fmt.Errorf("%w: latent_large: no owner with demand holds fewer than %d GPUs, so no job of that size is latent", ErrWorkload, l.GPUs)
	}
	src := stream(seed, streamLatent, 0)
	gap := distuv.Exponential{Rate: l.RatePerWeek / week, Src: src}
	pick := distuv.NewCategorical(weight, src)
	var jobs []gpuplan.Job
	for t := gap.Rand(); t < horizon; t += gap.Rand() {
		o := who[int(pick.Rand())]
		gpuType := ""
		if len(owners[o].Nodes) > 0 {
			gpuType = owners[o].Nodes[0].GPUType
		}
		jobs = append(jobs, gpuplan.Job{ID: fmt.Sprintf("L%06d", len(jobs)+1), Owner: int32(o), Group: -1, Submit: t,
			GPUs: int32(l.GPUs), Duration: float64(l.Duration), GPUType: gpuType, Latent: true})
	}
	return jobs, nil
}

// mergeBySubmit merges two job lists sorted by submit time; at equal times a's jobs come first.
func mergeBySubmit(a, b []gpuplan.Job) []gpuplan.Job {
	out := make([]gpuplan.Job, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if b[j].Submit < a[i].Submit {
			out = append(out, b[j])
			j++
		} else {
			out = append(out, a[i])
			i++
		}
	}
	return append(append(out, a[i:]...), b[j:]...)
}

func sigmaSq(s float64) float64 { return s * s }

// waterFill splits total among owners in proportion to weight, no owner above its cap, the excess
// of capped owners going to the rest in the same proportions.
func waterFill(weight, caps []float64, total float64) ([]float64, error) {
	out := make([]float64, len(weight))
	idx := make([]int, 0, len(weight))
	var wsum float64
	for i, w := range weight {
		if w > 0 && caps[i] > 0 {
			idx = append(idx, i)
			wsum += w
		}
	}
	// Owners reach their cap in order of cap per unit of weight.
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(caps[a]/weight[a], caps[b]/weight[b]) })
	left := total
	for k, i := range idx {
		level := left / wsum
		if level*weight[i] < caps[i] {
			for _, j := range idx[k:] {
				out[j] = level * weight[j]
			}
			return out, nil
		}
		out[i] = caps[i]
		left -= caps[i]
		wsum -= weight[i]
	}
	if left > 1e-9*total {
		return nil, fmt.Errorf("the owners can absorb only %.4g of %.4g GPUs of demand under max_owner_load",
			total-left, total)
	}
	return out, nil
}
