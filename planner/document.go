package planner

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// Document is a plan's results.json: the sweep's points, the sizing, and the base scenario's full
// run for the report's charts. Nothing in it depends on wall-clock time or on the number of cores.
type Document struct {
	Kind         string `json:"kind"` // always "plan"
	Scenario     string `json:"scenario"`
	ScenarioHash string `json:"scenario_hash"`
	Version      string `json:"version"`
	// Policy is the farm policy every point runs against fragmented, unless a point's own policy
	// (a swept key) says otherwise.
	Policy string   `json:"policy"`
	Seeds  []uint64 `json:"seeds"`
	Reps   int      `json:"reps"`
	// Measure is the run's measurement window, when the simulator reports one.
	Measure any           `json:"measure,omitempty"`
	Sweep   []Axis        `json:"sweep"`
	Points  []PointResult `json:"points"`
	Sizing  *Sizing       `json:"sizing,omitempty"`
	// Run is the base scenario's results document as `gpuplan simulate --json` writes it.
	Run any `json:"run,omitempty"`
}

// DocumentKind is Document.Kind.
const DocumentKind = "plan"

// Encode writes the document as indented JSON.
func (d *Document) Encode(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// WritePointsCSV writes one row per point: the swept keys in axis order, runs, then for every
// metric its mean, lo, hi and sd (empty where unknown).
func WritePointsCSV(w io.Writer, axes []Axis, pts []PointResult) error {
	cw := csv.NewWriter(w)
	names := metricColumns(pointMetrics(pts))
	head := []string{}
	for _, a := range axes {
		head = append(head, a.Key)
	}
	head = append(head, "runs")
	head = append(head, statHeader(names)...)
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, p := range pts {
		row := []string{}
		for _, a := range axes {
			row = append(row, fmt.Sprint(p.Params[a.Key]))
		}
		row = append(row, strconv.Itoa(p.Runs))
		row = append(row, statCells(names, p.Metrics)...)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteSizingCSV writes the searched curve: kind, the searched key's value, whether it met the
// target, the target, then every metric's mean, lo, hi and sd.
func WriteSizingCSV(w io.Writer, s *Sizing) error {
	cw := csv.NewWriter(w)
	var ms []map[string]Stat
	for _, c := range s.Curve {
		ms = append(ms, c.Metrics)
	}
	names := metricColumns(ms)
	head := append([]string{"kind", s.Key, "meets", "target_p95_wait_s"}, statHeader(names)...)
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, c := range s.Curve {
		row := []string{s.Kind, num(c.X), strconv.FormatBool(c.Meets), num(s.Target.Value)}
		row = append(row, statCells(names, c.Metrics)...)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func pointMetrics(pts []PointResult) []map[string]Stat {
	out := make([]map[string]Stat, len(pts))
	for i, p := range pts {
		out[i] = p.Metrics
	}
	return out
}

// metricColumns is MetricNames that appear in any row, then any other names sorted.
func metricColumns(rows []map[string]Stat) []string {
	seen := map[string]bool{}
	for _, r := range rows {
		for k := range r {
			seen[k] = true
		}
	}
	var out, extra []string
	for _, n := range MetricNames() {
		if seen[n] {
			out = append(out, n)
			delete(seen, n)
		}
	}
	for n := range seen {
		extra = append(extra, n)
	}
	slices.Sort(extra)
	return append(out, extra...)
}

func statHeader(names []string) []string {
	var out []string
	for _, n := range names {
		out = append(out, n+"_mean", n+"_lo", n+"_hi", n+"_sd")
	}
	return out
}

func statCells(names []string, m map[string]Stat) []string {
	var out []string
	for _, n := range names {
		s, ok := m[n]
		if !ok {
			out = append(out, "", "", "", "")
			continue
		}
		out = append(out, num(s.Mean), num(s.Lo), num(s.Hi), num(s.SD))
	}
	return out
}

// num formats a float in its shortest exact form, empty for NaN or infinite.
func num(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}
