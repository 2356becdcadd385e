package scenarios

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Duration is a length of time in seconds. In YAML it is either a plain number of seconds (3600,
// 1.5e6) or a string of number-unit terms with units s, m, h, d (24 h) and w (7 d): "90d", "1.5h",
// "2d12h", "30m".
type Duration float64

// Seconds returns d as float64 seconds.
func (d Duration) Seconds() float64 { return float64(d) }

var durationUnits = map[byte]float64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 7 * 86400}

var errDuration = errors.New(`want seconds or number-unit terms such as "90d", "36h", "1d12h" (units s, m, h, d, w)`)

// ParseDuration reads a Duration in the YAML syntax above.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errDuration
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, errDuration
		}
		return Duration(v), nil
	}
	var total float64
	for rest := s; rest != ""; {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, errDuration
		}
		v, err := strconv.ParseFloat(rest[:i], 64)
		unit, ok := durationUnits[rest[i]]
		if err != nil || !ok {
			return 0, errDuration
		}
		total += v * unit
		rest = strings.TrimLeft(rest[i+1:], " ")
	}
	return Duration(total), nil
}

// String writes d in the largest unit that divides it, else in seconds.
func (d Duration) String() string {
	for _, u := range []struct {
		suffix string
		s      float64
	}{{"w", 7 * 86400}, {"d", 86400}, {"h", 3600}, {"m", 60}} {
		if d != 0 && math.Mod(float64(d), u.s) == 0 {
			return fmt.Sprintf("%g%s", float64(d)/u.s, u.suffix)
		}
	}
	return strconv.FormatFloat(float64(d), 'g', -1, 64) + "s"
}
