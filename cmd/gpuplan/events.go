package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/gpuplan/gpuplan/events/importer"
)

func newEventsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Export and import the event log as JSON Lines; retract a bad job",
	}
	cmd.AddCommand(newEventsExportCmd(), newEventsImportCmd(), newEventsRetractCmd())
	return cmd
}

func newEventsExportCmd() *cobra.Command {
	var (
		nf    natsFlags
		tr    timeRange
		kinds []string
		out   string
	)
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the events of a time range as JSON Lines, to hand the log to a planner elsewhere",
		Example: `  gpuplan events export --nats nats://127.0.0.1:4222 --since 2020-01-01 --until 2020-02-01 --out first-month.jsonl
  gpuplan events export --nats nats://127.0.0.1:4222 --kind job.finished --out - | head`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			since, until, err := tr.parse()
			if err != nil {
				return err
			}
			ks, err := parseKinds(kinds)
			if err != nil {
				return err
			}
			if out == "" {
				return usagef("--out FILE.jsonl (or - for stdout) is required")
			}
			if nf.url == "" {
				return usagef("export needs --nats URL: without it there is no log to read")
			}
			log, err := nf.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer log.Close()
			var n int
			export := func(dst io.Writer) (err error) {
				n, err = importer.Export(cmd.Context(), log, since, until, ks, dst)
				return err
			}
			if out == "-" {
				err = export(cmd.OutOrStdout())
			} else if err = writeOutput(out, export); err != nil {
				err = fmt.Errorf("--out: %w", err)
			}
			if err != nil {
				return err
			}
			if out != "-" {
				fmt.Fprintf(cmd.OutOrStdout(), "exported %s from %s to %s\n", plural(n, "event"), log.URL, out)
			}
			return nil
		},
	}
	addNATSFlags(cmd.Flags(), &nf)
	cmd.Flags().StringVar(&tr.since, "since", "", "first event time to export (RFC 3339 or date, inclusive; imported jobs count from 2020-01-01)")
	cmd.Flags().StringVar(&tr.until, "until", "", "end of the range (exclusive)")
	cmd.Flags().StringSliceVar(&kinds, "kind", nil, "kinds to export, e.g. job.finished,gpu.samples (default: all)")
	cmd.Flags().StringVar(&out, "out", "", "JSON Lines `FILE` to write, or - for stdout")
	return cmd
}

func newEventsImportCmd() *cobra.Command {
	var (
		nf  natsFlags
		opt importer.JSONLOptions
	)
	cmd := &cobra.Command{
		Use:   "import FILE.jsonl...",
		Short: "Store the events of JSON Lines files in the log (idempotent: ids are kept)",
		Args:  minArgs(1, "at least one FILE.jsonl"),
		RunE: func(cmd *cobra.Command, paths []string) error {
			if nf.url == "" {
				return usagef("events import needs --nats URL: the events must go to a log that outlives the command")
			}
			log, err := nf.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer log.Close()
			for _, p := range paths {
				fh, err := os.Open(p)
				if err != nil {
					return err
				}
				res, err := importer.ImportJSONL(cmd.Context(), log, fh, p, opt)
				fh.Close()
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %s stored in %s", p, plural(res.Events, "event"), log.URL)
				for _, s := range res.Skipped {
					fmt.Fprintf(cmd.OutOrStdout(), "; skipped %s of kind %s v%d", plural(s.Count, "event"), s.Kind, s.V)
				}
				if res.Malformed > 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "; %s malformed", plural(res.Malformed, "line"))
				}
				fmt.Fprintln(cmd.OutOrStdout())
			}
			return nil
		},
	}
	addNATSFlags(cmd.Flags(), &nf)
	cmd.Flags().BoolVar(&opt.SkipBad, "skip-bad", false, "skip malformed lines (counted) instead of importing nothing")
	cmd.Flags().BoolVar(&opt.KeepUnknown, "keep-unknown", false, "store events of kinds this gpuplan does not know, unchanged")
	return cmd
}
