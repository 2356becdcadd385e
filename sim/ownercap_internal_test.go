package sim

import (
	"fmt"
	"go/parser"
	"go/token"
	"testing"
)

// TestOwnerPolicyInOneFile runs ownerCap, a policy added as one file and one registry line, under
// the suite's invariant checks, and checks that the owner ledger the engine keeps for it is right
// at every batch: each owner's held GPUs are those of their placed jobs, and nobody holds more than
// their quota except with a single job (jobs of no GPUs not counted). The policy's file must keep the view rules too.
func TestOwnerPolicyInOneFile(t *testing.T) {
	fset := token.NewFileSet()
	rules := newViewRules(parsePackage(t, fset, "."))
	f, err := parser.ParseFile(fset, "ownercap_policy_internal_test.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rules.check(fset, f) {
		t.Errorf("%s", p)
	}
	for _, sc := range suiteCases() {
		for _, seed := range []uint64{1, 2} {
			t.Run(fmt.Sprintf("%s/%d", sc.name, seed), func(t *testing.T) {
				w := suiteWorkload(seed, 300)
				lk, err := validate(sc.c, w, true, sc.opt)
				if err != nil {
					t.Fatal(err)
				}
				ck := &checker{t: t, c: sc.c}
				bad := 0
				hook := func(e *engine, at hookPoint) {
					ck.hook(e, at)
					if at != hookBatch || bad > 5 {
						return
					}
					held, jobs := make([]int32, len(w.Owners)), make([]int, len(w.Owners))
					for k := range e.n {
						if st := e.j[k].state; st == jobRunning || st == jobBooting {
							o := e.ownerOf(k)
							held[o] += e.j[k].gpus
							if e.j[k].gpus > 0 {
								jobs[o]++
							}
						}
					}
					for o := range held {
						if held[o] != e.led.held[o] {
							t.Errorf("t=%g: owner %d holds %d GPUs, the ledger says %d", e.now, o, held[o], e.led.held[o])
							bad++
						}
						if held[o] > e.led.quota[o] && jobs[o] > 1 {
							t.Errorf("t=%g: owner %d holds %d GPUs in %d jobs, quota %d", e.now, o, held[o], jobs[o], e.led.quota[o])
							bad++
						}
					}
				}
				e, err := runPolicy(sc.c, w, lk, &ownerCapDef, sc.opt, hook)
				if err != nil {
					t.Fatal(err)
				}
				a, b := e.window(e.lastEnd)
				r := e.result(ownerCapDef.name, w, a, b)
				ck.final(w, r)
				if r.Jobs.Completed == 0 || r.Preemptions != 0 {
					t.Errorf("completed %d, preemptions %d", r.Jobs.Completed, r.Preemptions)
				}
			})
		}
	}
}

// TestViewOptionsAreACopy: what view.Options hands a policy shares nothing with the run: changing
// it leaves the engine's options as they were, and the owner maps and Progress are left out.
func TestViewOptionsAreACopy(t *testing.T) {
	sc := suiteCases()[0]
	opt := sc.opt
	opt.Quota = Quota{Quotas: map[string]int{"o0": 3}, GraceS: 7}
	opt.FairShare.Shares = map[string]float64{"o1": 2}
	opt.Progress = func(int, int) {}
	w := suiteWorkload(1, 50)
	lk, err := validate(sc.c, w, true, opt)
	if err != nil {
		t.Fatal(err)
	}
	checked := false
	hook := func(e *engine, at hookPoint) {
		if checked {
			return
		}
		checked = true
		o := e.view.Options()
		if o.Quota.Quotas != nil || o.FairShare.Shares != nil || o.Progress != nil {
			t.Errorf("the view hands out the owner maps or Progress: %+v", o)
		}
		if o.Quota.GraceS != 7 || o.Placement != opt.Placement {
			t.Errorf("grace %v placement %v, want 7 and %v", o.Quota.GraceS, o.Placement, opt.Placement)
		}
		o.Quota.GraceS, o.Quota.NoBorrow = 99, true
		if e.opt.Quota.GraceS != 7 || e.opt.Quota.NoBorrow || e.opt.Quota.Quotas["o0"] != 3 {
			t.Errorf("changing the view's copy changed the run's options: %+v", e.opt.Quota)
		}
	}
	def, _ := findPolicy("quota")
	if _, err := runPolicy(sc.c, w, lk, def, opt, hook); err != nil {
		t.Fatal(err)
	}
	if !checked {
		t.Fatal("the hook never ran")
	}
}
