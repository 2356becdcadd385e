package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// ErrBadResults is wrapped by every error about the content of a results document.
var ErrBadResults = errors.New("report: bad results document")

// DecodeError is a mistake in a results document: the file, the line where known, and the field as a
// path such as policies[1].wait_cdf_s.
type DecodeError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

// cdfPoints is the length of wait_cdf_s: the percentiles 0, 1, ..., 100.
const cdfPoints = 101

// ReadFile reads and decodes a results document.
func ReadFile(path string) (*Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return Decode(path, data)
}

// Decode reads a `simulate --json` result or a plan result; file names the source in messages. It
// checks what the brief relies on (policies present, timelines aligned, intervals ordered) and returns
// a *DecodeError for the first problem.
func Decode(file string, data []byte) (*Document, error) {
	var head struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, jsonError(file, data, err)
	}
	d := &Document{File: file, Kind: head.Kind}
	switch head.Kind {
	case "plan":
		var p Plan
		if err := strictUnmarshal(data, &p); err != nil {
			return nil, jsonError(file, data, err)
		}
		if p.Run == nil {
			return nil, &DecodeError{File: file, Line: 1, Field: "run", Msg: "missing: a plan carries the run of its scenario"}
		}
		d.Plan = &p
		d.Run = *p.Run
		d.Run.Assumptions = append(slices.Clone(p.Assumptions), d.Run.Assumptions...)
		if d.Run.Events == nil {
			d.Run.Events = p.Events
		}
		if d.Run.Measure == nil {
			d.Run.Measure = p.Measure
		}
	case "", "simulate":
		d.Kind = "simulate"
		if err := strictUnmarshal(data, &d.Run); err != nil {
			return nil, jsonError(file, data, err)
		}
	default:
		return nil, &DecodeError{File: file, Line: lineOf(data, "kind"), Field: "kind",
			Msg: fmt.Sprintf("%q: want plan or simulate (or no kind)", head.Kind)}
	}
	markCaps(data, d)
	if err := d.validate(); err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			de.File = file
			de.Line = fieldLine(data, de.Field)
		}
		return nil, err
	}
	return d, nil
}

// markCaps sets CapGiven: encoding/json reads an absent field and a null alike, so a second, light
// pass looks for the key itself.
func markCaps(data []byte, d *Document) {
	type caps struct {
		Policies []struct {
			Cap json.RawMessage `json:"power_cap_kw"`
		} `json:"policies"`
	}
	var probe struct {
		caps
		Run *caps `json:"run"`
	}
	if json.Unmarshal(data, &probe) != nil {
		return
	}
	c := probe.caps
	if d.Plan != nil && probe.Run != nil {
		c = *probe.Run
	}
	for i := range d.Policies {
		if i < len(c.Policies) {
			d.Policies[i].CapGiven = c.Policies[i].Cap != nil
		}
	}
}

// strictUnmarshal rejects trailing data after the document; unknown fields stay allowed so newer
// writers can add them.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return &json.SyntaxError{Offset: dec.InputOffset()}
	}
	return nil
}

func jsonError(file string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		msg := se.Error()
		if se.Offset > 0 && msg == "" {
			msg = "unexpected data after the document"
		}
		return &DecodeError{File: file, Line: lineAt(data, se.Offset), Msg: "invalid JSON: " + msg}
	case errors.As(err, &te):
		return &DecodeError{File: file, Line: lineAt(data, te.Offset), Field: te.Field,
			Msg: fmt.Sprintf("got JSON %s, want %s", te.Value, te.Type)}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &DecodeError{File: file, Line: lineAt(data, int64(len(data))), Msg: "truncated JSON"}
	default:
		// Errors from Value.UnmarshalJSON carry no field; the message still names the file.
		return &DecodeError{File: file, Msg: err.Error()}
	}
}

func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// fieldLine is the line of a field, or of the nearest enclosing value that is present (a missing
// field is reported at the object that lacks it).
func fieldLine(data []byte, path string) int {
	for p := path; p != ""; {
		if l := lineOf(data, p); l > 0 {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	// The top-level object: the line of its opening brace.
	return lineAt(data, int64(bytes.IndexByte(data, '{')))
}

// lineOf finds the line of a field path (policies[1].timeline.t_s) by walking the JSON tokens; it
// returns 0 when the path is not in the document.
func lineOf(data []byte, path string) int {
	if path == "" {
		return 0
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		path  string
		array bool
		index int
		key   string
		isKey bool // the next string token in an object is a key
	}
	var stack []frame
	// childPath names the value about to start at the current position.
	childPath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := &stack[len(stack)-1]
		if f.array {
			return f.path + "[" + strconv.Itoa(f.index) + "]"
		}
		if f.path == "" {
			return f.key
		}
		return f.path + "." + f.key
	}
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		if f.array {
			f.index++
		} else {
			f.isKey = true
		}
	}
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return 0
		}
		if len(stack) > 0 && !stack[len(stack)-1].array && stack[len(stack)-1].isKey {
			if k, ok := tok.(string); ok {
				stack[len(stack)-1].key = k
				stack[len(stack)-1].isKey = false
				if childPath() == path {
					return lineAt(data, dec.InputOffset())
				}
				continue
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			p := childPath()
			if p == path && len(stack) > 0 {
				return lineAt(data, off+1)
			}
			stack = append(stack, frame{path: p, array: tok == json.Delim('['), isKey: true})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			if childPath() == path {
				return lineAt(data, dec.InputOffset())
			}
			valueDone()
		}
	}
}

func fieldErr(field, format string, a ...any) error {
	return &DecodeError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

func (d *Document) validate() error {
	if err := d.Run.validate(""); err != nil {
		return err
	}
	if d.Plan != nil {
		return d.Plan.validate()
	}
	return nil
}

func (r *Run) validate(prefix string) error {
	if len(r.Policies) == 0 {
		return fieldErr(prefix+"policies", "no policies: nothing to report")
	}
	seen := map[string]bool{}
	for i := range r.Policies {
		p := &r.Policies[i]
		f := fmt.Sprintf("%spolicies[%d]", prefix, i)
		if p.Name == "" {
			return fieldErr(f+".name", "missing")
		}
		if seen[p.Name] {
			return fieldErr(f+".name", "policy %q appears twice", p.Name)
		}
		seen[p.Name] = true
		if err := p.validate(f); err != nil {
			return err
		}
	}
	for i, c := range r.Comparisons {
		f := fmt.Sprintf("%scomparisons[%d]", prefix, i)
		if !seen[c.Baseline] {
			return fieldErr(f+".baseline", "%q is not among the policies", c.Baseline)
		}
		if !seen[c.Policy] {
			return fieldErr(f+".policy", "%q is not among the policies", c.Policy)
		}
		if c.Better < 0 || c.Worse < 0 || c.Unchanged < 0 {
			return fieldErr(f, "negative owner count")
		}
	}
	if m := r.Measure; m != nil && !(m.ToS >= m.FromS) {
		return fieldErr(prefix+"measure", "to_s %g before from_s %g", m.ToS, m.FromS)
	}
	return nil
}

func (p *Policy) validate(f string) error {
	w := p.WaitS
	for _, v := range []struct {
		name string
		x    float64
	}{{"wait_s.mean", w.Mean}, {"wait_s.p50", w.P50}, {"wait_s.p95", w.P95}, {"wait_s.p99", w.P99},
		{"wait_s.max", w.Max}, {"window_s", p.WindowS}, {"energy_kwh.facility", p.EnergyKWh.Facility},
		{"peak_power_kw", p.PeakPowerKW}, {"gpus", float64(p.GPUs)}} {
		if v.x < 0 {
			return fieldErr(f+"."+v.name, "negative (%g)", v.x)
		}
	}
	if p.Utilization < 0 || p.Utilization > 1+1e-9 {
		return fieldErr(f+".utilization", "%g is outside [0, 1]", p.Utilization)
	}
	if n := len(p.WaitCDFS); n != 0 {
		if n != cdfPoints {
			return fieldErr(f+".wait_cdf_s", "%d numbers, want %d (percentiles 0 to 100)", n, cdfPoints)
		}
		for i := 1; i < n; i++ {
			if p.WaitCDFS[i] < p.WaitCDFS[i-1] {
				return fieldErr(f+".wait_cdf_s", "percentile %d (%g) below percentile %d (%g)",
					i, p.WaitCDFS[i], i-1, p.WaitCDFS[i-1])
			}
		}
	}
	t := p.Timeline
	n := len(t.TS)
	for _, s := range []struct {
		name string
		n    int
	}{{"utilization", len(t.Utilization)}, {"power_kw", len(t.PowerKW)}, {"queued", len(t.Queued)},
		{"limit_frac", len(t.LimitFrac)}} {
		if s.n != n && s.n != 0 {
			return fieldErr(f+".timeline."+s.name, "%d samples, t_s has %d", s.n, n)
		}
	}
	for i := 1; i < n; i++ {
		if t.TS[i] < t.TS[i-1] {
			return fieldErr(f+".timeline.t_s", "time goes backwards at sample %d", i)
		}
	}
	return nil
}

var sizingKinds = []string{"gpus", "power", "cap"}

func (p *Plan) validate() error {
	keys := map[string]bool{}
	for i, s := range p.Sweep {
		f := fmt.Sprintf("sweep[%d]", i)
		if s.Key == "" {
			return fieldErr(f+".key", "missing")
		}
		if keys[s.Key] {
			return fieldErr(f+".key", "%q swept twice", s.Key)
		}
		keys[s.Key] = true
		if len(s.Values) == 0 {
			return fieldErr(f+".values", "no values")
		}
	}
	for i, pt := range p.Points {
		f := fmt.Sprintf("points[%d]", i)
		for k := range pt.Params {
			if !keys[k] {
				return fieldErr(f+".params."+k, "not a swept key")
			}
		}
		if err := validStats(f+".metrics", pt.Metrics); err != nil {
			return err
		}
	}
	if s := p.Sizing; s != nil {
		if !slices.Contains(sizingKinds, s.Kind) {
			return fieldErr("sizing.kind", "%q: want %s", s.Kind, strings.Join(sizingKinds, ", "))
		}
		if s.Target.Metric == "" {
			return fieldErr("sizing.target.metric", "missing")
		}
		for i, c := range s.Curve {
			if err := validStats(fmt.Sprintf("sizing.curve[%d].metrics", i), c.Metrics); err != nil {
				return err
			}
		}
	}
	return nil
}

func validStats(f string, m map[string]Stat) error {
	for _, name := range slices.Sorted(maps.Keys(m)) {
		s := m[name]
		if math.IsNaN(s.Mean) {
			return fieldErr(f+"."+name, "mean is null: a metric needs at least one run")
		}
		if math.IsNaN(s.Lo) != math.IsNaN(s.Hi) {
			return fieldErr(f+"."+name, "one bound of the interval is null: both or neither (null for one run)")
		}
		if !s.HasInterval() && s.N > 1 {
			return fieldErr(f+"."+name, "no interval (lo and hi null) over %d runs: only one run has none", s.N)
		}
		// Intervals are printed as written; a mean outside its own interval is a writer's bug.
		tol := 1e-9 * max(1, math.Abs(s.Mean))
		if s.Lo > s.Mean+tol || s.Mean > s.Hi+tol {
			return fieldErr(f+"."+name, "mean %g outside its interval [%g, %g]", s.Mean, s.Lo, s.Hi)
		}
		if s.N < 0 || s.SD < 0 {
			return fieldErr(f+"."+name, "negative n or sd")
		}
	}
	return nil
}
