package erlang

import (
	"math"
	"testing"
)

// Published M/M/c values (Erlang C): c = 10 at rho 0.7 waits with probability 0.2217, c = 100 at
// rho 0.9 with 0.2169; one server waits with probability rho.
func TestC(t *testing.T) {
	for _, tc := range []struct {
		c    int
		a    float64
		want float64
		tol  float64
	}{
		{1, 0.5, 0.5, 1e-12},
		{10, 7, 0.2217, 5e-5},
		{100, 90, 0.2169, 5e-5},
	} {
		if got := C(tc.c, tc.a); math.Abs(got-tc.want) > tc.tol {
			t.Errorf("C(%d, %g) = %.6f, want %.4f ± %g", tc.c, tc.a, got, tc.want, tc.tol)
		}
	}
}
