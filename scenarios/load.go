package scenarios

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// Parse reads a scenario from YAML and validates it; file names the source in messages and is the
// base for relative paths in the scenario. All problems are returned at once, each a *FieldError.
func Parse(file string, data []byte) (*Scenario, error) {
	s, p, whole := decodeScenario(file, data)
	if whole {
		s.validate(p) // only a document read as a mapping can be checked field by field
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return s, nil
}

// Load reads and parses a scenario file.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	return Parse(path, data)
}

// Lookup finds a built-in scenario by name, else loads nameOrPath as a file.
func Lookup(nameOrPath string) (*Scenario, error) {
	if _, ok := builtinFile(nameOrPath); ok {
		return Builtin(nameOrPath)
	}
	if _, err := os.Stat(nameOrPath); err != nil {
		return nil, fmt.Errorf("%w %q: no built-in of that name (%s) and no such file",
			ErrUnknownScenario, nameOrPath, builtinNames())
	}
	return Load(nameOrPath)
}

// File returns the file the scenario was read from ("" when built in code).
func (s *Scenario) File() string { return s.file }

// resolvePath makes a path in the scenario relative to the scenario file's folder.
func (s *Scenario) resolvePath(p string) string {
	if filepath.IsAbs(p) || s.file == "" || isBuiltinFile(s.file) {
		return p
	}
	return filepath.Join(filepath.Dir(s.file), p)
}

// Clone returns a deep copy that a sweep may change freely.
func (s *Scenario) Clone() *Scenario {
	c := *s
	c.GPUTypes = slices.Clone(s.GPUTypes)
	for i := range c.GPUTypes {
		c.GPUTypes[i].Perf = slices.Clone(c.GPUTypes[i].Perf)
	}
	c.Sites = slices.Clone(s.Sites)
	if m := s.Measure; m != nil {
		m2 := *m
		c.Measure = &m2
	}
	c.Owners.List = slices.Clone(s.Owners.List)
	if g := s.Owners.Generate; g != nil {
		g2 := *g
		g2.GPUTypes = slices.Clone(g.GPUTypes)
		c.Owners.Generate = &g2
	}
	if d := s.Owners.Derive; d != nil {
		d2 := *d
		c.Owners.Derive = &d2
	}
	if w := s.Workload.Synthetic; w != nil {
		w2 := *w
		w2.GPUs = slices.Clone(w.GPUs)
		if l := w.LatentLarge; l != nil {
			l2 := *l
			w2.LatentLarge = &l2
		}
		c.Workload.Synthetic = &w2
	}
	if t := s.Workload.Trace; t != nil {
		t2 := *t
		c.Workload.Trace = &t2
	}
	c.Policies = slices.Clone(s.Policies)
	if f := s.FarmShare; f != nil {
		c.FarmShare = new(*f)
	}
	c.LabOwners = slices.Clone(s.LabOwners)
	c.Sweep = s.Sweep.clone()
	if q := s.Quota; q != nil {
		q2 := *q
		q2.Quotas = maps.Clone(q.Quotas)
		c.Quota = &q2
	}
	if f := s.FairShare; f != nil {
		f2 := *f
		f2.Shares = maps.Clone(f.Shares)
		c.FairShare = &f2
	}
	c.pos = make(map[string]int, len(s.pos))
	for k, v := range s.pos {
		c.pos[k] = v
	}
	return &c
}
