package scenarios

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

// Validate checks everything that can be checked without reading other files: ranges, required
// fields and cross-references. It returns every problem at once, sorted by line.
func (s *Scenario) Validate() error {
	p := s.problems()
	s.validate(p)
	return p.err()
}

func (s *Scenario) problems() *problems {
	file := s.file
	if file == "" {
		file = "scenario " + s.Name
	}
	if s.pos == nil {
		s.pos = map[string]int{}
	}
	return &problems{file: file, pos: s.pos}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// check adds a problem at path unless decoding already reported one there.
type checker struct{ p *problems }

func (c checker) add(path, format string, args ...any) {
	for _, e := range c.p.list {
		if e.Path == path {
			return
		}
	}
	c.p.add(path, format, args...)
}

func (c checker) atLeast(path string, v, lo float64) {
	if !(v >= lo) || !finite(v) {
		c.add(path, "must be at least %v, got %v", lo, v)
	}
}

func (s *Scenario) validate(p *problems) {
	c := checker{p}
	if strings.TrimSpace(s.Name) == "" {
		c.add("name", "required")
	}
	c.atLeast("horizon", float64(s.Horizon), 0)
	s.validateGPUTypes(c)
	s.validateSites(c)
	s.validateFarm(c)
	s.validateOwners(c)
	s.validatePartial(c)
	s.validateQuota(c)
	s.validateMeasure(c)
	s.validateWorkload(c)
	for i := range s.Policies {
		if err := CheckPolicy(s.Policies, i); err != nil {
			c.add(fmt.Sprintf("policies[%d]", i), "%s", err.Error())
		}
	}
	switch s.Placement {
	case "", "pool", "nodes":
	default:
		c.add("placement", "must be pool or nodes, got %q", s.Placement)
	}
	if s.EstimateFactor != 0 {
		c.atLeast("estimate_factor", s.EstimateFactor, 1)
	}
	c.atLeast("prices.krw_per_kwh", s.Prices.KRWPerKWh, 0)
	c.atLeast("prices.kg_co2_per_kwh", s.Prices.KgCO2PerKWh, 0)
	c.atLeast("prices.krw_per_kw_month", s.Prices.KRWPerKWMonth, 0)
	s.validateSweep(c)
	s.validateBounds(c)
}

func (s *Scenario) validateGPUTypes(c checker) {
	for i, g := range s.GPUTypes {
		path := fmt.Sprintf("gpu_types[%d]", i)
		if g.Name == "" {
			c.add(path+".name", "required")
		} else if slices.IndexFunc(s.GPUTypes[:i], func(h GPUTypeSpec) bool { return h.Name == g.Name }) >= 0 {
			c.add(path+".name", "GPU type %q defined twice", g.Name)
		}
		_, known := catalogType(g.Name)
		if g.TDPW == 0 && !known {
			c.add(path+".tdp_w", "required for a GPU type outside the catalogue (%s)", catalogNames())
			continue
		}
		t := resolveGPUType(g)
		if !(t.TDPW > 0) || !finite(t.TDPW) {
			c.add(path+".tdp_w", "must be above 0, got %v", g.TDPW)
			continue
		}
		if !(t.IdleW >= 0) || t.IdleW > t.BusyW {
			c.add(path+".idle_w", "must lie in [0, busy_w = %v], got %v", t.BusyW, t.IdleW)
		}
		if !(t.BusyW > 0) || t.BusyW > t.TDPW {
			c.add(path+".busy_w", "must lie in (0, tdp_w = %v], got %v", t.TDPW, t.BusyW)
		}
		if !(t.MinLimit > 0 && t.MinLimit <= 1) {
			c.add(path+".min_limit", "must lie in (0, 1], got %v", t.MinLimit)
			continue
		}
		checkPerf(c, path+".perf", g.Perf, t.MinLimit)
	}
}

func checkPerf(c checker, path string, perf PerfCurve, minLimit float64) {
	if len(perf) == 0 {
		return
	}
	pts := slices.Clone(perf)
	sort.SliceStable(pts, func(a, b int) bool { return pts[a].F < pts[b].F })
	for i, q := range perf {
		if !(q.F > 0 && q.F <= 1) || !(q.Perf >= 0 && q.Perf <= 1) {
			c.add(fmt.Sprintf("%s[%d]", path, i), "want f in (0, 1] and perf in [0, 1], got [%v, %v]", q.F, q.Perf)
			return
		}
	}
	for i := 1; i < len(pts); i++ {
		if pts[i].F == pts[i-1].F {
			c.add(path, "f = %v appears twice", pts[i].F)
			return
		}
		if pts[i].Perf < pts[i-1].Perf {
			c.add(path, "perf must not fall as f rises: perf(%v) = %v > perf(%v) = %v",
				pts[i-1].F, pts[i-1].Perf, pts[i].F, pts[i].Perf)
			return
		}
	}
	if last := pts[len(pts)-1]; last.F != 1 || last.Perf != 1 {
		c.add(path, "must contain [1, 1] (perf at full limit is 1 by definition)")
	}
	if pts[0].F > minLimit {
		c.add(path, "must cover min_limit %v; lowest f is %v", minLimit, pts[0].F)
	}
}

// resolveGPUType fills a spec's missing values from the catalogue, then from the estimated fractions.
func resolveGPUType(g GPUTypeSpec) gpuplan.GPUType {
	t, known := catalogType(g.Name)
	if !known {
		t = gpuplan.GPUType{Name: g.Name}
	}
	if g.TDPW != 0 {
		if !known || t.TDPW != g.TDPW {
			t.IdleW, t.BusyW = 0, 0 // a different TDP invalidates the catalogue's draws
		}
		t.TDPW = g.TDPW
	}
	if g.IdleW != 0 {
		t.IdleW = g.IdleW
	}
	if g.BusyW != 0 {
		t.BusyW = g.BusyW
	}
	if g.MinLimit != 0 {
		t.MinLimit = g.MinLimit
	}
	if len(g.Perf) > 0 {
		t.Perf = slices.Clone([]gpuplan.PerfPoint(g.Perf))
		slices.SortStableFunc(t.Perf, func(a, b gpuplan.PerfPoint) int {
			if a.F < b.F {
				return -1
			}
			if a.F > b.F {
				return 1
			}
			return 0
		})
	}
	if t.IdleW == 0 {
		t.IdleW = idleFrac * t.TDPW
	}
	if t.BusyW == 0 {
		t.BusyW = busyFrac * t.TDPW
	}
	if t.MinLimit == 0 {
		t.MinLimit = defaultMinLimit
	}
	return t
}

func catalogNames() string {
	names := make([]string, len(catalog))
	for i, t := range catalog {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

// knownGPUType says whether a reference names a scenario type or a catalogue type.
func (s *Scenario) knownGPUType(name string) bool {
	if slices.ContainsFunc(s.GPUTypes, func(g GPUTypeSpec) bool { return g.Name == name }) {
		return true
	}
	_, ok := catalogType(name)
	return ok
}

func (s *Scenario) checkGPUTypeRef(c checker, path, name string) {
	if name != "" && !s.knownGPUType(name) {
		c.add(path, "unknown GPU type %q (define it under gpu_types, or use one of: %s)", name, s.gpuTypeNames())
	}
}

func (s *Scenario) gpuTypeNames() string {
	var names []string
	for _, g := range s.GPUTypes {
		names = append(names, g.Name)
	}
	for _, t := range catalog {
		if !slices.Contains(names, t.Name) {
			names = append(names, t.Name)
		}
	}
	return strings.Join(names, ", ")
}

func (s *Scenario) site(name string) (SiteSpec, bool) {
	for _, x := range s.Sites {
		if x.Name == name {
			return x, true
		}
	}
	return SiteSpec{}, false
}

func (s *Scenario) siteNames() string {
	names := make([]string, len(s.Sites))
	for i, x := range s.Sites {
		names[i] = x.Name
	}
	return strings.Join(names, ", ")
}

func (s *Scenario) validateSites(c checker) {
	if len(s.Sites) == 0 {
		c.add("sites", "at least one site (the farm's) is required")
	}
	for i, x := range s.Sites {
		path := fmt.Sprintf("sites[%d]", i)
		if x.Name == "" {
			c.add(path+".name", "required")
		} else if slices.IndexFunc(s.Sites[:i], func(y SiteSpec) bool { return y.Name == x.Name }) >= 0 {
			c.add(path+".name", "site %q defined twice", x.Name)
		}
		if x.PUE == 0 {
			c.add(path+".pue", "required (facility power / IT power, at least 1)")
		} else {
			c.atLeast(path+".pue", x.PUE, 1)
		}
		c.atLeast(path+".power_cap_kw", x.PowerCapKW, 0)
		switch x.CapMode {
		case "queue", "throttle":
		case "":
			if x.PowerCapKW > 0 {
				c.add(path+".cap_mode", "required with power_cap_kw: queue or throttle")
			}
		default:
			c.add(path+".cap_mode", "must be queue or throttle, got %q", x.CapMode)
		}
	}
}

func (s *Scenario) validateFarm(c checker) {
	f := s.Farm
	if f.Site == "" {
		c.add("farm.site", "required")
	} else if _, ok := s.site(f.Site); !ok {
		c.add("farm.site", "unknown site %q (sites: %s)", f.Site, s.siteNames())
	}
	if f.GPUs < 0 {
		c.add("farm.gpus", "must be at least 0, got %d", f.GPUs)
	}
	s.checkGPUTypeRef(c, "farm.gpu_type", f.GPUType)
	if f.GPUsPerNode < 0 {
		c.add("farm.gpus_per_node", "must be at least 1, got %d", f.GPUsPerNode)
	}
	c.atLeast("farm.node_w", f.NodeW, 0)
	c.atLeast("farm.node_overhead", f.NodeOverhead, 0)
	if f.NodeW != 0 && f.NodeOverhead != 0 {
		c.add("farm.node_overhead", "give node_w or node_overhead, not both")
	}
	c.atLeast("farm.idle_off", float64(f.IdleOff), 0)
	c.atLeast("farm.boot", float64(f.Boot), 0)
	if f.IdleOff > 0 && s.Placement == "pool" {
		c.add("farm.idle_off", "needs node placement; placement is pool")
	}
}

func (s *Scenario) listPath() string {
	if s.Owners.bare {
		return "owners"
	}
	return "owners.list"
}

// defaultSite is the site an owner without one sits at: the only site other than the farm's.
func (s *Scenario) defaultSite() string {
	site := ""
	for _, x := range s.Sites {
		if x.Name != s.Farm.Site {
			if site != "" {
				return ""
			}
			site = x.Name
		}
	}
	return site
}

func (s *Scenario) defaultGPUType() string {
	if len(s.GPUTypes) == 1 {
		return s.GPUTypes[0].Name
	}
	return ""
}

// fillOwner applies owners.defaults and the fallbacks to one owner.
func (s *Scenario) fillOwner(o OwnerSpec) OwnerSpec {
	d := s.Owners.Defaults
	if o.GPUsPerNode == 0 {
		o.GPUsPerNode = d.GPUsPerNode
	}
	if o.GPUType == "" {
		o.GPUType = cmpOr(d.GPUType, s.defaultGPUType())
	}
	if o.Site == "" {
		o.Site = cmpOr(d.Site, s.defaultSite())
	}
	if o.NodeW == 0 {
		o.NodeW = d.NodeW
	}
	return o
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// checkOwnerFields checks the fields every owner source shares, after defaults are applied.
func (s *Scenario) checkOwnerFields(c checker, path string, o OwnerSpec, given OwnerSpec) {
	if o.GPUsPerNode < 0 {
		c.add(path+".gpus_per_node", "must be at least 1, got %d", o.GPUsPerNode)
	}
	c.count(path+".gpus", o.GPUs, maxFleetGPUs) // pools-file rows reach here only
	c.count(path+".gpus_per_node", o.GPUsPerNode, maxNodeGPUs)
	c.atLeast(path+".node_w", o.NodeW, 0)
	typePath, sitePath := path+".gpu_type", path+".site"
	if given.GPUType == "" {
		typePath = "owners.defaults.gpu_type"
	}
	if given.Site == "" {
		sitePath = "owners.defaults.site"
	}
	switch {
	case o.GPUType == "":
		c.add(path+".gpu_type", "required when gpu_types defines more or fewer than one type")
	default:
		s.checkGPUTypeRef(c, typePath, o.GPUType)
	}
	switch _, ok := s.site(o.Site); {
	case o.Site == "":
		c.add(path+".site", "required when there is more than one lab site")
	case !ok:
		c.add(sitePath, "unknown site %q (sites: %s)", o.Site, s.siteNames())
	case o.Site == s.Farm.Site:
		c.add(sitePath, "%q is the farm's site; owners hold their GPUs at a lab site", o.Site)
	}
}

func (s *Scenario) validateOwners(c checker) {
	o := s.Owners
	trace := s.Workload.Trace != nil
	if len(o.List) == 0 && o.Generate == nil && o.PoolsFile == "" && o.Derive == nil && !trace {
		c.add("owners", "required: a list, generate or pools_file")
	}
	if o.Derive != nil {
		if !trace {
			c.add("owners.derive", "needs a trace workload to derive pools from")
		}
		if len(o.List) > 0 || o.Generate != nil || o.PoolsFile != "" {
			c.add("owners.derive", "cannot be combined with list, generate or pools_file")
		}
		if o.Derive.GPUs < 0 {
			c.add("owners.derive.gpus", "must be at least 0, got %d", o.Derive.GPUs)
		}
		if t := o.Derive.TargetUtil; t != 0 && !(t > 0 && t <= 1) {
			c.add("owners.derive.target_util", "must lie in (0, 1], got %v", t)
		}
		if o.Derive.GPUsPerNode < 0 {
			c.add("owners.derive.gpus_per_node", "must be at least 1, got %d", o.Derive.GPUsPerNode)
		}
	}
	if o.Defaults.Name != "" || o.Defaults.GPUs != 0 {
		c.add("owners.defaults", "name and gpus cannot have defaults")
	}
	s.checkGPUTypeRef(c, "owners.defaults.gpu_type", o.Defaults.GPUType)
	if d := o.Defaults.Site; d != "" {
		if _, ok := s.site(d); !ok {
			c.add("owners.defaults.site", "unknown site %q (sites: %s)", d, s.siteNames())
		}
	}
	lp := s.listPath()
	for i, x := range o.List {
		path := fmt.Sprintf("%s[%d]", lp, i)
		if x.Name == "" {
			c.add(path+".name", "required")
		} else if slices.IndexFunc(o.List[:i], func(y OwnerSpec) bool { return y.Name == x.Name }) >= 0 {
			c.add(path+".name", "owner %q listed twice", x.Name)
		}
		if x.GPUs < 0 {
			c.add(path+".gpus", "must be at least 0, got %d", x.GPUs)
		}
		s.checkOwnerFields(c, path, s.fillOwner(x), x)
	}
	if g := o.Generate; g != nil {
		s.validateGenerate(c, g)
	}
}

func (s *Scenario) validateGenerate(c checker, g *GenerateSpec) {
	const path = "owners.generate"
	if g.Count < 1 || g.Count > 1_000_000 {
		c.add(path+".count", "must lie in [1, 1000000], got %d", g.Count)
	}
	c.atLeast(path+".gpus_per_owner", g.GPUsPerOwner, 1)
	if g.GPUsPerOwner > 1e6 {
		c.add(path+".gpus_per_owner", "must be at most 1000000, got %v", g.GPUsPerOwner)
	}
	c.atLeast(path+".spread", g.Spread, 0)
	if g.Spread > 10 {
		c.add(path+".spread", "must be at most 10, got %v", g.Spread)
	}
	var sum float64
	for _, t := range g.GPUTypes {
		tp := path + ".gpu_types." + t.Type
		s.checkGPUTypeRef(c, tp, t.Type)
		if !(t.Weight >= 0) || !finite(t.Weight) {
			c.add(tp, "weight must be a finite number >= 0, got %v", t.Weight)
			continue
		}
		sum += t.Weight
	}
	if len(g.GPUTypes) > 0 && !(sum > 0) {
		c.add(path+".gpu_types", "weights must add up to more than 0")
	}
	spec := s.fillOwner(OwnerSpec{GPUType: g.firstType(), Site: g.Site, GPUsPerNode: g.GPUsPerNode, NodeW: g.NodeW})
	s.checkOwnerFields(c, path, spec, OwnerSpec{GPUType: g.firstType(), Site: g.Site})
}

// firstType stands for the generated owners' type when checking the type is defined at all.
func (g *GenerateSpec) firstType() string {
	if len(g.GPUTypes) > 0 {
		return g.GPUTypes[0].Type
	}
	return ""
}

func (s *Scenario) validateWorkload(c checker) {
	w := s.Workload
	switch {
	case w.Synthetic == nil && w.Trace == nil:
		c.add("workload", "required: synthetic or trace")
	case w.Synthetic != nil && w.Trace != nil:
		c.add("workload.trace", "give synthetic or trace, not both")
	}
	if w.Synthetic != nil {
		cfg := *w.Synthetic
		cfg.Horizon = float64(s.Horizon)
		cfg.withDefaults().check(func(path, format string, args ...any) {
			if path != "horizon" {
				path = "workload.synthetic." + path
			}
			c.add(path, format, args...)
		})
	}
	if t := w.Trace; t != nil {
		if t.File == "" {
			c.add("workload.trace.file", "required")
		}
		if _, err := traces.ParseFormat(t.Format); err != nil {
			c.add("workload.trace.format", "%v", err)
		}
		if t.Owners < 0 {
			c.add("workload.trace.owners", "must be at least 0, got %d", t.Owners)
		}
	}
}

// Upper bounds on scenario numbers. Like the workload limits (gpuplan.MaxSeconds, gpuplan.MaxGPUs)
// they lie far beyond any real fleet and far below where the simulator's float64 sums of joules
// and won lose meaning: a value past them is a typo or a unit mistake (a tdp_w of 1e300 gave
// negative energy), refused at its line instead of turned into a table of nonsense.
const (
	maxSeconds      = gpuplan.MaxSeconds // any duration: 100 years
	maxGPUWatts     = gpuplan.MaxPowerW  // tdp_w, idle_w, busy_w: 10 kW, ten times today's largest GPU
	maxNodeWatts    = 1e6                // node_w: 1 MW beside a node's GPUs
	maxFleetGPUs    = 10_000_000         // GPUs of the farm, of one owner, of all owners, of a quota
	maxNodeGPUs     = gpuplan.MaxGPUs    // gpus_per_node, and GPUs per job in a synthetic mix
	maxPUE          = 10
	maxPowerCapKW   = 1e7 // 10 GW
	maxOverhead     = 10  // node_overhead, a fraction of the node's GPU draw
	maxLoad         = 100 // synthetic load and max_owner_load (the latter may also be .inf)
	maxSigma        = 10  // lognormal sigmas: skew, duration.sigma
	maxRatePerWeek  = 1e6
	maxEstimate     = 1000
	maxKRWPerKWh    = 1e6
	maxKgCO2PerKWh  = 100
	maxKRWPerKWMon  = 1e8
	maxShare        = 1e9
	maxTraceOwners  = 1 << 20
	durationLimitIs = "100 years (3155760000 s)"
)

// atMost adds a problem at path when v is above hi (lower bounds and NaN are checked elsewhere).
func (c checker) atMost(path string, v, hi float64, what string) {
	if v > hi {
		c.add(path, "must be at most %s, got %v", what, v)
	}
}

func (c checker) seconds(path string, v Duration) {
	c.atMost(path, float64(v), maxSeconds, durationLimitIs)
}

func (c checker) count(path string, v int, hi int) {
	if v > hi {
		c.add(path, "must be at most %d, got %d", hi, v)
	}
}

// validateBounds checks every number of the scenario against its upper bound.
func (s *Scenario) validateBounds(c checker) {
	c.seconds("horizon", s.Horizon)
	for i, g := range s.GPUTypes {
		path := fmt.Sprintf("gpu_types[%d]", i)
		c.atMost(path+".tdp_w", g.TDPW, maxGPUWatts, "10000 W")
		c.atMost(path+".idle_w", g.IdleW, maxGPUWatts, "10000 W")
		c.atMost(path+".busy_w", g.BusyW, maxGPUWatts, "10000 W")
	}
	for i, x := range s.Sites {
		path := fmt.Sprintf("sites[%d]", i)
		c.atMost(path+".pue", x.PUE, maxPUE, "10")
		c.atMost(path+".power_cap_kw", x.PowerCapKW, maxPowerCapKW, "10000000 kW")
	}
	f := s.Farm
	c.count("farm.gpus", f.GPUs, maxFleetGPUs)
	c.count("farm.gpus_per_node", f.GPUsPerNode, maxNodeGPUs)
	c.atMost("farm.node_w", f.NodeW, maxNodeWatts, "1000000 W")
	c.atMost("farm.node_overhead", f.NodeOverhead, maxOverhead, "10")
	c.seconds("farm.idle_off", f.IdleOff)
	c.seconds("farm.boot", f.Boot)
	s.boundOwners(c)
	if w := s.Workload.Synthetic; w != nil {
		s.boundSynthetic(c, w)
	}
	if t := s.Workload.Trace; t != nil {
		c.count("workload.trace.owners", t.Owners, maxTraceOwners)
	}
	if q := s.Quota; q != nil {
		c.seconds("quota.grace", q.Grace)
		c.seconds("quota.checkpoint", q.Checkpoint)
		c.seconds("quota.restart_overhead", q.RestartOverhead)
		for _, name := range slices.Sorted(maps.Keys(q.Quotas)) {
			c.count(join("quota.quotas", name), q.Quotas[name], maxFleetGPUs)
		}
	}
	if fs := s.FairShare; fs != nil {
		c.seconds("fairshare.half_life", fs.HalfLife)
		for _, name := range slices.Sorted(maps.Keys(fs.Shares)) {
			c.atMost(join("fairshare.shares", name), fs.Shares[name], maxShare, "1000000000")
		}
	}
	c.atMost("estimate_factor", s.EstimateFactor, maxEstimate, "1000")
	c.atMost("prices.krw_per_kwh", s.Prices.KRWPerKWh, maxKRWPerKWh, "1000000")
	c.atMost("prices.kg_co2_per_kwh", s.Prices.KgCO2PerKWh, maxKgCO2PerKWh, "100")
	c.atMost("prices.krw_per_kw_month", s.Prices.KRWPerKWMonth, maxKRWPerKWMon, "100000000")
}

func (s *Scenario) boundOwners(c checker) {
	o := s.Owners
	bound := func(path string, x OwnerSpec) {
		c.count(path+".gpus", x.GPUs, maxFleetGPUs)
		c.count(path+".gpus_per_node", x.GPUsPerNode, maxNodeGPUs)
		c.atMost(path+".node_w", x.NodeW, maxNodeWatts, "1000000 W")
	}
	bound("owners.defaults", o.Defaults)
	lp := s.listPath()
	total, each := 0, true
	for i, x := range o.List {
		bound(fmt.Sprintf("%s[%d]", lp, i), x)
		total += max(x.GPUs, 0)
		each = each && x.GPUs <= maxFleetGPUs
	}
	if each && total > maxFleetGPUs { // (each bounds the sum: no overflow)
		c.add(lp, "owners hold %d GPUs together, more than the limit of %d", total, maxFleetGPUs)
	}
	if g := o.Generate; g != nil {
		c.count("owners.generate.gpus_per_node", g.GPUsPerNode, maxNodeGPUs)
		c.atMost("owners.generate.node_w", g.NodeW, maxNodeWatts, "1000000 W")
		if n := float64(g.Count) * g.GPUsPerOwner; n > maxFleetGPUs {
			c.add("owners.generate.gpus_per_owner", "count x gpus_per_owner must be at most %d GPUs, got %v", maxFleetGPUs, n)
		}
	}
	if d := o.Derive; d != nil {
		c.count("owners.derive.gpus", d.GPUs, maxFleetGPUs)
		c.count("owners.derive.gpus_per_node", d.GPUsPerNode, maxNodeGPUs)
	}
}

func (s *Scenario) boundSynthetic(c checker, w *Synthetic) {
	const p = "workload.synthetic."
	c.atMost(p+"load", w.Load, maxLoad, "100")
	if !math.IsInf(w.MaxOwnerLoad, 1) { // .inf removes the cap
		c.atMost(p+"max_owner_load", w.MaxOwnerLoad, maxLoad, "100 (or .inf)")
	}
	c.atMost(p+"skew", w.Skew, maxSigma, "10")
	for _, g := range w.GPUs {
		c.count(fmt.Sprintf("%sgpus.%d", p, g.GPUs), g.GPUs, maxNodeGPUs)
	}
	c.seconds(p+"duration.median", w.Duration.Median)
	c.seconds(p+"duration.p95", w.Duration.P95)
	c.seconds(p+"duration.mean", w.Duration.Mean)
	c.atMost(p+"duration.sigma", w.Duration.Sigma, maxSigma, "10")
	c.seconds(p+"max_duration", w.MaxDuration)
	if l := w.LatentLarge; l != nil {
		c.atMost(p+"latent_large.rate_per_week", l.RatePerWeek, maxRatePerWeek, "1000000")
		c.count(p+"latent_large.gpus", l.GPUs, maxNodeGPUs)
		c.seconds(p+"latent_large.duration", l.Duration)
	}
}
