package simtest_test

import (
	"testing"

	"github.com/gpuplan/gpuplan/internal/simtest"
)

// The shared test clusters are valid and hold the GPUs their specs say, so a test that builds one
// fails on its own expectations, never on a malformed world.
func TestPoolCluster(t *testing.T) {
	type spec struct {
		Name  string
		Nodes int
		GPN   int
	}
	specs := []spec{{"alice", 1, 2}, {"bob", 2, 4}, {"carol", 0, 8}}
	c := simtest.PoolCluster(specs, 3, 8)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := c.Farm.GPUs(); got != 24 {
		t.Errorf("farm holds %d GPUs, want 3 x 8", got)
	}
	for i, s := range specs {
		o := &c.Owners[i]
		if o.Name != s.Name || o.GPUs() != s.Nodes*s.GPN {
			t.Errorf("owner %d: %s with %d GPUs, want %s with %d", i, o.Name, o.GPUs(), s.Name, s.Nodes*s.GPN)
		}
	}
}
