package traces

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/gpuplan/gpuplan"
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

const (
	bufSize     = 64 << 10
	maxInMemory = 1 << 30 // larger CSV files are streamed
)

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// ReadFile reads a workload file in format f; gzip compression is detected by its magic bytes.
func ReadFile(path string, f Format, opt Options) (*gpuplan.Workload, error) {
	w, _, err := readFile(path, f, opt, false)
	return w, err
}

// ReadFileDigest is ReadFile that also returns the hex sha256 of the file's bytes, hashed from the
// bytes as they are read rather than by reading the file a second time (for a canonical CSV held in
// memory, beside the parse).
func ReadFileDigest(path string, f Format, opt Options) (*gpuplan.Workload, string, error) {
	w, info, err := readFile(path, f, opt, true)
	if err != nil {
		return nil, "", err
	}
	return w, info.Digest, nil
}

// ReadFileInfo is ReadFileDigest that returns, with the digest, the rows skipped by reason and
// the warnings about the file (Info).
func ReadFileInfo(path string, f Format, opt Options) (*gpuplan.Workload, *Info, error) {
	return readFile(path, f, opt, true)
}

func readFile(path string, f Format, opt Options, digest bool) (*gpuplan.Workload, *Info, error) {
	if f == CSV || f == "" {
		// The canonical CSV is read whole into memory, where large files are parsed in parallel.
		if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() && st.Size() <= maxInMemory {
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, nil, fmt.Errorf("traces: %w", err)
			}
			var sum [sha256.Size]byte
			var wg sync.WaitGroup
			if digest {
				wg.Go(func() { sum = sha256.Sum256(data) })
			}
			var w *gpuplan.Workload
			var info *Info
			if !isGzip(data) {
				w, info, err = readCSVBytes(data, &rowErrors{file: path, skip: opt.SkipBad})
			} else {
				w, info, err = read(bytes.NewReader(data), path, f, opt, 0)
			}
			wg.Wait()
			if err != nil {
				return nil, nil, err
			}
			if digest {
				info.Digest = hex.EncodeToString(sum[:])
			}
			return w, info, nil
		}
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("traces: %w", err)
	}
	defer fh.Close()
	var size int64
	if st, err := fh.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	if !digest {
		return read(fh, path, f, opt, size)
	}
	// Every byte the reader takes passes through the hash; the rest is hashed after.
	h := sha256.New()
	w, info, err := read(io.TeeReader(fh, h), path, f, opt, size)
	if err != nil {
		return nil, nil, err
	}
	if _, err := io.Copy(h, fh); err != nil {
		return nil, nil, fmt.Errorf("traces: %s: %w", path, err)
	}
	info.Digest = hex.EncodeToString(h.Sum(nil))
	return w, info, nil
}

// Read reads a workload in format f from r; name labels errors (usually the file name). Gzip
// compression is detected by its magic bytes.
func Read(r io.Reader, name string, f Format, opt Options) (*gpuplan.Workload, error) {
	w, _, err := read(r, name, f, opt, 0)
	return w, err
}

// ReadInfo is Read that also returns the rows skipped by reason and the warnings (Info; no digest).
func ReadInfo(r io.Reader, name string, f Format, opt Options) (*gpuplan.Workload, *Info, error) {
	return read(r, name, f, opt, 0)
}

func read(r io.Reader, name string, f Format, opt Options, size int64) (*gpuplan.Workload, *Info, error) {
	if f == "" {
		f = CSV
	}
	switch f {
	case CSV, ITP, GenPW, OpenB, SWF:
	default:
		return nil, nil, unknownFormat(string(f))
	}
	size0 := bufSize
	if size > 0 && size < bufSize {
		size0 = max(int(size)+16, 4096) // a small file needs no bigger buffer than itself
	}
	br, gz, err := maybeGzip(r, name, size0)
	if err != nil {
		return nil, nil, err
	}
	var hint sizeHint
	if !gz && size > 0 {
		hint = sizeHint{estimateRows(br, size), int(min(size, maxInMemory))}
	}
	errs := &rowErrors{file: name, skip: opt.SkipBad}
	switch f {
	case ITP:
		return readITP(br, errs, opt, hint)
	case GenPW:
		return readGenPW(br, errs, hint)
	case OpenB:
		return readOpenB(br, errs, opt, hint)
	case SWF:
		return readSWF(br, errs, hint)
	}
	return readCSV(br, errs, hint)
}

// maybeGzip wraps r in a buffered reader, decompressing when the stream starts with gzip's magic.
func maybeGzip(r io.Reader, name string, size int) (*bufio.Reader, bool, error) {
	br := bufio.NewReaderSize(r, size)
	if magic, _ := br.Peek(2); !isGzip(magic) {
		return br, false, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, true, fmt.Errorf("traces: %s: gzip: %w", name, err)
	}
	return bufio.NewReaderSize(zr, bufSize), true, nil
}

// sizeHint sizes a builder's slices up front: rows expected and bytes of input.
type sizeHint struct{ rows, bytes int }

// estimateRows guesses the row count of a file of size bytes from the lines in its first buffer, so
// the job slice is allocated once.
func estimateRows(br *bufio.Reader, size int64) int {
	head, _ := br.Peek(br.Size())
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
