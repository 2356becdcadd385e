package events

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// Expected ids come from coreutils: printf '%s' '<netstrings>' | sha256sum | cut -c1-32.
func TestDeriveIDGolden(t *testing.T) {
	for _, tc := range []struct {
		parts []string
		want  string
	}{
		{nil, "e3b0c44298fc1c149afbf4c8996fb924"},                 // ''
		{[]string{"abc"}, "d7863618cccd3bb7b6a1e37bb28ab7d0"},     // 3:abc,
		{[]string{"ab", "c"}, "c574c25172ecac17c428975b6e876d2a"}, // 2:ab,1:c,
		{[]string{"a", "bc"}, "d16f37a638ba770eff5e5da16e42c72f"}, // 1:a,2:bc,
		{[]string{""}, "643d76d2766c1c66bf6df40630304dc3"},        // 0:,
		{[]string{"philly-15k", "row", "42"}, "9824618fd01aa4408f9e5b2349ed3830"},
		{[]string{"김성", ","}, "700457fd7feec56c27f0fbed89d111d1"}, // 6:<utf-8>,1:,,
	} {
		if got := DeriveID(tc.parts...); got != tc.want {
			t.Errorf("DeriveID(%q) = %s, want %s", tc.parts, got, tc.want)
		}
	}
}

// TestDeriveIDSplits checks that joining parts differently never collides, on seeded random
// splits of one string, and that ids are valid envelope ids.
func TestDeriveIDSplits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	hexID := regexp.MustCompile(`^[0-9a-f]{32}$`)
	s := "node-a:1234:2026-01-02T03:04:05Z"
	seen := map[string]string{}
	for range 2000 {
		var parts []string
		rest := s
		for len(rest) > 0 {
			n := rng.IntN(len(rest) + 1)
			parts = append(parts, rest[:n])
			rest = rest[n:]
		}
		key := strings.Join(parts, "\x00|")
		id := DeriveID(parts...)
		if !hexID.MatchString(id) || !isToken(id, maxIDLen) {
			t.Fatalf("id %q is not 32 lowercase hex digits", id)
		}
		if prev, ok := seen[id]; ok && prev != key {
			t.Fatalf("collision: %q and %q", prev, key)
		}
		seen[id] = key
		if DeriveID(parts...) != id {
			t.Fatal("not deterministic")
		}
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct splits tried", len(seen))
	}
}
