package sim

// ownerCap exists for TestOwnerPolicyInOneFile: it shows that a policy needing per-owner
// accounting is this file plus one registration line (ownerCapDef), and that it needs nothing of
// the engine beyond the view. It starts waiting jobs in queue order, skipping (not blocking on)
// those that would take their owner beyond quota; an owner who holds nothing may always start
// one, so every job runs in the end.
type ownerCap struct{}

var _ policy = ownerCap{}

func (ownerCap) Schedule(v *view, p *plan) {
	for i, n := 0, v.Len(); i < n; i++ {
		if !v.Waiting(i) {
			continue
		}
		o := v.Owner(v.ID(i))
		if h := v.Held(o); h == 0 || h+v.GPUs(i) <= v.Quota(o) {
			p.Start(i)
		}
	}
}

// ownerCapDef is the line a registry entry would be.
var ownerCapDef = policyDef{name: "ownercap", farm: true, ledger: ledgerHeld, make: func() policy { return ownerCap{} }}
