package importer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

// idScheme is the first part of every imported job's id; changing it (or the parts after it)
// would make a re-import store every job again.
const idScheme = "gpuplan-trace-job"

// converter turns the jobs of checked trace files into events.
type converter struct {
	opt    Options
	format traces.Format
	epoch  time.Time
	source string
	batch  int
	seq    int64
}

func newConverter(opt Options) (*converter, error) {
	c := &converter{opt: opt, format: opt.Format, epoch: opt.Epoch.UTC(), source: opt.Source, batch: opt.Batch}
	if c.format == "" {
		c.format = traces.CSV
	}
	if opt.Epoch.IsZero() {
		c.epoch = DefaultEpoch
	}
	if c.source == "" {
		c.source = DefaultSource
	}
	if c.batch <= 0 {
		c.batch = DefaultBatch
	}
	// One throwaway event checks the source and the epoch before any file is read.
	if _, err := events.New(events.KindJobFinished, "x", c.source, c.epoch, events.JobFinished{JobID: "x", GPUs: 1, Start: c.epoch}); err != nil {
		return nil, fmt.Errorf("importer: source %q, epoch %v: %w", c.source, c.epoch, err)
	}
	return c, nil
}

// toDuration converts seconds to a time.Duration, rounding to the nanosecond; ok is false when
// the value does not fit. Import and replay must use this one function, so that a replay can tell
// whether times still agree with a JobTrace's exact seconds.
func toDuration(s float64) (d time.Duration, ok bool) {
	ns := math.Round(s * 1e9)
	if !(ns >= math.MinInt64 && ns < math.MaxInt64) { // the float MaxInt64 is 2^63, itself out of range
		return 0, false
	}
	return time.Duration(ns), true
}

// times gives an imported job's start (= submit) and end.
func (c *converter) times(j *gpuplan.Job) (start, end time.Time, err error) {
	s, ok := toDuration(j.Submit)
	if !ok || j.Submit < 0 {
		return start, end, fmt.Errorf("submit_s %v does not fit an event time (0 to about 292 years)", j.Submit)
	}
	d, ok := toDuration(j.Duration)
	if !ok || j.Duration < 0 {
		return start, end, fmt.Errorf("duration_s %v does not fit an event time (0 to about 292 years)", j.Duration)
	}
	start = c.epoch.Add(s)
	end = start.Add(d)
	if end.Year() > 9999 {
		return start, end, fmt.Errorf("end %v is after the year 9999", end)
	}
	return start, end, nil
}

// check marks the jobs of f that can become events and returns the count and problems of those
// that cannot (at most maxProblems listed, then a count).
func (c *converter) check(f *traceFile) (skipped int, problems []error) {
	w := f.w
	f.keep = make([]bool, len(w.Jobs))
	for i := range w.Jobs {
		j := &w.Jobs[i]
		err := c.checkJob(w, j)
		if err == nil {
			f.keep[i] = true
			continue
		}
		skipped++
		if len(problems) < maxProblems {
			problems = append(problems, &JobError{File: f.path, Index: i, JobID: j.ID, Err: err})
		}
	}
	if skipped > len(problems) {
		problems = append(problems, fmt.Errorf("%s: and %d more jobs", f.path, skipped-len(problems)))
	}
	return skipped, problems
}

var errUTF8 = errors.New("not valid UTF-8 (JSON cannot carry it exactly)")

func (c *converter) checkJob(w *gpuplan.Workload, j *gpuplan.Job) error {
	switch {
	case j.ID == "":
		return errors.New("job id is empty")
	case j.Owner < 0 || int(j.Owner) >= len(w.Owners):
		return fmt.Errorf("owner index %d is outside the %d owners", j.Owner, len(w.Owners))
	case j.Group < -1 || int(j.Group) >= len(w.Groups):
		return fmt.Errorf("group index %d is outside the %d groups", j.Group, len(w.Groups))
	case j.GPUs <= 0:
		return fmt.Errorf("gpus %d is not positive", j.GPUs)
	case !finiteNonNeg(j.Util) || !finiteNonNeg(j.PowerW):
		return fmt.Errorf("util %v or power_w %v is not a finite non-negative number", j.Util, j.PowerW)
	case !utf8.ValidString(j.ID):
		return fmt.Errorf("id: %w", errUTF8)
	case !utf8.ValidString(w.Owners[j.Owner]):
		return fmt.Errorf("owner %q: %w", w.Owners[j.Owner], errUTF8)
	case j.Group >= 0 && !utf8.ValidString(w.Groups[j.Group]):
		return fmt.Errorf("group %q: %w", w.Groups[j.Group], errUTF8)
	case j.Group >= 0 && w.Groups[j.Group] == "":
		return errors.New("group name is empty (an empty group means none)")
	case !utf8.ValidString(j.GPUType):
		return fmt.Errorf("gpu_type %q: %w", j.GPUType, errUTF8)
	}
	start, end, err := c.times(j)
	if err != nil {
		return err
	}
	// The log's schema, as replay will apply it: bounds on GPUs, power, utilization and times.
	p := events.JobFinished{JobID: j.ID, GPUs: int(j.GPUs), Start: start, End: end, MeanUtil: j.Util, MeanPowerW: j.PowerW,
		Trace: &events.JobTrace{SubmitS: j.Submit, DurationS: j.Duration}}
	return events.CheckPayload(p)
}

func finiteNonNeg(x float64) bool { return x >= 0 && !math.IsInf(x, 0) }

// merge numbers the owners and groups of the kept jobs across files: each file's lists in their
// order, names already seen keeping their first number. For one file whose jobs are all kept this
// is the reader's numbering. A file's prefix goes before its names first.
func (c *converter) merge(files []*traceFile) (owners, groups int) {
	ownerIdx := map[string]int32{}
	groupIdx := map[string]int32{}
	for _, f := range files {
		usedO := make([]bool, len(f.w.Owners))
		usedG := make([]bool, len(f.w.Groups))
		for i := range f.w.Jobs {
			if f.keep[i] {
				usedO[f.w.Jobs[i].Owner] = true
				if g := f.w.Jobs[i].Group; g >= 0 {
					usedG[g] = true
				}
			}
		}
		if f.prefix != "" {
			for i := range f.w.Owners {
				f.w.Owners[i] = f.prefix + f.w.Owners[i]
			}
			for i := range f.w.Groups {
				f.w.Groups[i] = f.prefix + f.w.Groups[i]
			}
		}
		for _, u := range usedO {
			if u {
				f.owners++
			}
		}
		f.owner = intern(f.w.Owners, usedO, ownerIdx)
		f.group = intern(f.w.Groups, usedG, groupIdx)
	}
	return len(ownerIdx), len(groupIdx)
}

func intern(names []string, used []bool, idx map[string]int32) []int32 {
	out := make([]int32, len(names))
	for i, name := range names {
		if !used[i] {
			out[i] = -1
			continue
		}
		n, ok := idx[name]
		if !ok {
			n = int32(len(idx))
			idx[name] = n
		}
		out[i] = n
	}
	return out
}

// emit appends the kept jobs' events to a in batches and returns how many it handed over.
func (c *converter) emit(ctx context.Context, a events.Appender, files []*traceFile) (int, error) {
	batch := make([]events.Event, 0, c.batch)
	var arena []byte
	n := 0
	// One Append runs while the next batch is built: the store waits for its acknowledgements
	// meanwhile, and the server would sit idle while the importer converted. Appends still run
	// one after another, in order, and every one has returned when emit does.
	var pending chan error
	inFlight := 0
	wait := func() error {
		if pending == nil {
			return nil
		}
		err := <-pending
		pending = nil
		if err != nil {
			return fmt.Errorf("importer: append: %w", err)
		}
		n += inFlight
		return nil
	}
	flush := func() error {
		if err := wait(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		pending, inFlight = make(chan error, 1), len(batch)
		go func(evs []events.Event, done chan<- error) { done <- a.Append(ctx, evs...) }(batch, pending)
		// A fresh batch and arena each time: a store may keep what it was handed, and this one
		// is still being appended.
		batch, arena = make([]events.Event, 0, c.batch), nil
		return nil
	}
	for _, f := range files {
		for i := range f.w.Jobs {
			if !f.keep[i] {
				continue
			}
			if arena == nil {
				arena = make([]byte, 0, c.batch*512)
			}
			var e events.Event
			e, arena = c.event(f, i, arena)
			batch = append(batch, e)
			if len(batch) == c.batch {
				if err := flush(); err != nil {
					return n, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return n, err
	}
	return n, wait()
}

// kindName is the wire name of the events an import writes.
var kindName = events.KindJobFinished.String()

// event builds the job.finished event of job i of f, its payload appended to arena, and advances
// the import's sequence. The job has passed check, which makes the event valid: it is assembled
// directly rather than through events.New, whose generic marshalling would dominate the import.
func (c *converter) event(f *traceFile, i int, arena []byte) (events.Event, []byte) {
	j := &f.w.Jobs[i]
	start, end, _ := c.times(j) // check has accepted them
	group, groupIdx := "", int32(-1)
	if j.Group >= 0 {
		group, groupIdx = f.w.Groups[j.Group], f.group[j.Group]
	}
	p := events.JobFinished{
		JobID: j.ID, Owner: f.w.Owners[j.Owner], Group: group, GPUs: int(j.GPUs), GPUType: j.GPUType,
		Submit: start, Start: start, End: end, MeanUtil: j.Util, MeanPowerW: j.PowerW,
		Source: events.JobSourceImport,
		Trace: &events.JobTrace{File: f.base, Format: string(c.format), Seq: c.seq,
			OwnerIndex: f.owner[j.Owner], GroupIndex: groupIdx, SubmitS: j.Submit, DurationS: j.Duration},
	}
	c.seq++
	from := len(arena)
	arena = appendJobFinished(arena, &p)
	e := events.Event{
		V:        events.CurrentVersion,
		ID:       events.DeriveID(idScheme, string(c.format), f.hash, strconv.Itoa(i), j.ID),
		Kind:     events.KindJobFinished,
		KindName: kindName,
		Source:   c.source,
		Time:     start,
		Data:     arena[from:len(arena):len(arena)],
	}
	return e, arena
}
