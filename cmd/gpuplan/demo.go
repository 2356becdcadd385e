package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/sim"
)

// demoScenario is the seed case the project was started for.
const demoScenario = "institute-3000"

func newDemoCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the seed case (" + demoScenario + ") end to end and print the comparison",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.OutOrStdout(), cmd.ErrOrStderr(), out)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for results.json (default: a new temporary directory)")
	return cmd
}

func runDemo(stdout, stderr io.Writer, out string) error {
	s, err := scenarios.Builtin(demoScenario)
	if err != nil {
		return err
	}
	built, err := s.Build()
	if err != nil {
		return err
	}
	res, err := simulateBuilt(built, stderr)
	if err != nil {
		return err
	}
	if err := writeTable(stdout, built, res.Policies); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	writeFindings(stdout, res.Policies)

	if out == "" {
		if out, err = os.MkdirTemp("", "gpuplan-demo-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(out, "results.json")
	if err := writeJSON(path, stdout, res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nresults: %s\n", path)
	return nil
}

// writeFindings states, in plain words, how each farm policy compares with the fragmented world.
func writeFindings(w io.Writer, res []*sim.Result) {
	var base *sim.Result
	for _, r := range res {
		if r.Name == "fragmented" {
			base = r
		}
	}
	if base == nil {
		return
	}
	for _, r := range res {
		if r == base {
			continue
		}
		fmt.Fprintf(w, "%s against fragmented: mean wait %s h -> %s h, p95 wait %s h -> %s h, utilization %s -> %s, facility energy %s -> %s MWh, infeasible demand %s -> %s GPU-h\n",
			r.Name, hours(base.WaitS.Mean), hours(r.WaitS.Mean), hours(base.WaitS.P95), hours(r.WaitS.P95),
			percent(base.Utilization), percent(r.Utilization),
			thousands(base.EnergyKWh.Facility/1000, 1), thousands(r.EnergyKWh.Facility/1000, 1),
			thousands(base.Jobs.InfeasibleGPUHours, 0), thousands(r.Jobs.InfeasibleGPUHours, 0))
	}
}
