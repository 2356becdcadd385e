package layering_test

import (
	"fmt"

	"github.com/gpuplan/gpuplan/internal/ci/layering"
)

// The event log core may not link the simulator: a dependency list naming sim is a violation.
func Example() {
	var rule layering.Rule
	for _, r := range layering.Rules {
		if r.Pattern == "events" {
			rule = r
		}
	}
	deps := []string{"fmt", layering.Module + "/events", layering.Module + "/sim"}
	fmt.Println(layering.Violations(rule, deps, nil))
	// Output: [github.com/gpuplan/gpuplan/sim]
}
