package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/importer"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

func newImportCmd() *cobra.Command {
	var (
		nf      natsFlags
		format  string
		out     string
		owners  int
		seed    uint64
		skipBad bool
		merge   bool
	)
	cmd := &cobra.Command{
		Use:   "import [flags] FILE...",
		Short: "Import trace files into the event log (or a JSON Lines file) as job events",
		Long: `Import reads workload or trace files (csv, itp, genpw, openb, swf; gzip allowed) and stores one
job.finished event per job. Event ids derive from the file's content, so importing the same file
twice stores nothing new. A file with bad rows is listed row by row and nothing is imported,
unless --skip-bad is given.

Each job is stamped as submitted and started at 2020-01-01T00:00:00Z plus its submit second in
the trace, so --since and --until of replay and events export select imported jobs by those
times: the first 31 days of a trace are --since 2020-01-01 --until 2020-02-01.

Files of several clusters number their users alike. When one import reads several files, each
owner and group name is prefixed with its file's stem (cluster04.csv's u01 becomes cluster04/u01)
so that owners of different clusters stay apart, and the summary says how many came from each
file; --merge-owners keeps the names as they are, making equal names one owner.`,
		Example: `  gpuplan import --nats nats://127.0.0.1:4222 --format itp cluster*.csv
  gpuplan replay --nats nats://127.0.0.1:4222 --since 2020-01-01 --until 2020-02-01
  gpuplan import --format genpw --out philly.jsonl philly_data_training.csv`,
		Args: minArgs(1, "at least one trace FILE"),
		RunE: func(cmd *cobra.Command, paths []string) error {
			f, err := traces.ParseFormat(format)
			if err != nil {
				return usageError{err}
			}
			opt := importer.Options{Format: f, Trace: traces.Options{Owners: owners, Seed: seed, SkipBad: skipBad}, MergeOwners: merge}
			ctx := cmd.Context()
			if out != "" {
				if nf.url != "" {
					return usagef("use --nats or --out, not both")
				}
				return importToFile(ctx, cmd.OutOrStdout(), out, paths, opt)
			}
			if nf.url == "" {
				return usagef("import needs --nats URL (a server from 'gpuplan serve') or --out FILE.jsonl")
			}
			log, err := nf.connect(ctx)
			if err != nil {
				return err
			}
			defer log.Close()
			res, err := importer.Import(ctx, log, paths, opt)
			if err != nil {
				return stemError(err)
			}
			reportImport(cmd.OutOrStdout(), res, log.URL)
			st := log.Stats()
			fmt.Fprintf(cmd.OutOrStdout(), "  %s new, %s already in the log\n", plural(st.Stored, "event"), plural(st.Duplicates, "event"))
			return nil
		},
	}
	addNATSFlags(cmd.Flags(), &nf)
	fl := cmd.Flags()
	fl.StringVar(&format, "format", "csv", "file format: csv, itp, genpw, openb, swf")
	fl.StringVar(&out, "out", "", "write JSON Lines to `FILE` (- for stdout) instead of the event log")
	fl.IntVar(&owners, "owners", 0, "owners to spread jobs over, for traces without owners (0: the reader's rule)")
	fl.Uint64Var(&seed, "seed", 0, "seed of that owner assignment")
	fl.BoolVar(&skipBad, "skip-bad", false, "skip malformed rows (counted and listed) instead of importing nothing")
	fl.BoolVar(&merge, "merge-owners", false, "keep owner and group names as the files give them, so that equal names in several files are one owner (default: prefixed with each file's stem)")
	return cmd
}

func importToFile(ctx context.Context, stdout io.Writer, out string, paths []string, opt importer.Options) error {
	var res importer.Result
	var importErr error // a problem with the input, reported as it is rather than under --out
	write := func(dst io.Writer) error {
		w := events.NewWriter(dst)
		res, importErr = importer.Import(ctx, importer.WriterAppender{W: w}, paths, opt)
		if importErr = stemError(importErr); importErr != nil {
			return importErr
		}
		return w.Flush()
	}
	var err error
	if out == "-" {
		err = write(stdout)
	} else if err = writeOutput(out, write); err != nil && importErr == nil { // a partial file would pass for a complete export
		err = fmt.Errorf("--out: %w", err)
	}
	if importErr != nil {
		return importErr
	}
	if err != nil {
		return err
	}
	if out != "-" {
		reportImport(stdout, res, out)
	}
	return nil
}

// stemError makes two files of one stem a command-line mistake, fixed by renaming a file or with
// --merge-owners.
func stemError(err error) error {
	if errors.Is(err, importer.ErrSameStem) {
		return usagef("%w (or give --merge-owners)", err)
	}
	return err
}

func reportImport(w io.Writer, res importer.Result, where string) {
	fmt.Fprintf(w, "imported %s of %s to %s", plural(res.Jobs, "job"), plural(res.Owners, "owner"), where)
	if res.Skipped > 0 {
		fmt.Fprintf(w, " (%s skipped: no GPU or bad rows)", plural(res.Skipped, "row"))
	}
	fmt.Fprintln(w)
	if len(res.PerFile) > 1 {
		for _, f := range res.PerFile {
			fmt.Fprintf(w, "  %s: %s of %s", f.Path, plural(f.Jobs, "job"), plural(f.Owners, "owner"))
			if f.Prefix != "" {
				fmt.Fprintf(w, " (named %s...)", f.Prefix)
			}
			fmt.Fprintln(w)
		}
	}
	for _, p := range res.Problems {
		fmt.Fprintf(w, "  skipped: %v\n", p)
	}
}
