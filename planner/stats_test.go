package planner

import (
	"encoding/json"
	"math"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// TestSummarize checks the interval against hand arithmetic and gonum: for 1..5 the mean is 3,
// the sample sd sqrt(2.5), and t(0.975, 4) = 2.7764451051977987 (any t table: 2.776).
func TestSummarize(t *testing.T) {
	cases := []struct {
		name       string
		xs         []float64
		mean, half float64
		sd, tol    float64
	}{
		{"one to five", []float64{1, 2, 3, 4, 5}, 3, 2.7764451051977987 * math.Sqrt(2.5) / math.Sqrt(5), math.Sqrt(2.5), 1e-12},
		{"two values", []float64{10, 14}, 12, 12.706204736174707 * math.Sqrt(8) / math.Sqrt(2), math.Sqrt(8), 1e-9},
		{"no spread", []float64{7, 7, 7}, 7, 0, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := Summarize(tc.xs)
			if s.N != len(tc.xs) || math.Abs(s.Mean-tc.mean) > tc.tol || math.Abs(s.SD-tc.sd) > tc.tol {
				t.Fatalf("got %+v, want mean %v sd %v n %d", s, tc.mean, tc.sd, len(tc.xs))
			}
			if math.Abs(s.Lo-(tc.mean-tc.half)) > tc.tol || math.Abs(s.Hi-(tc.mean+tc.half)) > tc.tol {
				t.Errorf("interval [%v, %v], want %v ± %v", s.Lo, s.Hi, tc.mean, tc.half)
			}
			// The same interval from gonum's pieces, computed independently here.
			m, sd := stat.MeanStdDev(tc.xs, nil)
			q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(tc.xs) - 1)}.Quantile(0.975)
			if h := q * sd / math.Sqrt(float64(len(tc.xs))); math.Abs(s.Hi-(m+h)) > tc.tol {
				t.Errorf("hi %v, gonum gives %v", s.Hi, m+h)
			}
		})
	}
}

func TestSummarizeOneRunHasNoInterval(t *testing.T) {
	s := Summarize([]float64{4})
	if s.Mean != 4 || !math.IsNaN(s.Lo) || !math.IsNaN(s.Hi) || s.N != 1 {
		t.Fatalf("got %+v", s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"mean":4,"lo":null,"hi":null,"sd":null,"n":1}` {
		t.Errorf("JSON %s", b)
	}
	var back Stat
	if err := json.Unmarshal(b, &back); err != nil || back.Mean != 4 || !math.IsNaN(back.Hi) || back.N != 1 {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	if s.Upper() != 4 {
		t.Errorf("upper of one run = %v, want the value", s.Upper())
	}
}
