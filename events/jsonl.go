package events

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
)

// DefaultMaxLineBytes bounds one JSON Lines record unless ReaderOptions says otherwise. A sample
// batch of a large node with many processes stays far below it.
const DefaultMaxLineBytes = 16 << 20

// maxSkipEntries bounds the distinct (kind, version) pairs a Reader tracks, so a hostile file
// cannot grow memory without bound; the rest are counted under SkipOverflow.
const maxSkipEntries = 1024

// SkipOverflow is the Skip.Kind under which skipped events beyond the tracked distinct kinds are
// counted. It can never be a wire name.
const SkipOverflow = "*"

// LineError is a malformed line of a JSON Lines file.
type LineError struct {
	Name string // the name the Reader was given, usually the file name
	Line int    // 1-based
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Name, e.Line, e.Err) }

func (e *LineError) Unwrap() error { return e.Err }

// Skip counts events a Reader passed over: unknown kinds (V <= CurrentVersion) or a newer
// envelope version (V > CurrentVersion; Kind is "" when the kind was unreadable).
type Skip struct {
	Kind  string
	V     int
	Count int
}

// ReaderOptions tune a Reader. The zero value skips unknown kinds and stops at malformed lines.
type ReaderOptions struct {
	// SkipMalformed counts malformed lines (see Reader.Malformed) instead of returning them.
	SkipMalformed bool
	// KeepUnknown returns events of unknown kinds (Kind == KindUnknown) instead of skipping them,
	// for tools that copy a log without interpreting it.
	KeepUnknown bool
	// MaxLineBytes bounds one line; 0 means DefaultMaxLineBytes. Longer lines are malformed.
	MaxLineBytes int
}

// maxErrorsKept bounds the malformed-line errors a Reader remembers for reporting.
const maxErrorsKept = 16

// Reader reads events from JSON Lines, one envelope per line. Blank lines are ignored and a
// trailing "\r" is accepted.
type Reader struct {
	br        *bufio.Reader
	name      string
	opt       ReaderOptions
	line      int
	buf       []byte
	err       error // sticky error of the underlying reader
	skipped   map[skipKey]int
	malformed int
	errs      []*LineError
}

type skipKey struct {
	kind string
	v    int
}

// NewReader returns a Reader of r; name (a file name, "-" for stdin) prefixes its errors.
func NewReader(r io.Reader, name string, opt ReaderOptions) *Reader {
	if opt.MaxLineBytes <= 0 {
		opt.MaxLineBytes = DefaultMaxLineBytes
	}
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), name: name, opt: opt, skipped: map[skipKey]int{}}
}

// Next returns the next event, or io.EOF at the end.
//
// A malformed line comes back as a *LineError wrapping ErrInvalid; calling Next again continues
// with the following line, so callers may count and go on (or set SkipMalformed). An error of
// the underlying reader is returned, wrapped with the name, from then on.
func (r *Reader) Next() (Event, error) {
	for {
		if r.err != nil {
			return Event{}, r.err
		}
		line, tooLong, err := r.readLine()
		if err != nil {
			if err != io.EOF {
				err = fmt.Errorf("%s:%d: %w", r.name, r.line+1, err)
			}
			r.err = err
			return Event{}, err
		}
		r.line++
		if tooLong {
			if err := r.bad(fmt.Errorf("%w: line longer than %d bytes", ErrInvalid, r.opt.MaxLineBytes)); err != nil {
				return Event{}, err
			}
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		e, err := Unmarshal(line)
		switch {
		case errors.Is(err, ErrNewerVersion):
			r.skip(e.KindName, e.V)
			continue
		case err != nil:
			if err := r.bad(err); err != nil {
				return Event{}, err
			}
			continue
		case e.Kind == KindUnknown && !r.opt.KeepUnknown:
			r.skip(e.KindName, e.V)
			continue
		}
		return e, nil
	}
}

// bad records a malformed line and returns it as an error unless SkipMalformed is set.
func (r *Reader) bad(err error) error {
	le := &LineError{Name: r.name, Line: r.line, Err: err}
	r.malformed++
	if len(r.errs) < maxErrorsKept {
		r.errs = append(r.errs, le)
	}
	if r.opt.SkipMalformed {
		return nil
	}
	return le
}

func (r *Reader) skip(kind string, v int) {
	k := skipKey{kind, v}
	if _, ok := r.skipped[k]; !ok && len(r.skipped) >= maxSkipEntries {
		k = skipKey{SkipOverflow, 0}
	}
	r.skipped[k]++
}

// readLine returns the next line without its "\r\n". A line longer than the limit is read to its
// end but not kept, so that memory stays bounded and the line after it is still read.
func (r *Reader) readLine() (line []byte, tooLong bool, err error) {
	r.buf = r.buf[:0]
	n := 0
	for {
		frag, err := r.br.ReadSlice('\n')
		n += len(frag)
		if !tooLong {
			if len(r.buf)+len(frag) > r.opt.MaxLineBytes+2 { // room for "\r\n"
				tooLong = true
				r.buf = r.buf[:0]
			} else {
				r.buf = append(r.buf, frag...)
			}
		}
		switch err {
		case nil:
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if n == 0 {
				return nil, false, io.EOF
			}
		default:
			return nil, false, err
		}
		line = bytes.TrimSuffix(bytes.TrimSuffix(r.buf, []byte("\n")), []byte("\r"))
		return line, tooLong || len(line) > r.opt.MaxLineBytes, nil
	}
}

// Line returns the number of the last line read (1-based).
func (r *Reader) Line() int { return r.line }

// Skipped lists the events skipped so far, by kind name and then version.
func (r *Reader) Skipped() []Skip {
	out := make([]Skip, 0, len(r.skipped))
	for k, n := range r.skipped {
		out = append(out, Skip{Kind: k.kind, V: k.v, Count: n})
	}
	slices.SortFunc(out, func(a, b Skip) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.V, b.V))
	})
	return out
}

// Malformed returns how many malformed lines were met, whether returned or skipped, and the
// first few of them (at most 16) for a report.
func (r *Reader) Malformed() (int, []*LineError) {
	return r.malformed, slices.Clone(r.errs)
}

// Writer writes events as JSON Lines. It buffers: call Flush at the end.
type Writer struct {
	bw  *bufio.Writer
	buf []byte
	n   int
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{bw: bufio.NewWriterSize(w, 64<<10)} }

// Write validates e and writes it as one line. Events of unknown kinds are written as they are,
// so a log passes through tools that do not know all of it.
func (w *Writer) Write(e Event) error {
	var err error
	w.buf, err = appendEvent(w.buf[:0], e)
	if err != nil {
		return fmt.Errorf("event %d (id %q): %w", w.n+1, e.ID, err)
	}
	w.buf = append(w.buf, '\n')
	if _, err := w.bw.Write(w.buf); err != nil {
		return err
	}
	w.n++
	return nil
}

// Count returns the number of events written.
func (w *Writer) Count() int { return w.n }

// Flush writes buffered lines to the underlying writer.
func (w *Writer) Flush() error { return w.bw.Flush() }
