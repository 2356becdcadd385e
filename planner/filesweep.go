package planner

import (
	"errors"
	"slices"
	"strings"

	"github.com/gpuplan/gpuplan/scenarios"
)

// FileSweep reads the sweep a scenario file holds (its sweep: key) into axes, with the keys and
// value checks of ParseAxis, so a study reads the same from a file as from --sweep. Every bad
// entry is reported at once, each a *scenarios.FieldError at its file, line and field (so it
// matches scenarios.ErrInvalid, bad input rather than a command-line mistake). A scenario
// without a sweep gives no axes.
func FileSweep(s *scenarios.Scenario) ([]Axis, error) {
	axes := []Axis{}
	var errs []error
	for _, a := range s.Sweep {
		if !slices.Contains(Keys(), a.Key) {
			errs = append(errs, s.FieldError(a.Path(-1), "unknown sweep key (have %s)", strings.Join(Keys(), ", ")))
			continue
		}
		axis := Axis{Key: a.Key}
		for i, raw := range a.Values {
			v, err := ParseValue(a.Key, strings.TrimSpace(raw))
			var pe *ParamError
			if errors.As(err, &pe) {
				errs = append(errs, s.FieldError(a.Path(i), "%s", pe.Msg))
				continue
			}
			if err != nil {
				return nil, err
			}
			axis.Values = append(axis.Values, v)
		}
		axes = append(axes, axis)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return axes, checkAxes(axes)
}
