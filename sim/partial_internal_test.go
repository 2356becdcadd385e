package sim

import (
	"fmt"
	"testing"

	"github.com/gpuplan/gpuplan"
)

// The shared invariant suite over partial worlds: every farm policy on the suite's clusters with
// some owners (or all of them) keeping their lab pools, checked by the suite's own hook and final
// checks. o1 keeps a pool at lab1 (capped in the capped cases) that no consolidated owner shares;
// o3 keeps one at lab2. With every owner Lab the farm still has its nodes: an idle farm pool
// that only draws power (and powers off).
func TestPartialPolicySuite(t *testing.T) {
	seeds := []uint64{1, 2}
	n := 400
	if testing.Short() {
		seeds, n = seeds[:1], 200
	}
	splits := []struct {
		name string
		lab  map[string]bool
	}{
		{"o1o3", map[string]bool{"o1": true, "o3": true}},
		{"all", map[string]bool{"o0": true, "o1": true, "o2": true, "o3": true, "o4": true}},
	}
	for _, def := range registry {
		if !def.farm {
			continue
		}
		for _, sp := range splits {
			for _, sc := range suiteCases() {
				for i := range sc.c.Owners {
					sc.c.Owners[i].Lab = sp.lab[sc.c.Owners[i].Name]
				}
				for _, seed := range seeds {
					t.Run(fmt.Sprintf("%s/%s/%s/%d", def.name, sp.name, sc.name, seed), func(t *testing.T) {
						r := checkRun(t, sc, &def, suiteWorkload(seed, n))
						if want := partialGPUs(sc.c); r.GPUs != want {
							t.Errorf("%d GPUs, want %d (farm and lab pools)", r.GPUs, want)
						}
					})
				}
			}
		}
	}
}

// partialGPUs counts the farm's GPUs and the Lab owners'.
func partialGPUs(c *gpuplan.Cluster) int {
	n := c.Farm.GPUs()
	for _, o := range c.Owners {
		if o.Lab {
			n += o.GPUs()
		}
	}
	return n
}
