package projection_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/projection"
)

func TestPools(t *testing.T) {
	u := func(node string, idx ...int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, uuid(node, i))
		}
		return out
	}
	evs := []events.Event{
		inventory(t, "node-a", "lab-1", "H100", 8),
		inventory(t, "node-b", "lab-1", "H100", 8),
		inventory(t, "node-c", "lab-2", "A100", 4),
		assign(t, "a1", "alice", "vision", "node-a", 0),
		assignUUIDs(t, "a2", "alice", "node-b", 0, u("node-b", 0, 1, 2, 3)...),
		assign(t, "a3", "bob", "", "node-b", 0, 4, 5, 6, 7),
		assign(t, "a4", "dave", "", "node-x", 0), // no inventory, no samples: size unknown
		assign(t, "a5", "carol", "", "node-c", 3600),
		release(t, "r1", "alice", "node-b", 7200, u("node-b", 0, 1, 2, 3)...),
		release(t, "r2", "carol", "node-a", 7200), // carol holds nothing there: no effect
		assign(t, "a6", "erin", "", "node-b", 10800, 7),
		assign(t, "a6", "erin", "", "node-b", 10800, 7), // delivered twice
	}
	var own projection.Ownership
	for _, e := range evs {
		if err := own.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if st := own.Stats(); st.Assigned != 6 || st.Released != 2 || st.Inventories != 3 || st.Duplicates != 1 {
		t.Fatalf("stats %+v", st)
	}
	cases := []struct {
		at    time.Time
		pools []gpuplan.Pool
	}{
		{at(1800), []gpuplan.Pool{
			{Owner: "alice", GPUs: 8, GPUsPerNode: 8, GPUType: "H100", Site: "lab-1"},
			{Owner: "alice", GPUs: 4, GPUsPerNode: 4, GPUType: "H100", Site: "lab-1"},
			{Owner: "bob", GPUs: 4, GPUsPerNode: 4, GPUType: "H100", Site: "lab-1"},
			{Owner: "dave"},
		}},
		{at(7200), []gpuplan.Pool{ // the release at 7200 counts
			{Owner: "alice", GPUs: 8, GPUsPerNode: 8, GPUType: "H100", Site: "lab-1"},
			{Owner: "bob", GPUs: 4, GPUsPerNode: 4, GPUType: "H100", Site: "lab-1"},
			{Owner: "dave"},
			{Owner: "carol", GPUs: 4, GPUsPerNode: 4, GPUType: "A100", Site: "lab-2"},
		}},
		{time.Time{}, []gpuplan.Pool{
			{Owner: "alice", GPUs: 8, GPUsPerNode: 8, GPUType: "H100", Site: "lab-1"},
			{Owner: "bob", GPUs: 3, GPUsPerNode: 3, GPUType: "H100", Site: "lab-1"},
			{Owner: "dave"},
			{Owner: "carol", GPUs: 4, GPUsPerNode: 4, GPUType: "A100", Site: "lab-2"},
			{Owner: "erin", GPUs: 1, GPUsPerNode: 1, GPUType: "H100", Site: "lab-1"},
		}},
	}
	for _, c := range cases {
		pools, unsized := own.Pools(c.at)
		if !slices.Equal(pools, c.pools) {
			t.Errorf("at %v:\n got %+v\nwant %+v", c.at.Sub(t0), pools, c.pools)
		}
		if !slices.Equal(unsized, []string{"node-x"}) {
			t.Errorf("at %v: unsized %v", c.at.Sub(t0), unsized)
		}
	}
	for _, q := range []struct {
		node  string
		idx   int
		uuid  string
		s     float64
		owner string
		ok    bool
	}{
		{"node-b", 2, "", 0, "alice", true},               // assigned by UUID, asked by index
		{"node-b", -1, uuid("node-b", 5), 0, "bob", true}, // assigned by index, asked by UUID
		{"node-b", 2, "", 7200, "", false},                // released
		{"node-b", 7, "", 10799, "bob", true},             // before erin's assignment
		{"node-a", 0, "", -1, "", false},                  // before any assignment
		{"node-z", 0, "", 0, "", false},                   // unknown node
	} {
		o, _, ok := own.Owner(q.node, q.idx, q.uuid, at(q.s))
		if o != q.owner || ok != q.ok {
			t.Errorf("Owner(%s, %d, %q, %v) = %q %v, want %q %v", q.node, q.idx, q.uuid, q.s, o, ok, q.owner, q.ok)
		}
	}
}

// A node without an inventory gets its size from the GPUs seen in its sample batches, and the
// assignment's site wins over the node's.
func TestPoolsFromSamples(t *testing.T) {
	p := projection.New(projection.Options{})
	e, err := events.New(events.KindOwnershipAssigned, "a1", "admin", t0, events.OwnershipAssigned{Owner: "alice", Node: "node-a", Site: "annex"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []events.Event{e, batch(t, "node-a", 60, idle(0), idle(1), busy(2, 50, 300, 1, "kim"))} {
		if err := p.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	pools, unsized := p.Ownership().Pools(time.Time{})
	want := []gpuplan.Pool{{Owner: "alice", GPUs: 3, GPUsPerNode: 3, Site: "annex"}}
	if !slices.Equal(pools, want) || len(unsized) != 0 {
		t.Fatalf("pools %+v unsized %v, want %+v", pools, unsized, want)
	}
}
