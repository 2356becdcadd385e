package traces

import (
	"fmt"
	"math"

	"github.com/gpuplan/gpuplan"
)

// span tracks, while jobs are added, the extremes that decide whether one job dominates a value
// derived from the whole trace: the two earliest submits, the two latest ends (submit + duration)
// and the largest single job's GPU-seconds against the total. Indexes are job positions.
type span struct {
	n               int
	first, second   float64
	firstAt         int
	last, penult    float64
	lastAt          int
	gpuSec, biggest float64
	biggestAt       int
}

func newSpan() span {
	return span{first: math.Inf(1), second: math.Inf(1), last: math.Inf(-1), penult: math.Inf(-1),
		firstAt: -1, lastAt: -1, biggestAt: -1}
}

func (s *span) push(i int, submit, end, gpuSec float64) {
	s.n++
	s.pushSubmit(i, submit)
	s.pushEnd(i, end)
	s.gpuSec += gpuSec
	if gpuSec > s.biggest {
		s.biggest, s.biggestAt = gpuSec, i
	}
}

func (s *span) pushSubmit(i int, v float64) {
	if v < s.first {
		s.second, s.first, s.firstAt = s.first, v, i
	} else if v < s.second {
		s.second = v
	}
}

func (s *span) pushEnd(i int, v float64) {
	if v > s.last {
		s.penult, s.last, s.lastAt = s.last, v, i
	} else if v > s.penult {
		s.penult = v
	}
}

// merge adds the span of jobs that sit off positions further on.
func (s *span) merge(o *span, off int) {
	if o.n == 0 {
		return
	}
	s.n += o.n
	s.pushSubmit(o.firstAt+off, o.first)
	s.pushSubmit(-1, o.second) // never the earliest: o.first came first and is no later
	s.pushEnd(o.lastAt+off, o.last)
	s.pushEnd(-1, o.penult)
	s.gpuSec += o.gpuSec
	if o.biggest > s.biggest {
		s.biggest, s.biggestAt = o.biggest, o.biggestAt+off
	}
}

// vet checks the workload as a whole, after its rows: at least one job and no job ID twice
// (both errors, SkipBad or not), and warns about a single job on which a derived value rests.
// ids, when given, already holds every job's ID hash (computed for synthetic owners).
func (b *builder) vet(errs *rowErrors, ids *idSet) (*gpuplan.Workload, *Info, error) {
	w := &b.w
	info := &Info{Skipped: b.skips}
	if len(w.Jobs) == 0 {
		why := "a header and no rows"
		switch {
		case info.Skipped.Total() > 0:
			why = fmt.Sprintf("every row was skipped (%s)", info.Skipped.reasons())
		case b.firstRow <= 1:
			why = "no job lines"
		}
		errs.fatal(max(b.firstRow, 1), "", noJobs{why})
		return nil, nil, errs.err()
	}
	if !b.sorted {
		if ids == nil {
			ids = newIDSet(len(w.Jobs))
			for i := range w.Jobs {
				ids.add(i, hashID(0, w.Jobs[i].ID))
			}
		}
		for _, d := range ids.repeats(w.Jobs) {
			errs.fatal(b.rows.row(d[1]), b.cols.id, fmt.Errorf("job ID %s repeats row %d's", quote([]byte(w.Jobs[d[1]].ID)), b.rows.row(d[0])))
		}
		if err := errs.err(); err != nil {
			return nil, nil, err
		}
	}
	info.Warnings = b.outliers(errs.file)
	return w, info, nil
}

// idSet finds repeated job IDs: an open-addressing table, at most 80% full, of 32-bit
// fingerprints (the high half of each ID's 64-bit hash; the low half picks the slot), that keeps
// the positions whose fingerprint it meets while probing. Those candidates are then compared as
// strings. A false candidate needs a fingerprint match within one probe run, about one in a
// billion inserts, so a file without repeats costs one probe of a small table a job, and the
// table, 4 bytes a slot, mostly stays in cache.
type idSet struct {
	keys []uint32
	mask uint64
	cand []int
}

func newIDSet(n int) *idSet {
	size := 16
	for size < n+n/4 {
		size <<= 1
	}
	return &idSet{keys: make([]uint32, size), mask: uint64(size - 1)}
}

// add records job i's ID hash h.
func (s *idSet) add(i int, h uint64) {
	fp := uint32(h>>32) | 1 // 0 marks an empty slot
	p := h & s.mask
	for s.keys[p] != 0 {
		if s.keys[p] == fp {
			if len(s.cand) < 4*maxListedErrors {
				s.cand = append(s.cand, i)
			}
			return
		}
		p = (p + 1) & s.mask
	}
	s.keys[p] = fp
}

// repeats returns (first, repeat) position pairs of equal IDs among the candidates, at most
// maxListedErrors of them (the error lists no more): each costs a scan for the first occurrence.
func (s *idSet) repeats(jobs []gpuplan.Job) [][2]int {
	var out [][2]int
	for _, i := range s.cand {
		if len(out) == maxListedErrors {
			break
		}
		for k := range i {
			if jobs[k].ID == jobs[i].ID {
				out = append(out, [2]int{k, i})
				break
			}
		}
	}
	return out
}

// outliers warns when one job alone stretches the trace's span (first submit to last end) by more
// than half, or holds more than half its GPU-seconds: the span sets the mean demand that derived
// pools and synthetic owner counts are sized from, the horizon counts from the first submit and
// the simulator measures over the span, so every figure would describe that one job's gap.
func (b *builder) outliers(file string) []Warning {
	s := &b.span
	if s.n < 3 {
		return nil
	}
	var out []Warning
	window := s.last - s.first
	rests := "the trace's span of " + human(window) + ", and every value derived from it (pools and owners sized from demand, the horizon, the measured window), rests on this one job"
	if gap := s.second - s.first; window > 0 && gap > window/2 {
		out = append(out, Warning{File: file, Row: b.rows.row(s.firstAt), Column: b.cols.submit,
			Msg: fmt.Sprintf("submitted %s before every other job: %s", human(gap), rests)})
	}
	if gap := s.last - s.penult; window > 0 && gap > window/2 {
		col := b.cols.duration // the job ran long, or was submitted late: name what made the gap
		if j := &b.w.Jobs[s.lastAt]; j.Submit-s.penult > j.Duration {
			col = b.cols.submit
		}
		out = append(out, Warning{File: file, Row: b.rows.row(s.lastAt), Column: col,
			Msg: fmt.Sprintf("ends %s after every other job: %s", human(gap), rests)})
	}
	if s.biggest > s.gpuSec/2 {
		out = append(out, Warning{File: file, Row: b.rows.row(s.biggestAt), Column: b.cols.gpus,
			Msg: fmt.Sprintf("this one job holds %.0f%% of the trace's GPU-time: a fleet sized from the trace's demand rests on it", 100*s.biggest/s.gpuSec)})
	}
	return out
}

// human writes seconds in the largest unit that keeps the number at least 1.
func human(sec float64) string {
	for _, u := range []struct {
		s    float64
		name string
	}{{365.25 * 86400, "years"}, {86400, "days"}, {3600, "h"}, {60, "min"}} {
		if sec >= u.s {
			return fmt.Sprintf("%.1f %s", sec/u.s, u.name)
		}
	}
	return fmt.Sprintf("%.0f s", sec)
}
