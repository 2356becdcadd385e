// Package erlang gives the M/M/c queue's exact figures, against which the tests check the
// simulator and the planner's sizing.
package erlang

// C is the M/M/c probability of waiting (Erlang C) for c servers at offered load a = lambda/mu.
// It goes through the Erlang B recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)), which never
// forms a^c or c! and so stays finite for large c, then C = c B / (c - a (1 - B)).
func C(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return float64(c) * b / (float64(c) - a*(1-b))
}
