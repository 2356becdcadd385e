package planner

import (
	"fmt"
	"slices"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/sim"
)

// Model runs one point of a plan with one seed. It must give the same Metrics for the same point
// and seed, and be safe to call from several goroutines at once.
type Model interface {
	Run(p Point, seed uint64) (Metrics, error)
}

var _ Model = (*ScenarioModel)(nil)

// ScenarioModel runs a scenario with a point's parameters applied: the farm policy against
// fragmented on the same demand. The seed replaces the scenario's seed, so each replication draws
// its own owners' holdings, demand and consolidated owners where the scenario generates them (a
// trace's jobs stay the same: only a seeded owner assignment changes).
type ScenarioModel struct {
	Base *scenarios.Scenario
}

// Run builds the point's scenario with this seed and runs fragmented and the farm policy together
// (one sim.RunAll, so they share whatever the simulator shares between the worlds of one run).
// The metrics are the farm policy's, with the fragmented world's p95 wait and infeasible count.
func (m *ScenarioModel) Run(p Point, seed uint64) (Metrics, error) {
	b, policy, err := m.build(p, seed)
	if err != nil {
		return nil, err
	}
	res, err := sim.RunAll(b.Cluster, b.Workload, []string{"fragmented", policy}, b.Options)
	if err != nil {
		return nil, fmt.Errorf("planner: %s seed %d %v: %w", b.Name, seed, p.Map(), err)
	}
	out := MetricsOf(res[1])
	out[MetricFragWaitP95] = res[0].WaitS.P95
	out[MetricFragInfeasible] = float64(res[0].Jobs.Infeasible)
	return out, nil
}

// build returns the point's scenario built with this seed, and the farm policy it compares.
func (m *ScenarioModel) build(p Point, seed uint64) (*scenarios.Built, string, error) {
	s := m.Base.Clone()
	s.Seed = seed
	growth, err := apply(s, p)
	if err != nil {
		return nil, "", err
	}
	policy := FarmPolicy(s.Policies)
	if policy == "" {
		return nil, "", fmt.Errorf("%w: scenario %s compares no farm policy; sweep %s", ErrBadParam, s.Name, KeyPolicy)
	}
	b, err := s.Build()
	if err != nil {
		return nil, "", err
	}
	if growth != 1 && s.Workload.Trace != nil {
		compress(b.Workload, growth)
	}
	return b, policy, nil
}

// FarmPolicy is the first policy of the list other than fragmented ("" when there is none).
func FarmPolicy(policies []string) string {
	if len(policies) == 0 {
		policies = sim.Policies()
	}
	for _, p := range policies {
		if p != "fragmented" {
			return p
		}
	}
	return ""
}

// apply sets the point's parameters on a scenario clone; it returns the load growth factor,
// which for a trace is applied to the built workload.
func apply(s *scenarios.Scenario, p Point) (growth float64, err error) {
	growth = 1
	for _, x := range p {
		if err := checkValue(x.Key, x.Value); err != nil {
			return 0, err
		}
		switch x.Key {
		case KeyFarmShare:
			s.FarmShare, s.LabOwners = new(x.Value.(float64)), nil
		case KeyFarmGPUs:
			s.Farm.GPUs = int(x.Value.(float64))
		case KeyPowerCapKW, KeyCapMode:
			site := farmSite(s)
			if site == nil {
				return 0, fmt.Errorf("%w: %s: scenario %s has no farm site %q", ErrBadParam, x.Key, s.Name, s.Farm.Site)
			}
			if x.Key == KeyCapMode {
				site.CapMode = x.Value.(string)
			} else {
				site.PowerCapKW = x.Value.(float64)
			}
		case KeyPolicy:
			s.Policies = []string{"fragmented", x.Value.(string)}
		case KeyLoadGrowth:
			growth = x.Value.(float64)
			grow(s, growth)
		case KeyEstimateFactor:
			s.EstimateFactor = x.Value.(float64)
		}
	}
	if site := farmSite(s); site != nil {
		_, modeSet := p.Lookup(KeyCapMode)
		switch {
		case site.PowerCapKW > 0 && site.CapMode == "":
			site.CapMode = "throttle" // as scenarios.FileOptions: a cap without a mode throttles
		case site.PowerCapKW == 0 && modeSet:
			return 0, fmt.Errorf("%w: %s: the farm site %q has no power cap at this point; give %s too",
				ErrBadParam, KeyCapMode, site.Name, KeyPowerCapKW)
		case site.PowerCapKW == 0:
			site.CapMode = "" // a cap swept to 0: no cap, and a mode alone means nothing
		}
	}
	if len(s.Policies) > 0 && !slices.Contains(s.Policies, "fragmented") {
		s.Policies = append([]string{"fragmented"}, s.Policies...)
	}
	return growth, nil
}

func farmSite(s *scenarios.Scenario) *scenarios.SiteSpec {
	for i := range s.Sites {
		if s.Sites[i].Name == s.Farm.Site {
			return &s.Sites[i]
		}
	}
	return nil
}

// grow multiplies a synthetic workload's demand by g: every owner's offered load and the latent
// large jobs' rate scale by g, and so does the per-owner cap, so each owner's share of the demand
// stays the same (an owner above their own GPUs then queues in the fragmented world, as they
// would). A trace is compressed in time after it is built (see compress).
func grow(s *scenarios.Scenario, g float64) {
	syn := s.Workload.Synthetic
	if syn == nil || g == 1 {
		return
	}
	d := syn.WithDefaults()
	syn.Load = d.Load * g
	syn.MaxOwnerLoad = d.MaxOwnerLoad * g
	if l := syn.LatentLarge; l != nil {
		l.RatePerWeek *= g
	}
}

// compress divides every job's time since the first submission by g: the same jobs arrive g
// times as fast (interarrival scaling, the usual way to vary a trace's load).
func compress(w *gpuplan.Workload, g float64) {
	if len(w.Jobs) == 0 {
		return
	}
	t0 := w.Jobs[0].Submit
	for i := range w.Jobs {
		t0 = min(t0, w.Jobs[i].Submit)
	}
	for i := range w.Jobs {
		w.Jobs[i].Submit = t0 + (w.Jobs[i].Submit-t0)/g
	}
}
