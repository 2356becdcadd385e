package importer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/gpuplan/gpuplan/events"
)

// WriterAppender makes a JSON Lines writer an events.Appender, so Import can write a file instead
// of a store. It writes every event it is given, duplicates included: deduplication happens when
// the file is imported into a store. Flush the Writer at the end.
type WriterAppender struct{ W *events.Writer }

// Append writes the events in order.
func (a WriterAppender) Append(ctx context.Context, evs ...events.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, e := range evs {
		if err := a.W.Write(e); err != nil {
			return err
		}
	}
	return nil
}

// Export writes the events of r whose time lies in [since, until) (zero leaves a side open) and
// whose kind is in kinds as JSON Lines, in stream order, and returns how many it wrote. An empty
// kinds means everything, events of kinds this binary does not know included, so that an export
// is a full copy of the range.
//
// An export with job events carries every job.retracted event of the log too, whatever its time
// and whether or not kinds names it, after the range's events: a retraction applies to its job
// whenever it was made, and a log rebuilt from the export must leave the same jobs out.
func Export(ctx context.Context, r events.Replayer, since, until time.Time, kinds []events.Kind, w io.Writer) (int, error) {
	if len(kinds) == 0 {
		kinds = append(events.Kinds(), events.KindUnknown)
	}
	jobs := slices.Contains(kinds, events.KindJobFinished) || slices.Contains(kinds, events.KindJobStarted)
	open := since.IsZero() && until.IsZero()
	retractions := jobs && (!open || !slices.Contains(kinds, events.KindJobRetracted))
	if retractions {
		kinds = slices.DeleteFunc(slices.Clone(kinds), func(k events.Kind) bool { return k == events.KindJobRetracted })
	}
	ew := events.NewWriter(w)
	err := r.Replay(ctx, since, until, kinds, ew.Write)
	if err == nil && retractions {
		err = r.Replay(ctx, time.Time{}, time.Time{}, []events.Kind{events.KindJobRetracted}, ew.Write)
	}
	if ferr := ew.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("importer: export: %w", ferr)
	}
	return ew.Count(), err
}

// JSONLOptions tune ImportJSONL. The zero value stops at malformed lines and skips unknown kinds.
type JSONLOptions struct {
	// SkipBad skips malformed lines, counting them, instead of failing.
	SkipBad bool
	// KeepUnknown stores events of kinds this binary does not know as they are, instead of
	// skipping them, for copying a log written by a newer gpuplan.
	KeepUnknown bool
	Batch       int // events per Append; 0 means DefaultBatch
	// MaxLineBytes bounds one line; 0 means events.DefaultMaxLineBytes.
	MaxLineBytes int
}

// JSONLResult says what ImportJSONL did.
type JSONLResult struct {
	Events    int           // events handed to the appender; a store drops ids it holds
	Skipped   []events.Skip // events of unknown kinds or newer envelope versions, not imported
	Malformed int           // malformed lines
	Problems  []*events.LineError
}

// maxLineProblems bounds the malformed lines a JSONLResult lists, as events.Reader does.
const maxLineProblems = 16

// ErrMalformed is returned, wrapping the first malformed lines, when a JSON Lines file has some
// and JSONLOptions.SkipBad is not set.
var ErrMalformed = errors.New("importer: malformed lines")

// ImportJSONL appends the events of a JSON Lines file to a, keeping their ids, so importing a file
// twice stores nothing new. Unknown kinds and newer envelope versions are skipped and counted.
// Malformed lines are counted and skipped with SkipBad; without it ImportJSONL fails with an
// error wrapping ErrMalformed and the line errors. If r is an io.ReadSeeker (a file), it is first
// read through to check every line, so that a bad file appends nothing; other readers are
// streamed, and the batches before the first malformed line are then appended.
func ImportJSONL(ctx context.Context, a events.Appender, r io.Reader, name string, opt JSONLOptions) (JSONLResult, error) {
	ropt := events.ReaderOptions{SkipMalformed: opt.SkipBad, KeepUnknown: opt.KeepUnknown, MaxLineBytes: opt.MaxLineBytes}
	if rs, ok := r.(io.ReadSeeker); ok && !opt.SkipBad {
		start, err := rs.Seek(0, io.SeekCurrent)
		if err != nil {
			return JSONLResult{}, fmt.Errorf("importer: %s: %w", name, err)
		}
		check := ropt
		check.SkipMalformed = true
		res, err := readJSONL(ctx, nil, rs, name, check, 0)
		if err != nil {
			return JSONLResult{}, err
		}
		if res.Malformed > 0 {
			return JSONLResult{Skipped: res.Skipped, Malformed: res.Malformed, Problems: res.Problems}, malformedError(name, res)
		}
		if _, err := rs.Seek(start, io.SeekStart); err != nil {
			return JSONLResult{}, fmt.Errorf("importer: %s: %w", name, err)
		}
	}
	batch := opt.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	return readJSONL(ctx, a, r, name, ropt, batch)
}

// readJSONL reads r to the end, appending to a (nil: only count) in batches.
func readJSONL(ctx context.Context, a events.Appender, r io.Reader, name string, ropt events.ReaderOptions, batch int) (JSONLResult, error) {
	er := events.NewReader(r, name, ropt)
	var res JSONLResult
	var buf []events.Event
	flush := func() error {
		if a == nil || len(buf) == 0 {
			return nil
		}
		if err := a.Append(ctx, buf...); err != nil {
			return fmt.Errorf("importer: %s: append: %w", name, err)
		}
		res.Events += len(buf)
		clear(buf)
		buf = buf[:0]
		return nil
	}
	// Lines whose envelope reads but whose payload breaks the schema (events.Check) are
	// malformed too: the log refuses before storing what replay would skip.
	var schemaBad []*events.LineError // the first few of schemaBadN
	schemaBadN := 0
	finish := func() {
		res.Skipped = er.Skipped()
		res.Malformed, res.Problems = er.Malformed()
		res.Malformed += schemaBadN
		if len(schemaBad) > 0 {
			res.Problems = append(res.Problems, schemaBad...)
			slices.SortStableFunc(res.Problems, func(a, b *events.LineError) int { return cmp.Compare(a.Line, b.Line) })
			res.Problems = res.Problems[:min(len(res.Problems), maxLineProblems)]
		}
	}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				finish()
				return res, err
			}
		}
		e, err := er.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			finish()
			var le *events.LineError
			if errors.As(err, &le) {
				return res, fmt.Errorf("%w: %w", ErrMalformed, err)
			}
			return res, fmt.Errorf("importer: %w", err)
		}
		if err := events.Check(e); err != nil {
			le := &events.LineError{Name: name, Line: er.Line(), Err: err}
			schemaBadN++
			if len(schemaBad) < maxLineProblems {
				schemaBad = append(schemaBad, le)
			}
			if ropt.SkipMalformed {
				continue
			}
			finish()
			return res, fmt.Errorf("%w: %w", ErrMalformed, le)
		}
		if a == nil {
			continue
		}
		buf = append(buf, e)
		if len(buf) >= batch {
			if err := flush(); err != nil {
				finish()
				return res, err
			}
		}
	}
	err := flush()
	finish()
	return res, err
}

func malformedError(name string, res JSONLResult) error {
	errs := make([]error, 0, len(res.Problems)+2)
	errs = append(errs, fmt.Errorf("%w: %s has %d", ErrMalformed, name, res.Malformed))
	for _, p := range res.Problems {
		errs = append(errs, p)
	}
	if res.Malformed > len(res.Problems) {
		errs = append(errs, fmt.Errorf("%s: and %d more", name, res.Malformed-len(res.Problems)))
	}
	return errors.Join(errs...)
}
