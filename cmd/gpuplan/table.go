package main

import (
	"fmt"
	"io"
	"math"
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

var tableRows = []tableRow{
	{"GPUs", func(r *sim.Result) string { return thousands(float64(r.GPUs), 0) }},
	{"jobs completed", func(r *sim.Result) string { return thousands(float64(r.Jobs.Completed), 0) }},
	{"infeasible jobs", func(r *sim.Result) string { return thousands(float64(r.Jobs.Infeasible), 0) }},
	{"infeasible demand (GPU-h)", func(r *sim.Result) string { return thousands(r.Jobs.InfeasibleGPUHours, 0) }},
	{"mean wait (h)", func(r *sim.Result) string { return hours(r.WaitS.Mean) }},
	{"p50 wait (h)", func(r *sim.Result) string { return hours(r.WaitS.P50) }},
	{"p95 wait (h)", func(r *sim.Result) string { return hours(r.WaitS.P95) }},
	{"p99 wait (h)", func(r *sim.Result) string { return hours(r.WaitS.P99) }},
	{"max wait (h)", func(r *sim.Result) string { return hours(r.WaitS.Max) }},
	{"mean bounded slowdown", func(r *sim.Result) string { return strconv.FormatFloat(r.MeanBoundedSlowdown, 'f', 2, 64) }},
	{"GPU utilization", func(r *sim.Result) string { return percent(r.Utilization) }},
	{"IT energy (MWh)", func(r *sim.Result) string { return thousands(r.EnergyKWh.IT/1000, 1) }},
	{"facility energy (MWh)", func(r *sim.Result) string { return thousands(r.EnergyKWh.Facility/1000, 1) }},
	{"peak facility power (kW)", func(r *sim.Result) string { return thousands(r.PeakPowerKW, 0) }},
	{"time at power cap", func(r *sim.Result) string { return percent(r.CapTimeShare) }},
	{"electricity cost (M KRW)", func(r *sim.Result) string { return thousands(r.CostKRW/1e6, 1) }},
	{"emissions (t CO2)", func(r *sim.Result) string { return thousands(r.EmissionsKgCO2/1000, 1) }},
	{"fairness (Jain, slowdown)", func(r *sim.Result) string { return strconv.FormatFloat(r.JainSlowdown, 'f', 3, 64) }},
}

// writeTable prints policies side by side, one metric a row.
func writeTable(w io.Writer, b *scenarios.Built, res []*sim.Result) error {
	return writeTableRows(w, b, res, nil)
}

// writeTableRows is writeTable with extra rows after the standard ones.
func writeTableRows(w io.Writer, b *scenarios.Built, res []*sim.Result, extra []tableRow) error {
	fmt.Fprintf(w, "scenario %s (seed %d): %s jobs, %s owners\n\n", b.Name, b.Seed,
		thousands(float64(len(b.Workload.Jobs)), 0), thousands(float64(len(b.Workload.Owners)), 0))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	var head strings.Builder
	head.WriteString("\t")
	for _, r := range res {
		head.WriteString(r.Name + "\t")
	}
	fmt.Fprintln(tw, head.String())
	for _, row := range append(tableRows[:len(tableRows):len(tableRows)], extra...) {
		var line strings.Builder
		line.WriteString(row.label + "\t")
		for _, r := range res {
			line.WriteString(row.cell(r) + "\t")
		}
		fmt.Fprintln(tw, line.String())
	}
	return tw.Flush()
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
