package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/gpuplan/gpuplan/events"
)

// retractSource is the event source of retractions made with the CLI.
const retractSource = "gpuplan-retract"

func newEventsRetractCmd() *cobra.Command {
	var (
		nf     natsFlags
		id     string
		reason string
		by     string
	)
	cmd := &cobra.Command{
		Use:   "retract",
		Short: "Withdraw a job from every replay and projection with a job.retracted event (the log is not edited)",
		Long: `Retract stores a job.retracted event naming a job id. Replay, the projections and a workload
rebuilt from an export leave every job with that id out, whenever the job was stored and
whatever time range is replayed; the job's own events stay in the log for the audit trail.
The event id derives from the job id, so retracting a job twice stores one event.`,
		Example: `  gpuplan events retract --nats nats://127.0.0.1:4222 --id job-4711 --reason "forged: dated 9999-12-31"`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id == "" {
				return usagef("--id JOB_ID is required")
			}
			if nf.url == "" {
				return usagef("events retract needs --nats URL: the retraction must go to the log")
			}
			e, err := events.New(events.KindJobRetracted, events.RetractionID(id), retractSource, time.Now(),
				events.JobRetracted{JobID: id, Reason: reason, By: by})
			if err != nil {
				return usagef("--id %q: %w", id, err)
			}
			log, err := nf.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer log.Close()
			if err := log.Append(cmd.Context(), e); err != nil {
				return err
			}
			if log.Stats().Duplicates > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "job %s was already retracted in %s (event %s)\n", id, log.URL, e.ID)
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "retracted job %s in %s (event %s)\n", id, log.URL, e.ID)
			return nil
		},
	}
	addNATSFlags(cmd.Flags(), &nf)
	cmd.Flags().StringVar(&id, "id", "", "job id to retract (every job with this id is left out)")
	cmd.Flags().StringVar(&reason, "reason", "", "why, kept in the log for the audit trail")
	cmd.Flags().StringVar(&by, "by", "", "who retracts it, kept in the log")
	return cmd
}
