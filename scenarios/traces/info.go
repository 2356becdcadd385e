package traces

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoJobs is matched (errors.Is) by the error of a read that found no job: an empty file, a
// header without rows, or rows that were all skipped.
var ErrNoJobs = errors.New("traces: no jobs")

// noJobs is the row-level cause behind ErrNoJobs, worded for the message.
type noJobs struct{ why string }

func (e noJobs) Error() string        { return "no jobs: " + e.why }
func (e noJobs) Is(target error) bool { return target == ErrNoJobs }

// Info is what a read learned besides the jobs.
type Info struct {
	// Digest is the hex sha256 of the file's bytes (ReadFileInfo only).
	Digest   string
	Skipped  Skips
	Warnings []Warning
}

// Skips counts the rows a read skipped, by reason; their sum is Workload.Skipped.
type Skips struct {
	NoGPU      int // jobs asking for no GPU (SWF: no processors)
	NoDuration int // SWF jobs with an unknown (-1) run time
	Bad        int // malformed rows, skipped under Options.SkipBad
}

// Total is the number of rows skipped.
func (s Skips) Total() int { return s.NoGPU + s.NoDuration + s.Bad }

// String says how many rows were skipped and why, in one line ("" when none were).
func (s Skips) String() string {
	if s.Total() == 0 {
		return ""
	}
	return fmt.Sprintf("%d %s skipped: %s", s.Total(), plural(s.Total(), "row"), s.reasons())
}

// reasons lists the counts by reason: "2 asking for no GPU, 1 malformed (skip-bad)".
func (s Skips) reasons() string {
	var why []string
	for _, r := range []struct {
		n    int
		what string
	}{{s.NoGPU, "asking for no GPU"}, {s.NoDuration, "with an unknown run time"}, {s.Bad, "malformed (skip-bad)"}} {
		if r.n > 0 {
			why = append(why, fmt.Sprintf("%d %s", r.n, r.what))
		}
	}
	return strings.Join(why, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// Warning is something in a file that a read accepts but a user should know: a single job on
// which a derived value rests. File, Row and Column are as in RowError.
type Warning struct {
	File   string
	Row    int
	Column string
	Msg    string
}

func (w Warning) String() string {
	s := ""
	if w.File != "" {
		s = w.File + ":"
	}
	s += fmt.Sprintf("row %d: ", w.Row)
	if w.Column != "" {
		s += "column " + w.Column + ": "
	}
	return s + w.Msg
}
