package traces

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
)

// maxQuotedRecord bounds a record whose quoted field spans lines, so one stray quote cannot swallow a
// whole file into memory.
const maxQuotedRecord = 1 << 20

var bom = []byte("\xef\xbb\xbf")

// records splits a CSV stream into records. Lines without a double quote are split on commas in
// place (the fast path, equal to encoding/csv for such lines); a line with a quote, together with
// the lines a quoted field continues onto, goes through encoding/csv.
type records struct {
	br     *bufio.Reader
	data   []byte // the unread input when reading from memory (br == nil)
	lineNo int    // number of the next physical line
	long   []byte // holds a line longer than the buffer, or a multi-line quoted record
	fields [][]byte
	first  bool
}

func newRecords(br *bufio.Reader) *records {
	return &records{br: br, lineNo: 1, first: true, fields: make([][]byte, 0, 16)}
}

// memRecords reads records from data, which starts at line number lineNo.
func memRecords(data []byte, lineNo int) *records {
	return &records{data: data, lineNo: lineNo, first: lineNo == 1, fields: make([][]byte, 0, 16)}
}

// line returns the next physical line without its line ending, valid until the next call.
func (r *records) line() ([]byte, error) {
	var b []byte
	var err error
	if r.br == nil {
		if len(r.data) == 0 {
			return nil, io.EOF
		}
		if i := bytes.IndexByte(r.data, '\n'); i >= 0 {
			b, r.data = r.data[:i+1], r.data[i+1:]
		} else {
			b, r.data = r.data, nil
		}
		if len(b) > maxLine {
			return nil, errLongLine
		}
	} else {
		b, err = r.br.ReadSlice('\n')
	}
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], b...)
		for err == bufio.ErrBufferFull {
			if len(r.long) > maxLine {
				return nil, errLongLine
			}
			b, err = r.br.ReadSlice('\n')
			r.long = append(r.long, b...)
		}
		if len(r.long) > maxLine {
			return nil, errLongLine
		}
		b = r.long
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	if len(b) == 0 && err == io.EOF {
		return nil, io.EOF
	}
	r.lineNo++
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	if r.first {
		r.first = false
		b = bytes.TrimPrefix(b, bom)
	}
	return b, nil
}

// read returns the next non-empty record and the line it starts on. The fields are valid until the
// next call. A malformed quoted record gives a *RowError (with the record consumed); other errors
// come from the underlying reader; io.EOF ends the stream.
func (r *records) read() ([][]byte, int, error) {
	for {
		row := r.lineNo
		b, err := r.line()
		if err != nil {
			return nil, row, err
		}
		if len(b) == 0 {
			continue
		}
		// One pass splits on commas; a quote anywhere sends the line to encoding/csv. A byte loop
		// beats bytes.IndexByte here: fields are a few bytes long.
		fields := r.fields[:0]
		start := 0
		for i, c := range b {
			if c == ',' {
				fields = append(fields, b[start:i])
				start = i + 1
			} else if c == '"' {
				return r.quoted(b, row)
			}
		}
		r.fields = append(fields, b[start:])
		return r.fields, row, nil
	}
}

func (r *records) quoted(b []byte, row int) ([][]byte, int, error) {
	rec := append([]byte(nil), b...)
	q := quoteScan{fieldStart: true}
	q.feed(rec)
	for q.open() {
		if len(rec) > maxQuotedRecord {
			return nil, row, &RowError{Row: row, Err: errors.New("quoted field runs past 1 MiB (unbalanced quote?)")}
		}
		nb, err := r.line()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, row, err
		}
		rec = append(rec, '\n')
		rec = append(rec, nb...)
		q.feed(rec[len(rec)-len(nb)-1:])
	}
	cr := csv.NewReader(bytes.NewReader(rec))
	cr.FieldsPerRecord = -1
	ss, err := cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, row, &RowError{Row: row, Err: fmt.Errorf("malformed quoted field: %w", err)}
	}
	if _, err := cr.Read(); err != io.EOF {
		return nil, row, &RowError{Row: row, Err: errors.New("malformed quoted field: text after closing quote spans lines")}
	}
	r.fields = r.fields[:0]
	for _, s := range ss {
		r.fields = append(r.fields, []byte(s))
	}
	return r.fields, row, nil
}

// next returns the next well-formed record, recording malformed quoted records in errs. done is
// true at the end of the input; err is a read failure (say, a corrupt gzip stream).
func (r *records) next(errs *rowErrors) (fields [][]byte, row int, done bool, err error) {
	for {
		fields, row, err = r.read()
		if err == nil {
			return fields, row, false, nil
		}
		if err == io.EOF {
			return nil, row, true, nil
		}
		if err == errLongLine {
			return nil, row, true, &RowError{File: errs.file, Row: row, Err: err}
		}
		var re *RowError
		if errors.As(err, &re) {
			errs.add(re.Row, re.Column, re.Err)
			continue
		}
		return nil, row, true, fmt.Errorf("traces: %s: line %d: %w", errs.file, row, err)
	}
}

// header reads the header record; an input without one, or a malformed one, is an error.
func (r *records) header(errs *rowErrors) ([][]byte, int, error) {
	fields, row, err := r.read()
	if err == io.EOF {
		if errs.empty != nil {
			return nil, row, fmt.Errorf("traces: %s: %w", errs.file, errs.empty)
		}
		return nil, row, &RowError{File: errs.file, Row: 1, Err: noJobs{"the file is empty"}}
	}
	if err == errLongLine {
		return nil, row, &RowError{File: errs.file, Row: row, Err: err}
	}
	if err != nil {
		var re *RowError
		if errors.As(err, &re) {
			re.File = errs.file
			return nil, row, re
		}
		return nil, row, fmt.Errorf("traces: %s: line %d: %w", errs.file, row, err)
	}
	return fields, row, nil
}

// quoteScan follows CSV quoting line by line, so that a quoted field running over many lines costs
// time in proportion to its length, not its square.
type quoteScan struct {
	inQuotes, fieldStart, bare bool
}

// feed scans the next piece of a record. A piece ends at a line end, so a quote closing a piece is
// never the first half of an escaped "".
func (q *quoteScan) feed(b []byte) {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case q.inQuotes && c == '"':
			if i+1 < len(b) && b[i+1] == '"' {
				i++
			} else {
				q.inQuotes = false
			}
		case q.inQuotes:
		case c == '"' && q.fieldStart:
			q.inQuotes = true
		case c == '"':
			q.bare = true
		}
		q.fieldStart = !q.inQuotes && (c == ',' || c == '\n')
	}
}

// open reports whether the record continues on the next line: it ends inside a quoted field. After a
// bare quote (one not starting a field) encoding/csv rejects the line, which must then not swallow
// the next one.
func (q *quoteScan) open() bool { return q.inQuotes && !q.bare }
