package traces

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Limits on one workload row. They lie far beyond any real trace (the longest public GPU traces
// span months, their largest jobs a few thousand GPUs) and far below where float64 sums of
// seconds or GPU-seconds lose precision, so a value past them is a unit mistake or a corrupt
// file, never a job: it is refused rather than turned into a 300-digit wait or a fleet of millions.
const (
	// MaxSeconds bounds submit times and durations: 100 years of 365.25 days, in seconds.
	MaxSeconds = 100 * 365.25 * 86400
	// MaxGPUs bounds the GPUs of one job.
	MaxGPUs = 100_000
	// MaxPowerW bounds a job's per-GPU draw (power_w), ten times the largest GPU's TDP today.
	MaxPowerW = 10_000
	// maxLine bounds one line of input, so that a binary or decompressed-to-one-line file is
	// refused before it fills memory.
	maxLine = 1 << 20
)

var errLongLine = fmt.Errorf("line longer than %d MiB (not a text workload file?)", maxLine>>20)

// seconds parses a time or duration within [0, MaxSeconds].
func (c *rowCheck) seconds(column string, b []byte) float64 {
	v, err := parseNonNeg(b)
	if err == nil && v > MaxSeconds {
		err = fmt.Errorf("%s is above the limit of %.0f s (100 years)", quote(trimSpace(b)), float64(MaxSeconds))
	}
	if err != nil {
		c.fail(column, err)
		return 0
	}
	return v
}

// gpus parses a job's GPU count within [0, MaxGPUs].
func (c *rowCheck) gpus(column string, b []byte) int32 {
	v, err := parseCount(b)
	if err == nil && v > MaxGPUs {
		err = fmt.Errorf("%s is above the limit of %d GPUs per job", quote(trimSpace(b)), MaxGPUs)
	}
	if err != nil {
		c.fail(column, err)
		return 0
	}
	return v
}

// excerpt makes s safe and short for an error message: at most n bytes of it (cut at a rune
// boundary, "..." marking the cut), with non-printable bytes escaped as Go would quote them, so a
// binary file's header never sends raw bytes to a terminal.
func excerpt(s string, n int) string {
	cut := false
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s, cut = s[:n], true
	}
	q := strconv.Quote(s)
	q = q[1 : len(q)-1]
	if cut {
		q += "..."
	}
	return q
}
