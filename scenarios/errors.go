package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Sentinel errors. Every problem found in a scenario wraps ErrInvalid, so callers can tell bad input
// from I/O failures with errors.Is.
var (
	ErrInvalid         = errors.New("scenarios: invalid scenario")
	ErrUnknownScenario = errors.New("scenarios: unknown scenario")
	ErrWorkload        = errors.New("scenarios: cannot generate workload")
)

// FieldError is one problem in a scenario, located by file, line and field path
// (for example sites[1].pue). Line is 0 when the field has no position (a scenario built in code).
type FieldError struct {
	File string
	Line int
	Path string
	Msg  string
}

func (e *FieldError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Path == "" {
		return loc + ": " + e.Msg
	}
	return loc + ": " + e.Path + ": " + e.Msg
}

// Unwrap makes every FieldError match ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// problems collects FieldErrors so that a user sees every mistake at once.
type problems struct {
	file string
	pos  map[string]int // field path -> line, from decoding
	list []*FieldError
}

func (p *problems) at(line int, path, format string, args ...any) {
	p.list = append(p.list, &FieldError{File: p.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// add reports a problem at path, using the line recorded while decoding. A field that was never
// written (a missing required field) is reported at its nearest written parent.
func (p *problems) add(path, format string, args ...any) {
	p.at(p.line(path), path, format, args...)
}

func (p *problems) line(path string) int {
	for q := path; q != ""; q = parentPath(q) {
		if l, ok := p.pos[q]; ok {
			return l
		}
	}
	return p.pos[""]
}

// parentPath strips the last element of a field path: "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a" -> "".
func parentPath(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		switch path[i] {
		case '.':
			return path[:i]
		case '[':
			return path[:i]
		}
	}
	return ""
}

// err returns all problems sorted by line (then path), joined, or nil.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	slices.SortStableFunc(p.list, func(a, b *FieldError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Path, b.Path))
	})
	errs := make([]error, len(p.list))
	for i, e := range p.list {
		errs[i] = e
	}
	return errors.Join(errs...)
}
