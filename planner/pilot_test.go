package planner_test

import (
	"math"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/scenarios"
)

func TestPilotSlice(t *testing.T) {
	seed := twoOwnersBuilt(t, scenarios.FileOptions{})
	cases := []struct {
		name      string
		owners    int
		horizonS  float64
		wantOwner []string
		wantJobs  int
		wantGPUs  int
	}{
		{"first owner", 1, 86400, []string{"alice"}, 1, 2},
		{"more owners than the case has", 5, 86400, []string{"alice", "bob"}, 3, 4},
		{"horizon before every submit", 2, 0, []string{"alice", "bob"}, 0, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, pools := planner.PilotSlice(seed, c.owners, c.horizonS)
			if len(w.Owners) != len(c.wantOwner) || len(w.Jobs) != c.wantJobs {
				t.Fatalf("owners %v, %d jobs; want %v, %d", w.Owners, len(w.Jobs), c.wantOwner, c.wantJobs)
			}
			gpus := 0
			for _, p := range pools {
				gpus += p.GPUs
			}
			if gpus != c.wantGPUs {
				t.Errorf("%d GPUs in the slice's pools, want %d", gpus, c.wantGPUs)
			}
			for _, j := range w.Jobs {
				if int(j.Owner) >= len(w.Owners) || j.Group != -1 {
					t.Errorf("job %s: owner %d of %d, group %d", j.ID, j.Owner, len(w.Owners), j.Group)
				}
			}
		})
	}
}

// The pilot's farm keeps the seed case's cap per GPU: half the GPUs, half the cap. GPU types come
// back from the collectors' product names.
func TestPilotScenarioScalesCap(t *testing.T) {
	const tolW = 1e-9
	seed := twoOwnersBuilt(t, scenarios.FileOptions{FarmCapKW: 10})
	w, slice := planner.PilotSlice(seed, 1, 86400)
	held := []gpuplan.Pool{{Owner: "alice", GPUs: 2, GPUsPerNode: 2, GPUType: "NVIDIA " + slice[0].GPUType, Site: slice[0].Site}}
	b, err := planner.PilotScenario(seed, slice, w, held)
	if err != nil {
		t.Fatal(err)
	}
	var farm *gpuplan.Site
	for i := range b.Cluster.Sites {
		if b.Cluster.Sites[i].Name == b.Cluster.Farm.Site {
			farm = &b.Cluster.Sites[i]
		}
	}
	if farm == nil || math.Abs(farm.CapW-5000) > tolW {
		t.Fatalf("farm site %+v, want a 5000 W cap", farm)
	}
	if b.Name != seed.Name+"-pilot" || len(b.Cluster.Owners) != 1 || b.Cluster.Owners[0].Nodes[0].GPUType != slice[0].GPUType {
		t.Errorf("pilot scenario %s, owners %+v", b.Name, b.Cluster.Owners)
	}
}
