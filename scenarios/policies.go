package scenarios

// policyNames lists the policies a scenario may name.
// TODO(integration): return sim.Policies() once package sim provides it; until then these are the
// names fixed by design.md §2.
func policyNames() []string { return []string{"fragmented", "fifo", "easy"} }
