package scenarios

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// maxReps bounds a scenario's reps: far beyond any useful study, far below a plan that never ends.
const maxReps = 10_000

// Sweep is the what-if study kept beside a scenario: `gpuplan plan` runs it when given no --sweep.
// YAML: a mapping {key: [values]} (one value may be written bare), in file order, the first key
// outermost in the cross product as the first --sweep is. The values are kept as written: the
// planner owns the parameter names and their bounds and reads them (planner.FileSweep), so this
// package checks only the shape. A sweep changes no run, so it is left out of the hash.
type Sweep []SweepAxis

// SweepAxis is one swept key and its values, as written.
type SweepAxis struct {
	Key    string
	Values []string

	list bool     // written as a list, so its values are key[i] in messages
	tags []string // the values' YAML tags, so "null" written quoted is written back quoted
}

// Path is the field path of the axis's value i in messages: sweep.key[i], or sweep.key for a
// value written bare (and for i < 0, the key itself).
func (a SweepAxis) Path(i int) string {
	if i < 0 || !a.list {
		return "sweep." + a.Key
	}
	return fmt.Sprintf("sweep.%s[%d]", a.Key, i)
}

func (sw Sweep) clone() Sweep {
	if sw == nil {
		return nil
	}
	out := make(Sweep, len(sw))
	for i, a := range sw {
		out[i] = a
		out[i].Values = append([]string(nil), a.Values...)
		out[i].tags = append([]string(nil), a.tags...)
	}
	return out
}

func (sw *Sweep) decodeYAML(d *decoder, n *yaml.Node, path string) {
	if n.Kind != yaml.MappingNode {
		d.p.at(n.Line, path, "want a mapping {key: [values]}, e.g. {farm_share: [0, 0.5, 1]}, got %s", kindName(n))
		return
	}
	d.keys(n, path, nil, func(key string, val *yaml.Node, kpath string) {
		if val = d.resolve(val); val == nil {
			return
		}
		a := SweepAxis{Key: key, list: val.Kind == yaml.SequenceNode}
		items := []*yaml.Node{val}
		if a.list {
			items = val.Content
			if len(items) == 0 {
				d.p.at(d.p.pos[kpath], kpath, "no values")
				return
			}
		}
		for i, it := range items {
			if it = d.resolve(it); it == nil {
				return
			}
			ipath := a.Path(i)
			if a.list {
				d.p.pos[ipath] = it.Line
			}
			if it.Kind != yaml.ScalarNode || isNull(it) {
				d.p.at(it.Line, ipath, "want a value (a number, or a name for cap_mode and policy), got %s", kindName(it))
				continue
			}
			a.Values = append(a.Values, it.Value)
			a.tags = append(a.tags, it.ShortTag())
		}
		*sw = append(*sw, a)
	})
}

// MarshalYAML writes the sweep in the form it is read in, so a written scenario reads back.
func (sw Sweep) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, a := range sw {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for i, v := range a.Values {
			tag := ""
			if i < len(a.tags) {
				tag = a.tags[i]
			}
			seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v})
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: a.Key}, seq)
	}
	return n, nil
}

// validateSweep checks reps; the sweep's shape was checked while decoding.
func (s *Scenario) validateSweep(c checker) {
	if s.Reps != 0 && (s.Reps < 2 || s.Reps > maxReps) {
		c.add("reps", "want 2 to %d seeds per point (a confidence interval needs two runs), got %d", maxReps, s.Reps)
	}
}

// FieldError returns a problem found outside this package in what the scenario holds (the
// planner reading its sweep), at the line recorded for path when the scenario was read.
func (s *Scenario) FieldError(path, format string, args ...any) *FieldError {
	p := s.problems()
	return &FieldError{File: p.file, Line: p.line(path), Path: path, Msg: fmt.Sprintf(format, args...)}
}
