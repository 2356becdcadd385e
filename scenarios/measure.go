package scenarios

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gpuplan/gpuplan/sim"
)

// MeasureSpec is a steady-state measurement window (sim.Options.Measure), as offsets from the
// first submit: warm-up (an empty cluster) and drain (queues emptying after the last submit) are
// artefacts of a finite trace, left out of every figure.
type MeasureSpec struct {
	From Duration   `yaml:"from"`
	To   MeasureEnd `yaml:"to"` // 0 or absent: the end of the run
}

// MeasureEnd is where a measurement window ends: a duration, or "horizon" (the scenario's).
type MeasureEnd struct {
	Horizon bool
	At      Duration
}

func (e *MeasureEnd) decodeYAML(d *decoder, n *yaml.Node, path string) {
	if n.Kind == yaml.ScalarNode && n.Value == "horizon" {
		*e = MeasureEnd{Horizon: true}
		return
	}
	e.At.decodeYAML(d, n, path)
}

// MarshalYAML writes "horizon" or the duration, as read.
func (e MeasureEnd) MarshalYAML() (any, error) {
	if e.Horizon {
		return "horizon", nil
	}
	return float64(e.At), nil
}

func (e MeasureEnd) String() string {
	if e.Horizon {
		return "horizon"
	}
	return e.At.String()
}

// seconds resolves the end against a horizon (seconds; 0: none).
func (e MeasureEnd) seconds(horizon float64) (float64, error) {
	if !e.Horizon {
		return float64(e.At), nil
	}
	if !(horizon > 0) {
		return 0, fmt.Errorf("to: horizon needs a horizon, and this workload has none")
	}
	return horizon, nil
}

// window resolves the spec into the simulator's terms.
func (m MeasureSpec) window(horizon float64) (sim.Measure, error) {
	to, err := m.To.seconds(horizon)
	if err != nil {
		return sim.Measure{}, err
	}
	from := float64(m.From)
	switch {
	case !finite(from) || from < 0:
		return sim.Measure{}, fmt.Errorf("from: must be at least 0, got %v", from)
	case !finite(to) || to < 0:
		return sim.Measure{}, fmt.Errorf("to: must be at least 0, got %v", to)
	case to != 0 && to <= from:
		return sim.Measure{}, fmt.Errorf("to: must be after from (%s), got %s", m.From, m.To)
	}
	return sim.Measure{FromS: from, ToS: to}, nil
}

func (s *Scenario) validateMeasure(c checker) {
	if m := s.Measure; m != nil {
		if _, err := m.window(float64(s.Horizon)); err != nil {
			key, msg, _ := strings.Cut(err.Error(), ": ")
			c.add("measure."+key, "%s", msg)
		}
	}
}

// ParseMeasure reads a window written FROM..TO, durations from the first submit in scenario
// syntax ("1w..horizon", "3d..8w"); FROM may be empty (0), TO empty (the end of the run) or
// horizon, resolved against horizon (seconds; 0: none). "all" (or "..") is the whole run.
func ParseMeasure(s string, horizon float64) (sim.Measure, error) {
	if t := strings.TrimSpace(s); t == "all" || t == ".." {
		return sim.Measure{}, nil
	}
	from, to, ok := strings.Cut(s, "..")
	if !ok {
		return sim.Measure{}, fmt.Errorf(`want FROM..TO, such as "1w..horizon" or "2d..6w", or all, got %q`, s)
	}
	var m MeasureSpec
	if from = strings.TrimSpace(from); from != "" {
		d, err := ParseDuration(from)
		if err != nil {
			return sim.Measure{}, fmt.Errorf("from: %w, got %q", err, from)
		}
		m.From = d
	}
	switch to = strings.TrimSpace(to); to {
	case "":
	case "horizon":
		m.To.Horizon = true
	default:
		d, err := ParseDuration(to)
		if err != nil {
			return sim.Measure{}, fmt.Errorf("to: %w, got %q", err, to)
		}
		m.To.At = d
	}
	return m.window(horizon)
}
