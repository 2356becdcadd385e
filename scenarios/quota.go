package scenarios

import (
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// The quota and fairshare keys: decoding of their owner maps, checks, and their sim.Options.

func (m *OwnerQuotas) decodeYAML(d *decoder, n *yaml.Node, path string) {
	*m = OwnerQuotas{}
	d.mapping(n, path, "{owner: GPUs}", func(key string, val *yaml.Node, kpath string) {
		if g, ok := d.int(val, kpath); ok {
			(*m)[key] = g
		}
	})
}

func (m *OwnerShares) decodeYAML(d *decoder, n *yaml.Node, path string) {
	*m = OwnerShares{}
	d.mapping(n, path, "{owner: weight}", func(key string, val *yaml.Node, kpath string) {
		if w, ok := d.float(val, kpath); ok {
			(*m)[key] = w
		}
	})
}

// validateQuota checks what needs no owners: durations, quotas and shares in range. Owner names
// are checked by checkPolicyOwners once the owners exist (they may be generated or read).
func (s *Scenario) validateQuota(c checker) {
	if q := s.Quota; q != nil {
		c.atLeast("quota.grace", float64(q.Grace), 0)
		c.atLeast("quota.checkpoint", float64(q.Checkpoint), 0)
		c.atLeast("quota.restart_overhead", float64(q.RestartOverhead), 0)
		for _, name := range slices.Sorted(maps.Keys(q.Quotas)) {
			path := join("quota.quotas", name)
			if strings.TrimSpace(name) == "" {
				c.add("quota.quotas", "owner name required")
			} else if g := q.Quotas[name]; g < 0 {
				c.add(path, "must be at least 0 GPUs, got %d", g)
			}
		}
	}
	if f := s.FairShare; f != nil {
		c.atLeast("fairshare.half_life", float64(f.HalfLife), 0)
		for _, name := range slices.Sorted(maps.Keys(f.Shares)) {
			path := join("fairshare.shares", name)
			if strings.TrimSpace(name) == "" {
				c.add("fairshare.shares", "owner name required")
			} else {
				c.atLeast(path, f.Shares[name], 0)
			}
		}
	}
}

// checkPolicyOwners reports quotas and shares given for owners the scenario does not have.
func (s *Scenario) checkPolicyOwners(owners []gpuplan.Owner, p *problems) {
	have := make(map[string]bool, len(owners))
	for _, o := range owners {
		have[o.Name] = true
	}
	check := func(base string, names []string) {
		for _, name := range names {
			if !have[name] {
				path := join(base, name)
				p.at(p.line(path), path, "unknown owner %q", name)
			}
		}
	}
	if q := s.Quota; q != nil {
		check("quota.quotas", slices.Sorted(maps.Keys(q.Quotas)))
	}
	if f := s.FairShare; f != nil {
		check("fairshare.shares", slices.Sorted(maps.Keys(f.Shares)))
	}
}

// quotaOptions copies the quota and fairshare keys into opt.
func (s *Scenario) quotaOptions(opt *sim.Options) {
	if q := s.Quota; q != nil {
		opt.Quota.NoBorrow = q.NoBorrow
		opt.Quota.GraceS = q.Grace.Seconds()
		opt.Quota.CheckpointS = q.Checkpoint.Seconds()
		opt.Quota.RestartOverheadS = q.RestartOverhead.Seconds()
		if len(q.Quotas) > 0 {
			opt.Quota.Quotas = maps.Clone(map[string]int(q.Quotas))
		}
	}
	if f := s.FairShare; f != nil {
		opt.FairShare.HalfLifeS = f.HalfLife.Seconds()
		if len(f.Shares) > 0 {
			opt.FairShare.Shares = maps.Clone(map[string]float64(f.Shares))
		}
	}
}
