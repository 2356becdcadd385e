// Package fake holds tests that skip, for skipcheck's test to run through real go test -json.
// Being under testdata/, go test ./... never runs it.
package fake

import (
	"testing"

	"github.com/gpuplan/gpuplan/internal/testshared"
)

func TestPasses(t *testing.T) {}

// TestSharedAbsent skips as a test does when ../shared is absent: allowed.
func TestSharedAbsent(t *testing.T) { t.Skip(testshared.AbsentMessage) }

// TestFixtureMissing skips for another reason: a fake skip that must fail the run.
func TestFixtureMissing(t *testing.T) {
	t.Run("sub", func(t *testing.T) { t.Skip("fixture missing: testdata/x.csv") })
}
