// Package testshared finds the project's shared folder of public traces for tests: CI keeps
// shared/ beside the clone, while a user's clone has none, so tests skip without it.
package testshared

import (
	"os"
	"path/filepath"
	"testing"
)

// TracesDir returns <repository root>/../shared/traces (or <repository root>/shared/traces), or
// "" when neither exists or no go.mod is found above the working directory.
func TracesDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	for _, p := range []string{filepath.Join(dir, "..", "shared", "traces"), filepath.Join(dir, "shared", "traces")} {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
	}
	return ""
}

// AbsentMessage is the message of Traces' skip. It is the only skip CI accepts: its checker
// (internal/ci/skipcheck) fails the run on a test skipped with any other message, since every
// other fixture is committed under testdata/.
const AbsentMessage = "testshared: ../shared/traces is absent (the public traces live beside the clone, not in it)"

// Traces is TracesDir, skipping the test with AbsentMessage when the traces are absent.
func Traces(t testing.TB) string {
	t.Helper()
	p := TracesDir(t)
	if p == "" {
		t.Skip(AbsentMessage)
	}
	return p
}
