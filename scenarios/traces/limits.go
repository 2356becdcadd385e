package traces

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/gpuplan/gpuplan"
)

// The bounds on one row's values are gpuplan.MaxSeconds, gpuplan.MaxGPUs and gpuplan.MaxPowerW,
// shared with the event log.
const (
	// maxLine bounds one line of input, so that a binary or decompressed-to-one-line file is
	// refused before it fills memory.
	maxLine = 1 << 20
)

var errLongLine = fmt.Errorf("line longer than %d MiB (not a text workload file?)", maxLine>>20)

// seconds parses a time or duration within [0, gpuplan.MaxSeconds].
func (c *rowCheck) seconds(column string, b []byte) float64 {
	v, err := parseNonNeg(b)
	if err == nil && v > gpuplan.MaxSeconds {
		err = fmt.Errorf("%s is above the limit of %.0f s (100 years)", quote(trimSpace(b)), float64(gpuplan.MaxSeconds))
	}
	if err != nil {
		c.fail(column, err)
		return 0
	}
	return v
}

// gpus parses a job's GPU count within [0, gpuplan.MaxGPUs].
func (c *rowCheck) gpus(column string, b []byte) int32 {
	v, err := parseCount(b)
	if err == nil && v > gpuplan.MaxGPUs {
		err = fmt.Errorf("%s is above the limit of %d GPUs per job", quote(trimSpace(b)), gpuplan.MaxGPUs)
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
