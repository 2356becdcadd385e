package traces

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestParseLongDecimals checks the 16- to 19-digit path (Eisel-Lemire, else strconv) against
// strconv.ParseFloat bit for bit: shortest round-trip floats as Go writes them, random digit strings
// of every length and dot position, and mantissas on or next to float64 rounding boundaries.
func TestParseLongDecimals(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	cases := []string{
		"9999999999999999999", "0.9999999999999999999", "1000000000000000000", "0.0000000000000000001",
		"9007199254740993", "9007199254740992.5", "900719925474099.35", "0.30000000000000004",
		"1.0000000000000002", "1.00000000000000011102230246251565", "4503599627370496.5",
		"4503599627370497.5", "0000000000000000000", "0.000000000000000000",
	}
	for range 200000 {
		// What the benchmark files hold: strconv 'g' -1 of durations, submits and watts.
		v := math.Exp(rng.NormFloat64()*3) * math.Pow(10, float64(rng.IntN(8)))
		cases = append(cases, strconv.FormatFloat(v, 'f', -1, 64))
	}
	for range 200000 {
		digits := rng.IntN(4) + 16
		dot := rng.IntN(digits + 1)
		var b strings.Builder
		for d := range digits {
			if d == dot && d > 0 {
				b.WriteByte('.')
			}
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		cases = append(cases, b.String())
	}
	for range 50000 {
		// Halfway points between neighbouring float64s, written with up to 19 digits: the cases
		// where Eisel-Lemire must defer.
		f := float64(uint64(1)<<53+uint64(rng.IntN(1<<20))) * math.Pow(2, float64(rng.IntN(10)-5))
		mid := (f + math.Nextafter(f, math.Inf(1))) / 2
		cases = append(cases, strconv.FormatFloat(mid, 'f', -1, 64), strconv.FormatFloat(f, 'f', 19-len(strconv.FormatInt(int64(f), 10)), 64))
	}
	checked := 0
	for _, s := range cases {
		want, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%q: strconv: %v", s, err)
		}
		got, err := parseNonNeg([]byte(s))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%q: got %v (%x), strconv %v (%x)", s, got, math.Float64bits(got), want, math.Float64bits(want))
		}
		checked++
	}
	if checked < 400000 {
		t.Fatalf("checked only %d values", checked)
	}
}
