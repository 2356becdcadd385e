package sim

import (
	"cmp"
	"testing"

	"github.com/gpuplan/gpuplan"
)

// sjf is shortest-estimate-first without backfilling: it shows a policy can order the queue its
// own way through plan.Reorder, with the engine unchanged.
type sjf struct{}

func (sjf) Schedule(v *view, p *plan) {
	p.Reorder(func(a, b queued) int { return cmp.Compare(a.Estimate, b.Estimate) })
	for i, n := 0, v.Len(); i < n && (!v.Waiting(i) || p.Start(i)); i++ {
	}
}

// TestReorderedQueue: four 1-GPU jobs submitted together on a 1-GPU farm run shortest first:
// durations 5, 3, 8, 1 start at 4, 1, 9, 0.
func TestReorderedQueue(t *testing.T) {
	c := &gpuplan.Cluster{
		GPUTypes: []gpuplan.GPUType{{Name: "g", TDPW: 300, IdleW: 30, BusyW: 200, MinLimit: 0.5}},
		Sites:    []gpuplan.Site{{Name: "farm", PUE: 1}},
		Owners:   []gpuplan.Owner{{Name: "o"}},
		Farm:     gpuplan.Farm{Site: "farm", Nodes: []gpuplan.NodeGroup{{Count: 1, GPUsPerNode: 1, GPUType: "g"}}},
	}
	w := &gpuplan.Workload{Owners: []string{"o"}}
	for i, d := range []float64{5, 3, 8, 1} {
		w.Jobs = append(w.Jobs, gpuplan.Job{ID: string(rune('a' + i)), GPUs: 1, Duration: d})
	}
	def := &policyDef{name: "sjf", farm: true, make: func() policy { return sjf{} }}
	r := checkRun(t, suiteCase{name: "sjf", c: c}, def, w)
	for i, want := range []float64{4, 1, 9, 0} {
		if r.Start[i] != want {
			t.Errorf("job %d starts at %v, want %v", i, r.Start[i], want)
		}
	}
}
