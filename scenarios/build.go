package scenarios

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/scenarios/traces"
	"github.com/gpuplan/gpuplan/sim"
)

// Built is a scenario ready to simulate.
type Built struct {
	Name     string
	Seed     uint64
	Cluster  *gpuplan.Cluster
	Workload *gpuplan.Workload
	Policies []string
	Options  sim.Options
	// Horizon is the scenario's horizon in seconds (0: none), what a measurement window's end
	// "horizon" means.
	Horizon float64
	// Hash is the hex sha256 of the canonical scenario (every field, defaults as written) and of
	// the contents of the files it reads, so two runs with the same Hash and Seed had the same input.
	Hash string
	// Notes are what reading the workload found worth saying without failing, one line each: the
	// rows skipped and why, and warnings naming a row on which a derived value rests (a job years
	// away from all others). The command line prints them on stderr.
	Notes []string
}

const defaultFarmGPUsPerNode = 8

// Build validates the scenario, reads or generates its owners and workload, and assembles the
// cluster. Problems in files the scenario reads are reported with that file's name.
func (s *Scenario) Build() (*Built, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	digests := map[string]string{}
	rows, err := s.ownerRows(digests)
	if err != nil {
		return nil, err
	}
	owners, err := s.simOwners(rows)
	if err != nil {
		return nil, err
	}
	w, notes, err := s.workload(owners, digests)
	if err != nil {
		return nil, err
	}
	if len(owners) == 0 { // a trace without pools: derive them from its demand
		if owners, err = s.derivedOwners(w); err != nil {
			return nil, err
		}
	}
	if err := checkOwnersCovered(w, owners, s.problems().file); err != nil {
		return nil, err
	}
	p := s.problems() // every unknown owner at once, lab_owners, quotas and shares alike
	s.markLab(owners, p)
	s.checkPolicyOwners(owners, p)
	if err := p.err(); err != nil {
		return nil, err
	}
	c := &gpuplan.Cluster{Owners: owners}
	for _, x := range s.Sites {
		c.Sites = append(c.Sites, gpuplan.Site{Name: x.Name, PUE: x.PUE, CapW: x.PowerCapKW * 1000, CapMode: capMode(x.CapMode)})
	}
	c.GPUTypes = s.usedGPUTypes(owners)
	if c.Farm, err = s.farm(owners); err != nil {
		return nil, err
	}
	for _, g := range c.Farm.Nodes { // a farm of another type adds it to the list
		if !slices.ContainsFunc(c.GPUTypes, func(t gpuplan.GPUType) bool { return t.Name == g.GPUType }) {
			c.GPUTypes = append(c.GPUTypes, s.gpuType(g.GPUType))
		}
	}
	b := &Built{Name: s.Name, Seed: s.Seed, Cluster: c, Workload: w, Policies: s.Policies, Notes: notes, Horizon: float64(s.Horizon)}
	if len(b.Policies) == 0 {
		b.Policies = policyNames()
	}
	b.Policies = slices.Clone(b.Policies)
	b.Options = sim.Options{Placement: placement(s.Placement), EstimateFactor: s.EstimateFactor,
		Prices: sim.Prices{KRWPerKWh: s.Prices.KRWPerKWh, KgCO2PerKWh: s.Prices.KgCO2PerKWh, KRWPerKWMonth: s.Prices.KRWPerKWMonth}}
	s.quotaOptions(&b.Options)
	if m := s.Measure; m != nil {
		if b.Options.Measure, err = m.window(b.Horizon); err != nil { // validated above
			return nil, fmt.Errorf("%s: measure.%w", s.problems().file, err)
		}
	}
	if b.Hash, err = s.hash(digests); err != nil {
		return nil, err
	}
	return b, nil
}

func capMode(m string) gpuplan.CapMode {
	switch m {
	case "queue":
		return gpuplan.CapQueue
	case "throttle":
		return gpuplan.CapThrottle
	}
	return gpuplan.CapNone
}

func placement(p string) sim.Placement {
	switch p {
	case "pool":
		return sim.PlacementPool
	case "nodes":
		return sim.PlacementNodes
	}
	return sim.PlacementDefault
}

// gpuType returns a referenced type, the scenario's definition first, else the catalogue's.
func (s *Scenario) gpuType(name string) gpuplan.GPUType {
	for _, g := range s.GPUTypes {
		if g.Name == name {
			return resolveGPUType(g)
		}
	}
	t, _ := catalogType(name)
	return t
}

// usedGPUTypes lists the scenario's own types in order, then catalogue types the owners use.
func (s *Scenario) usedGPUTypes(owners []gpuplan.Owner) []gpuplan.GPUType {
	var out []gpuplan.GPUType
	for _, g := range s.GPUTypes {
		out = append(out, resolveGPUType(g))
	}
	for _, o := range owners {
		for _, n := range o.Nodes {
			if !slices.ContainsFunc(out, func(t gpuplan.GPUType) bool { return t.Name == n.GPUType }) {
				out = append(out, s.gpuType(n.GPUType))
			}
		}
	}
	return out
}

// ownerRow is one holding from any owner source, defaults applied; an owner may have several
// (pools-file rows of two GPU types).
type ownerRow struct {
	OwnerSpec
	where      string // "owners[3]", "owner[alice]": for messages
	repeatable bool   // pools-file rows: one owner may hold several kinds of node
}

func (s *Scenario) ownerRows(digests map[string]string) ([]ownerRow, error) {
	var rows []ownerRow
	lp := s.listPath()
	for i, o := range s.Owners.List {
		rows = append(rows, ownerRow{s.fillOwner(o), fmt.Sprintf("%s[%d]", lp, i), false})
	}
	if g := s.Owners.Generate; g != nil {
		for _, o := range s.generateOwners(g) {
			rows = append(rows, ownerRow{o, "owners.generate", false})
		}
	}
	if f := s.Owners.PoolsFile; f != "" {
		path := s.resolvePath(f)
		pools, err := s.readPools(path)
		if err != nil {
			return nil, fmt.Errorf("%s: owners.pools_file: %w", s.problems().file, err)
		}
		if digests[f], err = s.poolsDigest(path); err != nil {
			return nil, err
		}
		p := &problems{file: path}
		c := checker{p}
		for _, pool := range pools {
			spec := s.fillOwner(OwnerSpec{Name: pool.Owner, GPUs: pool.GPUs, GPUsPerNode: pool.GPUsPerNode,
				GPUType: pool.GPUType, Site: pool.Site})
			where := fmt.Sprintf("owner[%s]", pool.Owner)
			s.checkOwnerFields(c, where, spec, spec)
			rows = append(rows, ownerRow{spec, where, true})
		}
		if err := p.err(); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// simOwners merges rows by owner name (keeping first-appearance order) into node groups.
func (s *Scenario) simOwners(rows []ownerRow) ([]gpuplan.Owner, error) {
	var owners []gpuplan.Owner
	index := map[string]int{}
	fromPools := map[int]bool{}
	p := s.problems()
	for _, r := range rows {
		i, seen := index[r.Name]
		if !seen {
			i = len(owners)
			index[r.Name] = i
			fromPools[i] = r.repeatable
			owners = append(owners, gpuplan.Owner{Name: r.Name, Site: r.Site})
		} else if owners[i].Site != r.Site {
			p.at(0, r.where, "owner %q is already at site %q, not %q", r.Name, owners[i].Site, r.Site)
			continue
		} else if !r.repeatable || !fromPools[i] {
			p.at(p.line(r.where), r.where, "owner %q defined twice", r.Name)
			continue
		}
		owners[i].Nodes = append(owners[i].Nodes, nodeGroups(r.GPUs, r.GPUsPerNode, r.GPUType, r.NodeW)...)
	}
	return owners, p.err()
}

// nodeGroups splits g GPUs into nodes of gpn (0: one node), the remainder in one smaller node.
func nodeGroups(g, gpn int, gpuType string, nodeW float64) []gpuplan.NodeGroup {
	if g <= 0 {
		return nil
	}
	if gpn <= 0 || gpn > g {
		gpn = g
	}
	out := []gpuplan.NodeGroup{{Count: g / gpn, GPUsPerNode: gpn, GPUType: gpuType, NodeW: nodeW}}
	if r := g % gpn; r > 0 {
		out = append(out, gpuplan.NodeGroup{Count: 1, GPUsPerNode: r, GPUType: gpuType, NodeW: nodeW})
	}
	return out
}

// generateOwners makes the owners of a generate block: holdings that add up to round(count x mean)
// exactly, scattered lognormally with the given coefficient of variation, each owner at least one
// GPU; types assigned so each type's share of GPUs tracks its weight.
func (s *Scenario) generateOwners(g *GenerateSpec) []OwnerSpec {
	n := g.Count
	total := max(n, int(math.Round(float64(n)*g.GPUsPerOwner)))
	weights := make([]float64, n)
	src := stream(s.Seed, streamOwners, 0)
	sigma := math.Sqrt(math.Log1p(g.Spread * g.Spread))
	ln := distuv.LogNormal{Mu: -sigma * sigma / 2, Sigma: sigma, Src: src}
	for i := range weights {
		weights[i] = 1
		if g.Spread > 0 {
			weights[i] = ln.Rand()
		}
	}
	held := apportion(total-n, weights)
	base := s.fillOwner(OwnerSpec{Site: g.Site, GPUsPerNode: g.GPUsPerNode, NodeW: g.NodeW})
	prefix := cmpOr(g.Prefix, "r")
	width := max(3, len(fmt.Sprint(n)))
	out := make([]OwnerSpec, n)
	for i := range out {
		out[i] = base
		out[i].Name = fmt.Sprintf("%s%0*d", prefix, width, i+1)
		out[i].GPUs = held[i] + 1
	}
	if len(g.GPUTypes) > 0 {
		assignTypes(out, g.GPUTypes, src)
	}
	return out
}

// apportion splits total into integer parts proportional to weights (largest remainder, ties to
// the lower index).
func apportion(total int, weights []float64) []int {
	out := make([]int, len(weights))
	var sum float64
	for _, w := range weights {
		sum += w
	}
	if total <= 0 || !(sum > 0) {
		return out
	}
	rem := make([]float64, len(weights))
	given := 0
	for i, w := range weights {
		q := float64(total) * w / sum
		out[i] = int(q)
		rem[i] = q - float64(out[i])
		given += out[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rem[order[a]] > rem[order[b]] })
	for k := 0; given < total; k++ {
		out[order[k%len(order)]]++
		given++
	}
	return out
}

// assignTypes gives each owner, in a seeded random order, the type furthest below its target
// share of the GPUs assigned so far, so the fleet's mix matches the weights to within one owner.
func assignTypes(owners []OwnerSpec, mix TypeMix, src *rand.PCG) {
	var wsum float64
	for _, t := range mix {
		wsum += t.Weight
	}
	order := rand.New(src).Perm(len(owners))
	got := make([]float64, len(mix))
	var done float64
	for _, i := range order {
		g := float64(owners[i].GPUs)
		best, bestGap := 0, math.Inf(-1)
		for k, t := range mix {
			if t.Weight <= 0 {
				continue
			}
			if gap := t.Weight/wsum*(done+g) - got[k]; gap > bestGap {
				best, bestGap = k, gap
			}
		}
		owners[i].GPUType = mix[best].Type
		got[best] += g
		done += g
	}
}

// workload generates or reads the jobs; notes are the reader's skipped rows and warnings.
func (s *Scenario) workload(owners []gpuplan.Owner, digests map[string]string) (w *gpuplan.Workload, notes []string, err error) {
	if cfg := s.Workload.Synthetic; cfg != nil {
		c := *cfg
		c.Horizon = float64(s.Horizon)
		w, err := Generate(c, owners, s.Seed)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: workload.synthetic: %w", s.problems().file, err)
		}
		return w, nil, nil
	}
	t := s.Workload.Trace
	if s.given != nil {
		w := cloneWorkload(s.given)
		digest, err := workloadDigest(w)
		if err != nil {
			return nil, nil, err
		}
		digests[t.File] = digest
		if s.Horizon > 0 {
			keepHorizon(w, float64(s.Horizon))
		}
		return w, nil, nil
	}
	f, _ := traces.ParseFormat(t.Format)
	path := s.resolvePath(t.File)
	seed := t.Seed
	if seed == 0 {
		seed = s.Seed
	}
	w, info, err := traces.ReadFileInfo(path, f, traces.Options{Owners: t.Owners, Seed: seed, SkipBad: t.SkipBad})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: workload.trace: %w", s.problems().file, err)
	}
	digests[t.File] = info.Digest
	if n := info.Skipped.String(); n != "" {
		notes = append(notes, path+": "+n)
	}
	for _, x := range info.Warnings {
		notes = append(notes, "warning: "+x.String())
	}
	if s.Horizon > 0 {
		keepHorizon(w, float64(s.Horizon))
	}
	return w, notes, nil
}

// keepHorizon drops the jobs submitted more than h seconds after the first submission.
func keepHorizon(w *gpuplan.Workload, h float64) {
	if len(w.Jobs) == 0 {
		return
	}
	first := math.Inf(1)
	for i := range w.Jobs {
		first = min(first, w.Jobs[i].Submit)
	}
	w.Jobs = slices.DeleteFunc(w.Jobs, func(j gpuplan.Job) bool { return j.Submit-first >= h })
}

func (s *Scenario) derivedOwners(w *gpuplan.Workload) ([]gpuplan.Owner, error) {
	d := DeriveSpec{}
	if s.Owners.Derive != nil {
		d = *s.Owners.Derive
	}
	def := s.fillOwner(OwnerSpec{})
	pools := traces.DerivePools(w, traces.PoolOptions{TotalGPUs: d.GPUs, TargetUtil: d.TargetUtil,
		GPUsPerNode: d.GPUsPerNode, GPUType: def.GPUType, Site: def.Site, FitLargestJob: d.FitLargestJob})
	rows := make([]ownerRow, len(pools))
	p := s.problems()
	c := checker{p}
	s.checkOwnerFields(c, "owners.derive", def, OwnerSpec{})
	if err := p.err(); err != nil {
		return nil, err
	}
	for i, pool := range pools {
		rows[i] = ownerRow{OwnerSpec{Name: pool.Owner, GPUs: pool.GPUs, GPUsPerNode: pool.GPUsPerNode,
			GPUType: def.GPUType, Site: def.Site, NodeW: def.NodeW}, "owners.derive", false}
	}
	return s.simOwners(rows)
}

// checkOwnersCovered fails when a job's owner holds no pool: the fragmented world has nowhere to
// run it, which is almost always a naming mismatch between the workload and the pools.
func checkOwnersCovered(w *gpuplan.Workload, owners []gpuplan.Owner, file string) error {
	have := make(map[string]bool, len(owners))
	for _, o := range owners {
		have[o.Name] = true
	}
	used := make([]bool, len(w.Owners))
	for i := range w.Jobs {
		if o := w.Jobs[i].Owner; o >= 0 && int(o) < len(used) {
			used[o] = true
		}
	}
	var missing []string
	for i, name := range w.Owners {
		if used[i] && !have[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	more := ""
	if len(missing) > 5 {
		more = fmt.Sprintf(" and %d more", len(missing)-5)
		missing = missing[:5]
	}
	return &FieldError{File: file, Path: "owners", Msg: fmt.Sprintf("workload owners without GPUs: %s%s",
		strings.Join(missing, ", "), more)}
}

// farm lays the consolidated GPUs out in nodes: per GPU type, whole nodes and one smaller node for
// any remainder, so the farm has exactly the GPUs asked for. Only owners without Lab move to the
// farm; when some keep their pools, a farm.gpus given is scaled by the consolidated owners' share
// of the GPUs held (rounded), so farm_share 0 leaves no farm and 1 the farm as written.
func (s *Scenario) farm(owners []gpuplan.Owner) (gpuplan.Farm, error) {
	f := s.Farm
	farm := gpuplan.Farm{Site: f.Site, IdleOffS: float64(f.IdleOff), BootS: float64(f.Boot)}
	type share struct {
		typ  string
		gpus int
	}
	var shares []share
	heldAll := 0
	for _, o := range owners {
		for _, g := range o.Nodes {
			heldAll += g.GPUs()
			if o.Lab {
				continue
			}
			k := slices.IndexFunc(shares, func(x share) bool { return x.typ == g.GPUType })
			if k < 0 {
				shares = append(shares, share{typ: g.GPUType})
				k = len(shares) - 1
			}
			shares[k].gpus += g.GPUs()
		}
	}
	held := 0
	for _, x := range shares {
		held += x.gpus
	}
	total := cmp.Or(f.GPUs, held)
	if f.GPUs > 0 && held < heldAll {
		total = int(math.Round(float64(f.GPUs) * float64(held) / float64(heldAll)))
	}
	switch {
	case f.GPUType != "":
		shares = []share{{f.GPUType, total}}
	case total != held && held > 0:
		w := make([]float64, len(shares))
		for i, x := range shares {
			w[i] = float64(x.gpus)
		}
		for i, g := range apportion(total, w) {
			shares[i].gpus = g
		}
	case held == 0 && total > 0:
		return farm, &FieldError{File: s.problems().file, Line: s.problems().line("farm.gpu_type"), Path: "farm.gpu_type",
			Msg: "required when the owners hold no GPUs to take the type from"}
	}
	gpn := cmp.Or(f.GPUsPerNode, defaultFarmGPUsPerNode)
	for _, x := range shares {
		t := s.gpuType(x.typ)
		for _, g := range nodeGroups(x.gpus, gpn, x.typ, 0) {
			g.NodeW = f.NodeW
			if f.NodeOverhead > 0 {
				g.NodeW = f.NodeOverhead * float64(g.GPUsPerNode) * t.BusyW
			}
			farm.Nodes = append(farm.Nodes, g)
		}
	}
	return farm, nil
}
