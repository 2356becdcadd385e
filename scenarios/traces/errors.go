package traces

import (
	"errors"
	"fmt"
)

// ErrBadRow marks every row-level error; test for it with errors.Is.
var ErrBadRow = errors.New("traces: bad row")

// ErrUnknownFormat is returned for a format name the package does not read.
var ErrUnknownFormat = errors.New("traces: unknown format")

// maxListedErrors caps the row errors joined into one error, so a wholly wrong file gives a readable
// message instead of a million lines.
const maxListedErrors = 50

// RowError says which file, row (1-based line number in the file, header included) and column a
// problem is in.
type RowError struct {
	File   string
	Row    int
	Column string // "" when the problem is the row as a whole
	Err    error
}

func (e *RowError) Error() string {
	s := ""
	if e.File != "" {
		s = e.File + ":"
	}
	s += fmt.Sprintf("row %d: ", e.Row)
	if e.Column != "" {
		s += "column " + e.Column + ": "
	}
	return s + e.Err.Error()
}

func (e *RowError) Unwrap() error { return e.Err }

// Is makes every RowError match ErrBadRow, whatever its cause.
func (e *RowError) Is(target error) bool { return target == ErrBadRow }

// rowErrors collects the errors of one read: in strict mode all of them (the first maxListedErrors
// listed), in skip mode only a count of the bad rows.
type rowErrors struct {
	file    string
	skip    bool
	listed  []error
	total   int // errors seen (a row may have several)
	badRows int
	lastRow int // last row counted in badRows, so a row with two bad columns counts once
	// empty, when set, is the error for an input without a header line; nil means ErrNoJobs.
	empty error
}

// add records a problem in row at column; the caller drops the row.
func (c *rowErrors) add(row int, column string, err error) {
	if row != c.lastRow || c.badRows == 0 {
		c.badRows++
		c.lastRow = row
	}
	if c.skip {
		return
	}
	c.total++
	if len(c.listed) < maxListedErrors {
		c.listed = append(c.listed, &RowError{File: c.file, Row: row, Column: column, Err: err})
	}
}

// fatal records an error that no SkipBad can skip (a bad header).
func (c *rowErrors) fatal(row int, column string, err error) {
	c.total++
	if len(c.listed) < maxListedErrors {
		c.listed = append(c.listed, &RowError{File: c.file, Row: row, Column: column, Err: err})
	}
}

func (c *rowErrors) err() error {
	if len(c.listed) == 0 {
		return nil
	}
	if c.total > len(c.listed) {
		more := fmt.Errorf("%s: and %d more errors", c.file, c.total-len(c.listed))
		return errors.Join(append(c.listed[:len(c.listed):len(c.listed)], more)...)
	}
	return errors.Join(c.listed...)
}

// merge appends the errors of a chunk that starts after line offset of the file.
func (c *rowErrors) merge(o *rowErrors, offset int) {
	c.badRows += o.badRows
	c.total += o.total
	for _, e := range o.listed {
		if re, ok := e.(*RowError); ok {
			re.Row += offset
		}
		if len(c.listed) < maxListedErrors {
			c.listed = append(c.listed, e)
		}
	}
}
