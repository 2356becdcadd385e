package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/sim"
)

// tableRow is one metric across policies.
type tableRow struct {
	label string
	cell  func(r *sim.Result) string
}

// standardRows are the metrics every table shows. Energy, cost and emissions take the unit that
// suits the row's largest figure (kWh below 1 MWh, KRW below 1 M KRW, kg below 1 t), the same for
// every policy so they read side by side; a figure with no input behind it reads n/a.
func standardRows(res []*sim.Result) []tableRow {
	rows := []tableRow{
		{"GPUs", func(r *sim.Result) string { return thousands(float64(r.GPUs), 0) }},
		{"jobs measured", func(r *sim.Result) string { return thousands(float64(r.Jobs.Submitted), 0) }},
		{"jobs completed", func(r *sim.Result) string { return thousands(float64(r.Jobs.Completed), 0) }},
		{"infeasible jobs", func(r *sim.Result) string { return thousands(float64(r.Jobs.Infeasible), 0) }},
		{"infeasible demand (GPU-h)", func(r *sim.Result) string { return thousands(r.Jobs.InfeasibleGPUHours, 0) }},
		{"mean wait (h)", func(r *sim.Result) string { return hours(r.WaitS.Mean) }},
		{"p50 wait (h)", func(r *sim.Result) string { return hours(r.WaitS.P50) }},
		{"p95 wait (h)", func(r *sim.Result) string { return hours(r.WaitS.P95) }},
		{"p99 wait (h)", func(r *sim.Result) string { return hours(r.WaitS.P99) }},
		{"max wait (h)", func(r *sim.Result) string { return hours(r.WaitS.Max) }},
		{"mean bounded slowdown", func(r *sim.Result) string { return strconv.FormatFloat(r.MeanBoundedSlowdown, 'f', 2, 64) }},
		{"last job done after (d)", func(r *sim.Result) string { return thousands(r.MakespanS/86400, 1) }},
		{"GPU utilization", func(r *sim.Result) string { return percent(r.Utilization) }},
		{"work delivered (GPU-h)", func(r *sim.Result) string { return thousands(r.GPUHours, 0) }},
	}
	rows = append(rows,
		scaledRow(res, "IT energy", "kWh", "MWh", 1000, 1, func(r *sim.Result) (float64, bool) { return r.EnergyKWh.IT, true }),
		scaledRow(res, "facility energy", "kWh", "MWh", 1000, 1, func(r *sim.Result) (float64, bool) { return r.EnergyKWh.Facility, true }),
		tableRow{"facility kWh per GPU-h", func(r *sim.Result) string { return optional(r.KWhPerGPUHour, 2) }},
		tableRow{"peak facility power (kW)", func(r *sim.Result) string { return thousands(r.PeakPowerKW, 0) }},
		tableRow{"time at power cap", func(r *sim.Result) string { return percent(r.CapTimeShare) }},
		scaledRow(res, "electricity cost", "KRW", "M KRW", 1e6, 1, func(r *sim.Result) (float64, bool) { return r.CostKRW, r.HasCost() }),
		tableRow{"cost per GPU-h (KRW)", func(r *sim.Result) string { return optional(r.KRWPerGPUHour, 0) }},
		scaledRow(res, "emissions", "kg CO2", "t CO2", 1000, 1, func(r *sim.Result) (float64, bool) { return r.EmissionsKgCO2, r.HasEmissions() }),
		tableRow{"fairness (Jain, slowdown)", func(r *sim.Result) string { return strconv.FormatFloat(r.JainSlowdown, 'f', 3, 64) }},
	)
	if slices.ContainsFunc(res, func(r *sim.Result) bool { return r.Name == "quota" }) {
		onlyQuota := func(f func(r *sim.Result) string) func(r *sim.Result) string {
			return func(r *sim.Result) string {
				if r.Name != "quota" {
					return "-"
				}
				return f(r)
			}
		}
		rows = append(rows,
			tableRow{"preemptions", onlyQuota(func(r *sim.Result) string { return thousands(float64(r.Preemptions), 0) })},
			tableRow{"GPU-h lost to preemption", onlyQuota(func(r *sim.Result) string { return thousands(r.LostGPUHours, 0) })},
		)
	}
	return rows
}

// scaledRow shows a figure in small units (the base) while the row's largest stays below big of
// them, else in large units; a figure without its input (ok false) reads n/a.
func scaledRow(res []*sim.Result, name, small, large string, big float64, decimals int, get func(r *sim.Result) (float64, bool)) tableRow {
	var most float64
	for _, r := range res {
		if v, ok := get(r); ok {
			most = max(most, math.Abs(v))
		}
	}
	unit, div, dec := small, 1.0, 0
	if most >= big {
		unit, div, dec = large, big, decimals
	}
	return tableRow{name + " (" + unit + ")", func(r *sim.Result) string {
		v, ok := get(r)
		if !ok {
			return "n/a"
		}
		return thousands(v/div, dec)
	}}
}

// optional is a figure that may have no input behind it.
func optional(x *float64, decimals int) string {
	if x == nil {
		return "n/a"
	}
	return thousands(*x, decimals)
}

// writeTable prints policies side by side, one metric a row.
func writeTable(w io.Writer, b *scenarios.Built, res []*sim.Result) error {
	return writeTableRows(w, b, res, nil)
}

// writeTableRows is writeTable with extra rows after the standard ones.
func writeTableRows(w io.Writer, b *scenarios.Built, res []*sim.Result, extra []tableRow) error {
	fmt.Fprintf(w, "scenario %s (seed %d): %s jobs, %s owners\n", b.Name, b.Seed,
		thousands(float64(len(b.Workload.Jobs)), 0), thousands(float64(len(b.Workload.Owners)), 0))
	if len(res) > 0 {
		fmt.Fprintln(w, windowLine(res[0].Window))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	var head strings.Builder
	head.WriteString("\t")
	for _, r := range res {
		head.WriteString(r.Name + "\t")
	}
	fmt.Fprintln(tw, head.String())
	for _, row := range append(standardRows(res), extra...) {
		var line strings.Builder
		line.WriteString(row.label + "\t")
		for _, r := range res {
			line.WriteString(row.cell(r) + "\t")
		}
		fmt.Fprintln(tw, line.String())
	}
	return tw.Flush()
}

// windowLine says what the table measured: one window for every policy.
func windowLine(win sim.Window) string {
	span := func(s float64) string { return thousands(s/86400, 1) + " d" }
	if win.SteadyState {
		return fmt.Sprintf("measured in steady state, the same window for every policy: day %s to %s after the first submit (%s); "+
			"waits over the jobs submitted in it, energy, utilization and cost over it",
			thousands(win.FromS/86400, 1), thousands(win.ToS/86400, 1), span(win.ToS-win.FromS))
	}
	return fmt.Sprintf("measured over the same %s for every policy: from the first submit to the last job done under any policy; "+
		"a policy done earlier idles to the end", span(win.ToS-win.FromS))
}

func hours(s float64) string { return thousands(s/3600, 2) }

func percent(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + "%" }

// thousands formats x with the given decimals and commas between thousands.
func thousands(x float64, decimals int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "-"
	}
	s := strconv.FormatFloat(math.Abs(x), 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if x < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}
