package scenarios

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gpuplan/gpuplan"
)

// Partial consolidation: farm_share or lab_owners choose the owners who keep their lab pools in
// the farm world (gpuplan.Owner.Lab).

func (s *Scenario) validatePartial(c checker) {
	if f := s.FarmShare; f != nil && !(*f >= 0 && *f <= 1) {
		c.add("farm_share", "must lie in [0, 1], got %v", *f)
	}
	if s.FarmShare != nil && len(s.LabOwners) > 0 {
		c.add("lab_owners", "give farm_share or lab_owners, not both")
	}
	for i, name := range s.LabOwners {
		path := fmt.Sprintf("lab_owners[%d]", i)
		if strings.TrimSpace(name) == "" {
			c.add(path, "owner name required")
		} else if slices.Index(s.LabOwners, name) < i {
			c.add(path, "owner %q listed twice", name)
		}
	}
}

// shareKey orders owners for farm_share: the first 8 bytes (big-endian) of
// sha256(seed as 8 little-endian bytes, then the owner's name).
func shareKey(seed uint64, name string) uint64 {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(name))
	return binary.BigEndian.Uint64(h.Sum(nil))
}

// consolidated lists which owners a farm share consolidates: owners ordered by shareKey(seed,
// name), ties by name, and the first round(share x len(names)) of that order (halves round up).
// The choice depends on the names and the seed, not on their order, and a larger share
// consolidates everyone a smaller one did, so a farm_share sweep moves owners one way only.
func consolidated(names []string, share float64, seed uint64) []bool {
	type ranked struct {
		key  uint64
		name string
		i    int
	}
	r := make([]ranked, len(names))
	for i, n := range names {
		r[i] = ranked{shareKey(seed, n), n, i}
	}
	slices.SortFunc(r, func(a, b ranked) int { return cmp.Or(cmp.Compare(a.key, b.key), strings.Compare(a.name, b.name)) })
	k := int(math.Round(min(max(share, 0), 1) * float64(len(names))))
	out := make([]bool, len(names))
	for _, x := range r[:k] {
		out[x.i] = true
	}
	return out
}

// markLab sets gpuplan.Owner.Lab on the owners who keep their lab pools; owners named in lab_owners
// must exist (reported to p).
func (s *Scenario) markLab(owners []gpuplan.Owner, p *problems) {
	switch {
	case len(s.LabOwners) > 0:
		index := make(map[string]int, len(owners))
		for i, o := range owners {
			index[o.Name] = i
		}
		for i, name := range s.LabOwners {
			k, ok := index[name]
			if !ok {
				path := fmt.Sprintf("lab_owners[%d]", i)
				p.at(p.line(path), path, "unknown owner %q", name)
				continue
			}
			owners[k].Lab = true
		}
	case s.FarmShare != nil:
		names := make([]string, len(owners))
		for i, o := range owners {
			names[i] = o.Name
		}
		for i, in := range consolidated(names, *s.FarmShare, s.Seed) {
			owners[i].Lab = !in
		}
	}
}
