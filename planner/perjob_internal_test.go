package planner

import "testing"

// Numbers in the per-job file have one style: plain decimals that read back exactly.
func TestAppendSecondsHasNoExponent(t *testing.T) {
	tests := []struct {
		s    float64
		want string
	}{
		{0, "0"}, {100, "100"}, {1.5e6, "1500000"}, {4838400, "4838400"}, {1e21, "1000000000000000000000"},
		{0.1, "0.1"}, {1e-7, "0.0000001"}, {1234.5678, "1234.5678"}, {2.5e-9, "0.0000000025"},
	}
	for _, tc := range tests {
		if got := string(appendSeconds(nil, tc.s)); got != tc.want {
			t.Errorf("appendSeconds(%v) = %q, want %q", tc.s, got, tc.want)
		}
	}
}
