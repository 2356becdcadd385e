package traces

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// parseHeader finds the columns named in want (required ones first, then optional ones) in a header
// record. It returns each wanted column's position (-1 when absent) and the header's width. Names are
// compared case-insensitively after trimming spaces. strict rejects columns not in want, so that a
// misspelt optional column (say "power" for "power_w") is an error rather than silently ignored.
func parseHeader(fields [][]byte, row int, errs *rowErrors, required, optional []string, strict bool) []int {
	pos := make([]int, len(required)+len(optional))
	for i := range pos {
		pos[i] = -1
	}
	names := make([]string, len(fields))
	seen := make(map[string]bool, len(fields))
	var unknown []string
	for i, f := range fields {
		name := strings.ToLower(strings.TrimSpace(string(f)))
		names[i] = name
		label := excerpt(name, 40)
		if name == "" {
			label = fmt.Sprintf("%d (no name)", i+1)
		}
		wanted := slices.Contains(required, name) || slices.Contains(optional, name)
		if seen[name] && (strict || wanted) {
			errs.fatal(row, label, errors.New("duplicate column"))
			continue
		}
		seen[name] = true
		found := false
		for k, w := range required {
			if w == name {
				pos[k], found = i, true
			}
		}
		for k, w := range optional {
			if w == name {
				pos[len(required)+k], found = i, true
			}
		}
		if !found && strict {
			unknown = append(unknown, label)
		}
	}
	for k, w := range required {
		if pos[k] < 0 {
			errs.fatal(row, w, errors.New("missing required column (header has: "+excerpt(strings.Join(names, ","), 120)+")"))
		}
	}
	for _, u := range unknown {
		errs.fatal(row, u, errors.New("unknown column (valid: "+strings.Join(append(append([]string(nil), required...), optional...), ",")+")"))
	}
	return pos
}
