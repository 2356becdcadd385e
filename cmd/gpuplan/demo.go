package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/scenarios"
)

// demoScenario is the seed case the project was started for.
const demoScenario = "institute-3000"

func newDemoCmd() *cobra.Command {
	var (
		out string
		nf  natsFlags
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the seed case (" + demoScenario + ") end to end: event log, projection, simulation, comparison",
		Long: `Demo runs the whole pipeline on the embedded default. It starts a NATS JetStream server in a
temporary directory (or uses --nats), lets a synthetic fleet of the seed case's first researchers
publish two weeks of GPU samples (each node a mock NVML node running their jobs, sampled by the
same collector code as gpuplan collect, on a virtual clock), replays them, derives the jobs with
the projection, and compares the policies on those jobs; then it compares the policies on the
whole seed case (3,000 GPUs, 300 researchers, eight weeks) and writes results.json. Last it
writes the policy brief (HTML and PDF, English and Korean) into DIR/brief, from a sweep of load
growth, farm size and policy (DIR/plan), since at today's load every farm policy waits zero.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), out, nf)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "`DIR` for results.json, the brief's plan and the brief (default: a new folder ./gpuplan-demo-DATE-TIME)")
	addNATSFlagsEmbedded(cmd.Flags(), &nf)
	return cmd
}

func runDemo(ctx context.Context, stdout, stderr io.Writer, out string, nf natsFlags) error {
	s, err := scenarios.Builtin(demoScenario)
	if err != nil {
		return err
	}
	seed, err := s.Build()
	if err != nil {
		return err
	}
	if out == "" {
		if out, err = newDemoDir(".", time.Now()); err != nil {
			return err
		}
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}

	log, err := nf.connect(ctx)
	if err != nil {
		return err
	}
	defer log.Close()
	where := log.URL
	if log.Embedded {
		where += " (embedded, temporary)"
	}
	fmt.Fprintf(stdout, "1. Event log: NATS JetStream at %s\n", where)
	rep, err := runPilot(ctx, log, seed, defaultPilot)
	if err != nil {
		return err
	}
	f := rep.fleet
	fmt.Fprintf(stdout, "   %d researchers' %s GPUs on %d mock NVML nodes, sampled by the collector, published %s events (%s GPU readings, every %s) in %.1f s\n",
		defaultPilot.owners, thousands(float64(f.GPUs), 0), f.Nodes, thousands(float64(f.Events), 0),
		thousands(float64(f.GPUSamples), 0), every(defaultPilot.interval), rep.publish.Seconds())
	fmt.Fprintf(stdout, "   replay and projection: %s jobs of %d researchers derived from the samples in %.1f s\n",
		thousands(float64(rep.proj.Jobs), 0), len(rep.projected.Owners), rep.replay.Seconds())
	fmt.Fprintf(stdout, "   (%s jobs ran; %s spanned several nodes, which the projection counts once per node)\n\n",
		thousands(float64(f.Ran), 0), thousands(float64(f.Split), 0))

	fmt.Fprintf(stdout, "2. Policies on the jobs derived from the log\n")
	pilot, err := simulateBuilt(rep.built, stderr, "")
	if err != nil {
		return err
	}
	if err := writeTable(stdout, rep.built, pilot.Policies); err != nil {
		return err
	}

	// The description starts "seed case: ", which the heading already says.
	fmt.Fprintf(stdout, "\n3. The seed case (%s): %s\n", demoScenario, strings.TrimPrefix(s.Description, "seed case: "))
	res, err := simulateBuilt(seed, stderr, "")
	if err != nil {
		return err
	}
	if err := writeTable(stdout, seed, res.Policies); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	writeFindings(stdout, planner.Findings(res.Policies))

	path := filepath.Join(out, "results.json")
	if err := writeJSON(path, stdout, res); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nresults: %s\n", path)
	return writeDemoBrief(stdout, stderr, s, seed, res, out, 4)
}

// every writes a sampling interval as a reader would say it: "5 min", not Go's "5m0s".
func every(d time.Duration) string {
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	case d >= time.Second && d%time.Second == 0:
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return d.String()
}

// writeFindings states, in plain words, how each farm policy compares with the fragmented world.
func writeFindings(w io.Writer, fs []planner.Finding) {
	for _, f := range fs {
		fmt.Fprintf(w, "%s against fragmented: mean wait %s h -> %s h, p95 wait %s h -> %s h, utilization %s -> %s, facility energy %s -> %s MWh, infeasible demand %s -> %s GPU-h\n",
			f.Policy, hours(f.MeanWaitS[0]), hours(f.MeanWaitS[1]), hours(f.P95WaitS[0]), hours(f.P95WaitS[1]),
			percent(f.Utilization[0]), percent(f.Utilization[1]),
			thousands(f.FacilityMWh[0], 1), thousands(f.FacilityMWh[1], 1),
			thousands(f.InfeasibleGPUHours[0], 0), thousands(f.InfeasibleGPUHours[1], 0))
	}
}
