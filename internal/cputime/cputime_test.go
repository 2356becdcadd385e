//go:build unix

package cputime

import (
	"testing"
	"time"
)

// Burning CPU for a while must show up in Used, and it never goes backwards.
func TestUsedGrows(t *testing.T) {
	start := Used()
	deadline := time.Now().Add(50 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	got := Used() - start
	if got <= 0 {
		t.Fatalf("CPU used over a 50 ms busy loop (%d turns): %v, want > 0", x, got)
	}
}
