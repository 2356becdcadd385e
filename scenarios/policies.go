package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gpuplan/gpuplan/sim"
)

// policyNames lists the policies a scenario may name: whatever the simulator provides, so a new
// policy needs no change here.
func policyNames() []string { return sim.Policies() }

// CheckPolicy says what is wrong with names[i] as one of a list of policies to run: a name the
// simulator does not know, or one already listed. Scenario files and command-line flags both
// check their lists with it, so the two accept the same names.
func CheckPolicy(names []string, i int) error {
	policies := policyNames()
	switch name := names[i]; {
	case !slices.Contains(policies, name):
		return fmt.Errorf("unknown policy %q (valid: %s)", name, strings.Join(policies, ", "))
	case slices.Index(names, name) < i:
		return fmt.Errorf("policy %q listed twice", name)
	}
	return nil
}
