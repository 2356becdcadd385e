package sim

import (
	"slices"
	"testing"
)

// TestNodePlacement walks best fit and whole-node placement by hand on 3 nodes of 8 GPUs and one
// of 4.
func TestNodePlacement(t *testing.T) {
	ns := newNodeSet([]group{{gpn: 8, count: 3}, {gpn: 4, count: 1}}, false)
	take := func(g int32) int32 {
		i := ns.bestFit(g)
		if i >= 0 {
			ns.setFree(i, ns.free[i]-g)
		}
		return i
	}
	steps := []struct {
		g    int32
		want int32
	}{
		{3, 3},  // fewest free that fit: the 4-GPU node 3
		{3, 0},  // node 3 has 1 left; the 8-GPU nodes tie, lowest index
		{4, 0},  // node 0 has 5 free: fewest that fit
		{2, 1},  // nodes 0 and 3 have 1 free, too few; nodes 1 and 2 tie at 8: lowest index
		{6, 1},  // node 1 has exactly 6
		{1, 0},  // nodes 0 and 3 have 1 free: lowest index
		{1, 3},  // node 3's last GPU
		{8, 2},  // the only idle node
		{1, -1}, // full
	}
	for i, st := range steps {
		if got := take(st.g); got != st.want {
			t.Fatalf("step %d: %d GPUs went to node %d, want %d (free %v)", i, st.g, got, st.want, ns.free)
		}
	}
	// Whole nodes: free node 1 and node 2, then a 12-GPU job takes both (lowest first).
	ns.setFree(1, 8)
	ns.setFree(2, 8)
	if got := ns.wholeNodes(12, nil); !slices.Equal(got, []int32{1, 2}) {
		t.Errorf("12 GPUs on nodes %v, want [1 2]", got)
	}
	if got := ns.wholeNodes(17, nil); got != nil {
		t.Errorf("17 GPUs on nodes %v with 16 idle, want none", got)
	}
}

// TestNodePlacementPrefersPowered: among nodes with the same free count, a powered node comes
// before a powered-off one, whatever the index.
func TestNodePlacementPrefersPowered(t *testing.T) {
	ns := newNodeSet([]group{{gpn: 8, count: 3}}, true)
	setBit(ns.off, 0)
	setBit(ns.off, 1)
	if got := ns.bestFit(2); got != 2 {
		t.Errorf("best fit on node %d, want the powered node 2", got)
	}
	if got := ns.wholeNodes(16, nil); !slices.Equal(got, []int32{2, 0}) {
		t.Errorf("whole nodes %v, want the powered node 2, then node 0", got)
	}
	clearBit(ns.off, 1)
	ns.setFree(2, 5)
	if got := ns.bestFit(5); got != 2 {
		t.Errorf("best fit on node %d, want node 2 (5 free, fewest)", got)
	}
}
