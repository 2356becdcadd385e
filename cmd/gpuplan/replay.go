package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/gpuplan/gpuplan/events/importer"
	"github.com/gpuplan/gpuplan/scenarios"
)

func newReplayCmd() *cobra.Command {
	var (
		nf natsFlags
		tr timeRange
		f  simulateFlags
	)
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Simulate the jobs of a time range of the event log under each policy",
		Long: `Replay reads the job events of a time range from the log and runs them through the policies,
with the same pools, policy and output flags as simulate. For jobs imported from a trace file the
results (the "policies" of --json) are byte-identical to 'gpuplan simulate' on that file.`,
		Example: `  gpuplan replay --nats nats://127.0.0.1:4222 --since 2020-01-01 --until 2020-02-01
  gpuplan replay --nats nats://127.0.0.1:4222 --pools pools.csv --policy fragmented,easy --json -`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkStdout(f); err != nil {
				return err
			}
			since, until, err := tr.parse()
			if err != nil {
				return err
			}
			if nf.url == "" {
				return usagef("replay needs --nats URL: without it there is no log to read")
			}
			log, err := nf.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer log.Close()
			w, st, err := importer.Workload(cmd.Context(), log, since, until)
			if err != nil {
				return err
			}
			// The rebuild's garbage (decoded messages, the id set, the ordering keys) is dead now,
			// but the collector would size the simulation's heap by what was live at its last run,
			// the rebuild's peak: one collection here lets the simulation reuse those pages. A
			// tuning step, taken after the rebuild was made lean: it cut the peak of a 1M-job
			// replay from 560-695 MB to 530-570 MB (BENCHMARKS.md).
			runtime.GC()
			// Said before anything can fail, so that a log whose jobs were all skipped says why.
			reportSkipped(cmd.ErrOrStderr(), st)
			if len(w.Jobs) == 0 {
				return fmt.Errorf("no jobs in the log at %s between %s and %s", log.URL, orOpen(tr.since), orOpen(tr.until))
			}
			if st.Duplicates+st.Malformed > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "replay: skipped %s and %s\n",
					plural(st.Duplicates, "duplicate event"), plural(st.Malformed, "malformed event"))
			}
			f.skippedEvents, f.retractedJobs = st.Invalid, st.Retracted
			built, err := scenarios.FromWorkload(w, "replay", f.pools, scenarios.FileOptions{})
			if err != nil {
				return err
			}
			return simulateAndWrite(cmd.OutOrStdout(), cmd.ErrOrStderr(), built, f)
		},
	}
	addNATSFlags(cmd.Flags(), &nf)
	cmd.Flags().StringVar(&tr.since, "since", "", "first job time to replay (RFC 3339 or date, inclusive; imported jobs count from 2020-01-01)")
	cmd.Flags().StringVar(&tr.until, "until", "", "end of the range (exclusive)")
	addSimulateOutputFlags(cmd, &f)
	return cmd
}

func orOpen(s string) string {
	if s == "" {
		return "(open)"
	}
	return s
}

// reportSkipped names the events a replay passed over for breaking the schema, by stream
// sequence, so that an operator can find them (and retract a job): a skipped event never
// changes a result silently.
func reportSkipped(w io.Writer, st importer.Stats) {
	if n := len(st.Invalid); n > 0 {
		fmt.Fprintf(w, "replay: skipped %s", plural(st.InvalidCount, "invalid event"))
		if st.InvalidCount > n {
			fmt.Fprintf(w, " (the first %d named)", n)
		}
		fmt.Fprint(w, ":")
		if n > 1 {
			fmt.Fprintln(w)
		}
		for _, r := range st.Invalid {
			if n > 1 {
				fmt.Fprint(w, "  ")
			} else {
				fmt.Fprint(w, " ")
			}
			switch {
			case r.Seq > 0:
				fmt.Fprintf(w, "seq %d: ", r.Seq)
			case r.ID != "":
				fmt.Fprintf(w, "id %s: ", r.ID)
			}
			fmt.Fprintln(w, r.Reason)
		}
	}
	if st.Retracted > 0 {
		fmt.Fprintf(w, "replay: left out %s retracted by job.retracted events\n", plural(st.Retracted, "job"))
	}
}
