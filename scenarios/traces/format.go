package traces

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gpuplan/gpuplan/sim"
)

// Format names a workload file layout; the names are the values of gpuplan's --format flag.
type Format string

const (
	CSV   Format = "csv"   // the canonical workload CSV
	ITP   Format = "itp"   // microsoft-itp clusterNN.csv
	GenPW Format = "genpw" // Gen-Parallel-Workloads Philly cut
	OpenB Format = "openb" // alibaba-openb pod list
	SWF   Format = "swf"   // Standard Workload Format
)

// Formats lists the formats the package reads, canonical CSV first.
func Formats() []Format { return []Format{CSV, ITP, GenPW, OpenB, SWF} }

// ParseFormat turns a --format value into a Format; "" means CSV, the default.
func ParseFormat(s string) (Format, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return CSV, nil
	}
	for _, f := range Formats() {
		if string(f) == s {
			return f, nil
		}
	}
	return "", unknownFormat(s)
}

func unknownFormat(s string) error {
	names := make([]string, 0, 5)
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return fmt.Errorf("%w %q (valid: %s)", ErrUnknownFormat, s, strings.Join(names, ", "))
}

// Options tune reading. The zero value means the defaults.
type Options struct {
	// Owners is the number of synthetic owners for traces without owners (itp, openb); 0 means one
	// per 10 GPUs of the trace's derived fleet (see the package doc). Other formats ignore it.
	Owners int
	// Seed picks the synthetic owner assignment.
	Seed uint64
	// SkipBad skips malformed rows, counting them in Workload.Skipped, instead of failing.
	SkipBad bool
}

const bufSize = 1 << 20

// ReadFile reads a workload file in format f; gzip compression is detected by its magic bytes.
func ReadFile(path string, f Format, opt Options) (*sim.Workload, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("traces: %w", err)
	}
	defer fh.Close()
	var size int64
	if st, err := fh.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return read(fh, path, f, opt, size)
}

// Read reads a workload in format f from r; name labels errors (usually the file name). Gzip
// compression is detected by its magic bytes.
func Read(r io.Reader, name string, f Format, opt Options) (*sim.Workload, error) {
	return read(r, name, f, opt, 0)
}

func read(r io.Reader, name string, f Format, opt Options, size int64) (*sim.Workload, error) {
	if f == "" {
		f = CSV
	}
	switch f {
	case CSV, ITP, GenPW, OpenB, SWF:
	default:
		return nil, unknownFormat(string(f))
	}
	br, gz, err := maybeGzip(r, name)
	if err != nil {
		return nil, err
	}
	hint := 0
	if !gz && size > 0 {
		hint = estimateRows(br, size)
	}
	errs := &rowErrors{file: name, skip: opt.SkipBad}
	switch f {
	case ITP:
		return readITP(br, errs, opt)
	case GenPW:
		return readGenPW(br, errs)
	case OpenB:
		return readOpenB(br, errs, opt)
	case SWF:
		return readSWF(br, errs)
	}
	return readCSV(br, errs, hint)
}

// maybeGzip wraps r in a buffered reader, decompressing when the stream starts with gzip's magic.
func maybeGzip(r io.Reader, name string) (*bufio.Reader, bool, error) {
	br := bufio.NewReaderSize(r, bufSize)
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, false, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, true, fmt.Errorf("traces: %s: gzip: %w", name, err)
	}
	return bufio.NewReaderSize(zr, bufSize), true, nil
}

// estimateRows guesses the row count of a file of size bytes from the lines in its first buffer, so
// the job slice is allocated once.
func estimateRows(br *bufio.Reader, size int64) int {
	head, _ := br.Peek(bufSize)
	n := bytes.Count(head, []byte{'\n'})
	if n == 0 || len(head) == 0 {
		return 0
	}
	est := float64(size) / float64(len(head)) * float64(n) * 1.05
	if est > 1<<27 {
		return 1 << 27
	}
	return int(est) + 16
}
