package traces

import (
	"bufio"
	"fmt"
)

// eachRow reads a header-led CSV, checks its columns and calls fn for every record of the right
// width, with pos giving each wanted column's position (-1 for an absent optional one).
// strict rejects columns outside required and optional. It returns the row after the header.
func eachRow(br *bufio.Reader, errs *rowErrors, required, optional []string, strict bool,
	fn func(fields [][]byte, pos []int, row int)) (int, error) {
	rs := newRecords(br)
	fields, row, err := rs.header(errs)
	if err != nil {
		return 0, err
	}
	pos := parseHeader(fields, row, errs, required, optional, strict)
	if err := errs.err(); err != nil {
		return 0, err
	}
	first := rs.lineNo
	return first, rows(rs, len(fields), errs, func(fields [][]byte, row int) { fn(fields, pos, row) })
}

// rows calls fn for every remaining record with the header's width; a record of another width is
// a row error.
func rows(rs *records, width int, errs *rowErrors, fn func(fields [][]byte, row int)) error {
	for {
		fields, row, done, err := rs.next(errs)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		if len(fields) != width {
			errs.add(row, "", fmt.Errorf("wrong field count: %d, header has %d", len(fields), width))
			continue
		}
		fn(fields, row)
	}
}

// rowCheck gathers the problems of one row.
type rowCheck struct {
	errs *rowErrors
	row  int
	bad  bool
}

func (c *rowCheck) fail(column string, err error) {
	c.errs.add(c.row, column, err)
	c.bad = true
}

func (c *rowCheck) num(column string, b []byte) float64 {
	v, err := parseNonNeg(b)
	if err != nil {
		c.fail(column, err)
	}
	return v
}

func (c *rowCheck) count(column string, b []byte) int32 {
	v, err := parseCount(b)
	if err != nil {
		c.fail(column, err)
	}
	return v
}

func (c *rowCheck) nonEmpty(column string, b []byte) []byte {
	if len(trimSpace(b)) == 0 {
		c.fail(column, errEmpty)
	}
	return b
}
