package layering_test

import (
	"fmt"

	"github.com/gpuplan/gpuplan/internal/ci/layering"
)

// The event log core may not link the simulator: a dependency list naming sim is a violation.
func Example() {
	rule := layering.Rules[0] // events
	deps := []string{"fmt", layering.Module + "/events", layering.Module + "/sim"}
	fmt.Println(layering.Violations(rule, deps, nil))
	// Output: [github.com/gpuplan/gpuplan/sim]
}
