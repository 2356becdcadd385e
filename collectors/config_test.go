package collectors_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/events"
)

func TestDecodeNodeConfig(t *testing.T) {
	cases := []struct {
		name, yaml string
		wantErr    string // substring; "" means it decodes
		owners     int
	}{
		{"full", "node: n1\nsite: lab\nby: ops\nowners:\n  - owner: kim\n    group: phys\n    gpus: [0, 1]\n  - owner: lee\n    gpus: [GPU-abc, 3]\n", "", 2},
		{"empty", "", "", 0},
		{"whole node", "owners:\n  - owner: kim\n", "", 1},
		{"unknown top field", "node: n1\nowner: kim\n", "cfg.yaml:2: owner: unknown field", 0},
		{"unknown entry field", "owners:\n  - owner: kim\n    gpu: [1]\n", "cfg.yaml:3: owners[0].gpu: unknown field", 0},
		{"missing owner", "owners:\n  - group: g\n    gpus: [1]\n", "cfg.yaml:2: owners[0].owner: missing", 0},
		{"bad gpu", "owners:\n  - owner: kim\n    gpus: [one]\n", `cfg.yaml:3: owners[0].gpus[0]: "one" is neither`, 0},
		{"negative gpu", "owners:\n  - owner: kim\n    gpus: [-1]\n", "cfg.yaml:3: owners[0].gpus[0]: GPU index -1", 0},
		{"gpu twice", "owners:\n  - owner: kim\n    gpus: [1]\n  - owner: lee\n    gpus: [2, 1]\n", "cfg.yaml:4: owners[1].gpus: GPU 1 is already owners[0]'s", 0},
		{"whole node beside others", "owners:\n  - owner: kim\n  - owner: lee\n    gpus: [2]\n", "owners[0].gpus: omitted", 0},
		{"not a mapping", "- a\n", "cfg.yaml:1: (top level)", 0},
		{"owners not a list", "owners: kim\n", "cfg.yaml:1: owners: want a list", 0},
		{"duplicate key", "node: a\nnode: b\n", "node: given twice", 0},
		{"bad yaml", "owners: [\n", "cfg.yaml", 0},
		{"node with space", "node: a b\n", "cfg.yaml:1: node:", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := collectors.DecodeNodeConfig("cfg.yaml", []byte(tc.yaml))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, collectors.ErrConfig) {
					t.Fatalf("error %v, want ErrConfig containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Owners) != tc.owners {
				t.Fatalf("%d owners, want %d", len(c.Owners), tc.owners)
			}
		})
	}
}

func TestOwnerOf(t *testing.T) {
	c, err := collectors.DecodeNodeConfig("x", []byte("owners:\n  - owner: kim\n    group: g\n    gpus: [0, GPU-b]\n  - owner: lee\n    gpus: [2]\n"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		idx        int
		uuid       string
		owner, grp string
	}{
		{0, "GPU-a", "kim", "g"}, {1, "GPU-b", "kim", "g"}, {2, "GPU-c", "lee", ""}, {3, "GPU-d", "", ""},
	}
	for _, tc := range cases {
		if o, g := c.OwnerOf(tc.idx, tc.uuid); o != tc.owner || g != tc.grp {
			t.Errorf("GPU %d %s: %s/%s, want %s/%s", tc.idx, tc.uuid, o, g, tc.owner, tc.grp)
		}
	}
}

// TestOwnershipEvents: on start every entry is assigned; a change releases what went and
// assigns what came, and leaves unchanged entries alone.
func TestOwnershipEvents(t *testing.T) {
	old, _ := collectors.DecodeNodeConfig("a", []byte("owners:\n  - owner: kim\n    gpus: [0, 1]\n  - owner: lee\n    gpus: [2]\n"))
	next, _ := collectors.DecodeNodeConfig("b", []byte("owners:\n  - owner: kim\n    gpus: [0, 1]\n  - owner: park\n    gpus: [2, 3]\n"))
	start, err := old.OwnershipEvents(nil, "n1", "lab", t0)
	if err != nil {
		t.Fatal(err)
	}
	change, err := next.OwnershipEvents(&old, "n1", "lab", t0.Add(1))
	if err != nil {
		t.Fatal(err)
	}
	type ev struct {
		kind  events.Kind
		owner string
	}
	flat := func(evs []events.Event) []ev {
		var out []ev
		for _, e := range evs {
			switch e.Kind {
			case events.KindOwnershipAssigned:
				p, _ := events.DecodeAs[events.OwnershipAssigned](e)
				out = append(out, ev{e.Kind, p.Owner})
			case events.KindOwnershipReleased:
				p, _ := events.DecodeAs[events.OwnershipReleased](e)
				out = append(out, ev{e.Kind, p.Owner})
			}
		}
		return out
	}
	wantStart := []ev{{events.KindOwnershipAssigned, "kim"}, {events.KindOwnershipAssigned, "lee"}}
	wantChange := []ev{{events.KindOwnershipReleased, "lee"}, {events.KindOwnershipAssigned, "park"}}
	if got := flat(start); !equalEvs(got, wantStart) {
		t.Errorf("start: %v, want %v", got, wantStart)
	}
	if got := flat(change); !equalEvs(got, wantChange) {
		t.Errorf("change: %v, want %v", got, wantChange)
	}
	if start[0].ID == change[1].ID {
		t.Error("distinct events share an id")
	}
}

func equalEvs[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzDecodeNodeConfig(f *testing.F) {
	f.Add([]byte("node: n1\nsite: lab\nowners:\n  - owner: kim\n    group: g\n    gpus: [0, GPU-x]\n"))
	f.Add([]byte("owners:\n  - owner: kim\n"))
	f.Add([]byte("owners: [{owner: a, gpus: [1, 1]}]"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := collectors.DecodeNodeConfig("fuzz.yaml", b)
		if err != nil {
			if !errors.Is(err, collectors.ErrConfig) {
				t.Fatalf("error does not wrap ErrConfig: %v", err)
			}
			return
		}
		// Whatever decodes makes valid events: every owner named, no GPU given twice.
		seen := map[int]bool{}
		for _, e := range c.Owners {
			if e.Owner == "" {
				t.Fatal("entry without owner accepted")
			}
			for _, x := range e.Indices {
				if seen[x] {
					t.Fatalf("GPU %d given twice", x)
				}
				seen[x] = true
			}
		}
		if _, err := c.OwnershipEvents(nil, "n1", "", t0); err != nil {
			t.Fatalf("accepted config makes invalid events: %v", err)
		}
	})
}

// TestExampleConfig: the example shipped for operators loads.
func TestExampleConfig(t *testing.T) {
	c, err := collectors.LoadNodeConfig("../deploy/node.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Site != "lab-3" || len(c.Owners) != 2 || len(c.Owners[1].UUIDs) != 1 || len(c.Owners[1].Indices) != 3 {
		t.Fatalf("example config read as %+v", c)
	}
}
