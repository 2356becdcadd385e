package traces

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

var (
	errEmpty    = errors.New("empty value")
	errNegative = errors.New("negative value")
)

// pow10 holds the powers of ten that are exact in float64, for the fast decimal path.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// quote shortens a bad value for an error message.
func quote(b []byte) string {
	if len(b) > 40 {
		return strconv.Quote(string(b[:40])) + "..."
	}
	return strconv.Quote(string(b))
}

// parseNonNeg parses a finite, non-negative number. Plain decimals of at most 15 digits take an exact
// fast path (mantissa and power of ten are both exact, so one division rounds correctly, as
// strconv.ParseFloat would), those of 16 to 19 digits Eisel-Lemire (eisel.go), which gives
// ParseFloat's result or defers to it; everything else goes to strconv.ParseFloat.
func parseNonNeg(b []byte) (float64, error) {
	b = trimSpace(b)
	if len(b) == 0 {
		return 0, errEmpty
	}
	var m uint64
	digits, frac, dot := 0, 0, false
	ok := true
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		default:
			ok = false
		}
		if !ok {
			break
		}
	}
	if ok && digits > 0 && digits <= 15 {
		v := float64(m)
		if frac > 0 {
			v /= pow10[frac]
		}
		return v, nil
	}
	if ok && digits > 0 && digits <= 19 {
		if v, exact := eiselLemire(m, frac); exact {
			return v, nil
		}
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%s is out of range", quote(b))
		}
		return 0, fmt.Errorf("%s is not a number", quote(b))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s is not a finite number", quote(b))
	}
	if v < 0 {
		return 0, fmt.Errorf("%s: %w", quote(b), errNegative)
	}
	if v == 0 {
		return 0, nil // "-0" reads as 0
	}
	return v, nil
}

// parseCount parses a non-negative whole number that fits an int32 (GPU counts).
func parseCount(b []byte) (int32, error) {
	v, err := parseNonNeg(b)
	if err != nil {
		return 0, err
	}
	if v != math.Trunc(v) {
		return 0, fmt.Errorf("%s is not a whole number", quote(trimSpace(b)))
	}
	if v > math.MaxInt32 {
		return 0, fmt.Errorf("%s is too large", quote(trimSpace(b)))
	}
	return int32(v), nil
}
