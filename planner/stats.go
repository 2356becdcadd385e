package planner

import (
	"encoding/json"
	"math"
	"strconv"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Confidence is the two-sided level of every interval the planner reports.
const Confidence = 0.95

// Stat summarises one metric over a point's replications: the mean, the 95% Student t interval
// [Lo, Hi] around it, the sample standard deviation and the number of runs. With one run the
// interval is unknown: Lo, Hi and SD are NaN, written as null.
type Stat struct {
	Mean float64 `json:"mean"`
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
	SD   float64 `json:"sd"`
	N    int     `json:"n"`
}

// Summarize returns the mean and the Student t interval of xs, in their order (so the same values
// give the same bits).
func Summarize(xs []float64) Stat {
	n := len(xs)
	if n == 0 {
		return Stat{Mean: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), SD: math.NaN()}
	}
	if n == 1 {
		return Stat{Mean: xs[0], Lo: math.NaN(), Hi: math.NaN(), SD: math.NaN(), N: 1}
	}
	mean, sd := stat.MeanStdDev(xs, nil)
	if allEqual(xs) { // no spread: avoid rounding noise around a deterministic metric
		mean, sd = xs[0], 0
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(1 - (1-Confidence)/2)
	half := t * sd / math.Sqrt(float64(n))
	return Stat{Mean: mean, Lo: mean - half, Hi: mean + half, SD: sd, N: n}
}

func allEqual(xs []float64) bool {
	for _, x := range xs[1:] {
		if x != xs[0] {
			return false
		}
	}
	return true
}

// HasInterval says whether the stat carries a confidence interval (it does not for one run).
func (s Stat) HasInterval() bool { return !math.IsNaN(s.Lo) && !math.IsNaN(s.Hi) }

// Upper is the interval's upper bound, or the mean when the interval is unknown (one run).
func (s Stat) Upper() float64 {
	if math.IsNaN(s.Hi) {
		return s.Mean
	}
	return s.Hi
}

// MarshalJSON writes NaN (an unknown bound) as null; JSON has no NaN.
func (s Stat) MarshalJSON() ([]byte, error) {
	b := []byte(`{"mean":`)
	b = appendNum(b, s.Mean)
	b = append(b, `,"lo":`...)
	b = appendNum(b, s.Lo)
	b = append(b, `,"hi":`...)
	b = appendNum(b, s.Hi)
	b = append(b, `,"sd":`...)
	b = appendNum(b, s.SD)
	b = append(b, `,"n":`...)
	b = strconv.AppendInt(b, int64(s.N), 10)
	return append(b, '}'), nil
}

// UnmarshalJSON reads null back as NaN.
func (s *Stat) UnmarshalJSON(b []byte) error {
	var v struct {
		Mean, Lo, Hi, SD *float64
		N                int
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	get := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	*s = Stat{Mean: get(v.Mean), Lo: get(v.Lo), Hi: get(v.Hi), SD: get(v.SD), N: v.N}
	return nil
}

// appendNum formats x as encoding/json does, null for NaN and ±Inf.
func appendNum(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(b, "null"...)
	}
	out, _ := json.Marshal(x)
	return append(b, out...)
}
