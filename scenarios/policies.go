package scenarios

import "github.com/gpuplan/gpuplan/sim"

// policyNames lists the policies a scenario may name: whatever the simulator provides, so a new
// policy needs no change here.
func policyNames() []string { return sim.Policies() }
