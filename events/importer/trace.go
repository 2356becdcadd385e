package importer

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

// DefaultEpoch is time zero of imported traces (trace second s becomes event time DefaultEpoch+s)
// and of replayed workloads, unless the options name another. A fixed date keeps event times,
// and so ids of later imports and time ranges, independent of when an import ran.
var DefaultEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// DefaultBatch is how many events go to one Append unless an options struct says otherwise: large
// enough that per-call overhead vanishes, small enough to keep a batch's memory modest.
const DefaultBatch = 10_000

// DefaultSource is the envelope source of imported trace events.
const DefaultSource = "import"

// maxProblems bounds the problems a Result keeps per file, as the trace readers do.
const maxProblems = 50

// Options tune Import. The zero value reads canonical CSV with the readers' defaults.
type Options struct {
	Format traces.Format  // "" means CSV
	Trace  traces.Options // synthetic owners and SkipBad, passed to the reader
	Epoch  time.Time      // time zero of the trace; zero means DefaultEpoch
	Source string         // envelope source; "" means DefaultSource
	Batch  int            // events per Append; 0 means DefaultBatch
	// MergeOwners keeps owner and group names as the files give them when several files are
	// imported at once, so that the same name in two files is one owner. By default each name is
	// prefixed with its file's stem (see OwnerPrefix): traces of different clusters number their
	// users (or Import's synthetic owners) alike, and user 1 of one cluster is not user 1 of another.
	MergeOwners bool
}

// Result says what an import did.
type Result struct {
	Files int
	Jobs  int // job events handed to the appender; a store drops those it already holds
	// Skipped counts what did not become an event: rows the readers skipped (jobs without a GPU,
	// and with SkipBad bad rows) and, with SkipBad, jobs that cannot be events (see JobError).
	Skipped int
	// Problems lists, with SkipBad, the bad rows (*traces.RowError) and jobs (*JobError) skipped,
	// at most 50 of each file followed by a count of the rest.
	Problems []error
	Owners   int // distinct owners of the imported jobs
	Groups   int
	// PerFile says what each file gave, in the order given.
	PerFile []FileResult
}

// FileResult is what one file of an Import gave.
type FileResult struct {
	Path string
	// Prefix was put before the file's owner and group names ("" when they were kept).
	Prefix string
	Jobs   int // job events of the file handed to the appender
	Owners int // distinct owners of those jobs
}

// ErrSameStem is returned when two files of one Import have the same stem, so that their owners
// would merge under one prefix.
var ErrSameStem = errors.New("importer: two files have the same stem")

// OwnerPrefix is the prefix Import puts before the owner and group names of a file when it
// imports several without MergeOwners: the file's name without its directory, a trailing .gz and
// one more extension, then a slash ("cluster04/" for /data/cluster04.csv.gz).
func OwnerPrefix(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), ".gz")
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base + "/"
}

// prefixes gives each path its owner prefix, or all "" when names are kept.
func prefixes(paths []string, merge bool) ([]string, error) {
	out := make([]string, len(paths))
	if merge || len(paths) < 2 {
		return out, nil
	}
	seen := map[string]string{}
	for i, p := range paths {
		out[i] = OwnerPrefix(p)
		if !utf8.ValidString(out[i]) {
			return nil, fmt.Errorf("importer: %s: file name is not valid UTF-8 and cannot prefix owner names; rename it or merge owners", p)
		}
		if q, ok := seen[out[i]]; ok {
			return nil, fmt.Errorf("%w %q: %s and %s; rename one, or merge their owners", ErrSameStem, strings.TrimSuffix(out[i], "/"), q, p)
		}
		seen[out[i]] = p
	}
	return out, nil
}

// JobError is a job that a reader accepted but an event cannot carry faithfully, such as a
// submit time beyond the 292 years a time.Duration spans, or a name that is not valid UTF-8
// (JSON would replace its bytes). Import fails on it unless Trace.SkipBad is set.
type JobError struct {
	File  string
	Index int // 0-based position of the job in the reader's workload of File
	JobID string
	Err   error
}

func (e *JobError) Error() string {
	return fmt.Sprintf("%s: job %d (id %q): %v", e.File, e.Index, e.JobID, e.Err)
}

func (e *JobError) Unwrap() error { return e.Err }

// traceFile is one file read and checked, ready to become events.
type traceFile struct {
	path, base, hash string
	prefix           string // before its owner and group names
	w                *gpuplan.Workload
	keep             []bool  // jobs that become events
	owner, group     []int32 // the file's owner and group indexes in the merged workload
	owners           int     // distinct owners of the kept jobs
}

// Import reads trace files (any traces format, gzip allowed) and appends one job.finished event
// per job to a, in batches. Every file is read and checked before anything is appended: with a
// bad row or job anywhere, Import returns all of them (errors.Is(err, traces.ErrBadRow) holds for
// rows) and appends nothing, unless opt.Trace.SkipBad is set. The files of one call form one
// workload, in the order given (see the package doc). An Append error is returned as is; a prefix
// of the events may then be stored, and running the import again is safe.
func Import(ctx context.Context, a events.Appender, paths []string, opt Options) (Result, error) {
	c, err := newConverter(opt)
	if err != nil {
		return Result{}, err
	}
	prefix, err := prefixes(paths, opt.MergeOwners)
	if err != nil {
		return Result{}, err
	}
	var res Result
	files := make([]*traceFile, 0, len(paths))
	var errs []error
	read, err := c.readAll(ctx, paths)
	if err != nil {
		return Result{}, err
	}
	for i, r := range read {
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		res.Problems = append(res.Problems, r.problems...)
		res.Skipped += r.f.w.Skipped
		r.f.prefix = prefix[i]
		files = append(files, r.f)
	}
	if len(errs) > 0 {
		return Result{}, errors.Join(errs...)
	}
	res.Files = len(files)
	for _, f := range files {
		n, problems := c.check(f)
		if len(problems) > 0 && !opt.Trace.SkipBad {
			errs = append(errs, problems...)
		}
		res.Skipped += n
		res.Problems = append(res.Problems, problems...)
	}
	if len(errs) > 0 {
		return Result{}, errors.Join(errs...)
	}
	res.Owners, res.Groups = c.merge(files)
	for _, f := range files {
		fr := FileResult{Path: f.path, Prefix: f.prefix, Owners: f.owners}
		for _, k := range f.keep {
			if k {
				fr.Jobs++
			}
		}
		res.PerFile = append(res.PerFile, fr)
	}
	res.Jobs, err = c.emit(ctx, a, files)
	return res, err
}

type readResult struct {
	f        *traceFile
	problems []error
	err      error
}

// readAll reads the files on up to GOMAXPROCS goroutines, since nothing can be appended before
// all are read and the server is idle meanwhile, and returns their results in the order given.
func (c *converter) readAll(ctx context.Context, paths []string) ([]readResult, error) {
	out := make([]readResult, len(paths))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(paths) || ctx.Err() != nil {
					return
				}
				r := &out[i]
				r.f, r.problems, r.err = c.read(paths[i])
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// read reads one file; it only reads c, so several may run at once. With SkipBad a file with bad
// rows is read twice: strictly, to list the rows for the report (the readers only count what they
// skip), and then skipping them.
func (c *converter) read(path string) (*traceFile, []error, error) {
	strict := c.opt.Trace
	strict.SkipBad = false
	w, err := traces.ReadFile(path, c.format, strict)
	var problems []error
	if err != nil {
		if !c.opt.Trace.SkipBad || !errors.Is(err, traces.ErrBadRow) {
			return nil, nil, err
		}
		problems = flatten(err)
		if w, err = traces.ReadFile(path, c.format, c.opt.Trace); err != nil {
			return nil, nil, err
		}
	}
	hash, err := contentHash(path)
	if err != nil {
		return nil, nil, err
	}
	return &traceFile{path: path, base: filepath.Base(path), hash: hash, w: w}, problems, nil
}

// flatten lists the errors of an errors.Join.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// contentHash is the SHA-256 of a file's content, decompressed when it is gzip, so that a
// compressed copy of a trace is the same source as the original.
func contentHash(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("importer: %w", err)
	}
	defer fh.Close()
	br := bufio.NewReaderSize(fh, 64<<10)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return "", fmt.Errorf("importer: %s: gzip: %w", path, err)
		}
		r = zr
	}
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", fmt.Errorf("importer: %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
