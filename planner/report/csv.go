package report

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// CSV tables are for machines: English column names, plain numbers in the results' units (seconds,
// kWh, kW, KRW, shares), the same whatever the brief's language.

// CSVFiles lists the tables WriteCSV writes for doc, by file name.
func CSVFiles(doc *Document) []string {
	files := []string{"brief-policies.csv"}
	if len(doc.Comparisons) > 0 {
		files = append(files, "brief-owners.csv")
	}
	if doc.Plan != nil && len(doc.Plan.Points) > 0 {
		files = append(files, "brief-points.csv")
	}
	if doc.Plan != nil && doc.Plan.Sizing != nil {
		files = append(files, "brief-sizing.csv")
	}
	if len(doc.Assumptions) > 0 {
		files = append(files, "brief-assumptions.csv")
	}
	return files
}

// WriteCSV writes the document's tables into dir and returns the paths written.
func WriteCSV(doc *Document, dir string) ([]string, error) {
	var paths []string
	for _, name := range CSVFiles(doc) {
		rows := csvTable(doc, name)
		path := filepath.Join(dir, name)
		if err := writeCSVFile(path, rows); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func writeCSVFile(path string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	cw := csv.NewWriter(f)
	werr := cw.WriteAll(rows)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("report: %s: %w", path, werr)
	}
	return nil
}

func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// bound is an interval's end, empty when the results have none (one run), as plan's CSV writes it.
func bound(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return num(x)
}

func optNum(x *float64) string {
	if x == nil {
		return ""
	}
	return num(*x)
}

func csvTable(doc *Document, name string) [][]string {
	switch name {
	case "brief-policies.csv":
		rows := [][]string{{"policy", "gpus", "submitted", "completed", "infeasible", "infeasible_gpu_hours",
			"wait_mean_s", "wait_p50_s", "wait_p95_s", "wait_p99_s", "wait_max_s", "mean_bounded_slowdown",
			"utilization", "window_s", "gpu_hours", "energy_it_kwh", "energy_facility_kwh", "peak_power_kw",
			"power_cap_kw", "cap_time_share", "cost_krw", "emissions_kg_co2", "jain_slowdown", "kwh_per_gpu_hour",
			"krw_per_gpu_hour", "makespan_s"}}
		for _, p := range doc.Policies {
			rows = append(rows, []string{p.Name, strconv.Itoa(p.GPUs), strconv.Itoa(p.Jobs.Submitted),
				strconv.Itoa(p.Jobs.Completed), strconv.Itoa(p.Jobs.Infeasible), num(p.Jobs.InfeasibleGPUHours),
				num(p.WaitS.Mean), num(p.WaitS.P50), num(p.WaitS.P95), num(p.WaitS.P99), num(p.WaitS.Max),
				num(p.MeanBoundedSlowdown), num(p.Utilization), num(p.WindowS), num(p.GPUHours),
				num(p.EnergyKWh.IT), num(p.EnergyKWh.Facility), num(p.PeakPowerKW), optNum(p.PowerCapKW),
				num(p.CapTimeShare), num(p.CostKRW), optNum(p.EmissionsKgCO2), num(p.JainSlowdown),
				optNum(p.KWhPerGPUHour), optNum(p.KRWPerGPUHour), optNum(p.MakespanS)})
		}
		return rows
	case "brief-owners.csv":
		rows := [][]string{{"baseline", "policy", "owner", "baseline_mean_wait_s", "mean_wait_s",
			"baseline_p95_wait_s", "p95_wait_s", "verdict"}}
		for _, c := range doc.Comparisons {
			for _, o := range c.Owners {
				rows = append(rows, []string{c.Baseline, c.Policy, o.Owner, num(o.BaselineMeanWaitS),
					num(o.MeanWaitS), num(o.BaselineP95WaitS), num(o.P95WaitS), o.Verdict})
			}
		}
		return rows
	case "brief-points.csv":
		p := doc.Plan
		ms := metricNames(func(yield func(map[string]Stat)) {
			for _, pt := range p.Points {
				yield(pt.Metrics)
			}
		})
		head := []string{}
		for _, s := range p.Sweep {
			head = append(head, s.Key)
		}
		head = append(head, "runs")
		for _, m := range ms {
			head = append(head, m+"_mean", m+"_lo", m+"_hi")
		}
		rows := [][]string{head}
		for _, pt := range p.Points {
			var r []string
			for _, s := range p.Sweep {
				v, ok := pt.Params[s.Key]
				if ok {
					r = append(r, v.String())
				} else {
					r = append(r, "")
				}
			}
			r = append(r, strconv.Itoa(pt.Runs))
			r = append(r, statCells(pt.Metrics, ms)...)
			rows = append(rows, r)
		}
		return rows
	case "brief-sizing.csv":
		s := doc.Plan.Sizing
		ms := metricNames(func(yield func(map[string]Stat)) {
			for _, c := range s.Curve {
				yield(c.Metrics)
			}
		})
		head := []string{"x", "target_metric", "target", "answer"}
		for _, m := range ms {
			head = append(head, m+"_mean", m+"_lo", m+"_hi")
		}
		rows := [][]string{head}
		for _, c := range s.Curve {
			r := []string{num(c.X), s.Target.Metric, num(s.Target.Value), optNum(s.Answer)}
			rows = append(rows, append(r, statCells(c.Metrics, ms)...))
		}
		return rows
	case "brief-assumptions.csv":
		rows := [][]string{{"key", "value", "source", "estimate"}}
		for _, a := range doc.Assumptions {
			rows = append(rows, []string{a.Key, a.Value, a.Source, strconv.FormatBool(a.Estimate)})
		}
		return rows
	}
	return nil
}

// metricNames lists the metric names that occur, sorted, so columns do not depend on map order.
func metricNames(each func(func(map[string]Stat))) []string {
	set := map[string]bool{}
	each(func(m map[string]Stat) {
		for k := range m {
			set[k] = true
		}
	})
	var out []string
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func statCells(m map[string]Stat, names []string) []string {
	var r []string
	for _, n := range names {
		if s, ok := m[n]; ok {
			r = append(r, num(s.Mean), bound(s.Lo), bound(s.Hi))
		} else {
			r = append(r, "", "", "")
		}
	}
	return r
}
