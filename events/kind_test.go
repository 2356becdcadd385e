package events

import (
	"encoding/json"
	"errors"
	"testing"
)

// The wire names are a contract with every log ever written: this table is typed by hand and must
// only ever grow.
var wantKindNames = []struct {
	k    Kind
	num  uint8
	name string
}{
	{KindGPUInventory, 1, "gpu.inventory"},
	{KindGPUSampleBatch, 2, "gpu.samples"},
	{KindOwnershipAssigned, 3, "ownership.assigned"},
	{KindOwnershipReleased, 4, "ownership.released"},
	{KindJobStarted, 5, "job.started"},
	{KindJobFinished, 6, "job.finished"},
	{KindPlannerRun, 7, "planner.run"},
	{KindJobRetracted, 8, "job.retracted"},
}

func TestKindNamesFixed(t *testing.T) {
	if got := Kinds(); len(got) != len(wantKindNames) {
		t.Fatalf("Kinds() has %d kinds, the fixed table %d: add the new kind to the table", len(got), len(wantKindNames))
	}
	for i, tc := range wantKindNames {
		if uint8(tc.k) != tc.num {
			t.Errorf("%s: number %d, want %d", tc.name, uint8(tc.k), tc.num)
		}
		if got := tc.k.String(); got != tc.name {
			t.Errorf("Kind(%d).String() = %q, want %q", tc.num, got, tc.name)
		}
		if got := ParseKind(tc.name); got != tc.k {
			t.Errorf("ParseKind(%q) = %v, want %v", tc.name, got, tc.k)
		}
		if !tc.k.Known() {
			t.Errorf("%s: Known() = false", tc.name)
		}
		if !validKindName(tc.name) {
			t.Errorf("%s does not follow the wire-name rules", tc.name)
		}
		if Kinds()[i] != tc.k {
			t.Errorf("Kinds()[%d] = %v, want %v", i, Kinds()[i], tc.k)
		}
	}
	for _, name := range []string{"", "gpu", "gpu.sample", "GPU.SAMPLES", "gpu.samples ", "job.started.v2"} {
		if got := ParseKind(name); got != KindUnknown {
			t.Errorf("ParseKind(%q) = %v, want KindUnknown", name, got)
		}
	}
	if KindUnknown.Known() || Kind(200).Known() {
		t.Error("KindUnknown or Kind(200) reported as known")
	}
	if got := Kind(200).String(); got != "Kind(200)" {
		t.Errorf("Kind(200).String() = %q", got)
	}
}

func TestKindText(t *testing.T) {
	var v struct {
		K Kind `json:"k"`
	}
	if err := json.Unmarshal([]byte(`{"k":"job.finished"}`), &v); err != nil || v.K != KindJobFinished {
		t.Fatalf("unmarshal: %v, %v", v.K, err)
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) != `{"k":"job.finished"}` {
		t.Fatalf("marshal: %s, %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"k":"job.paused"}`), &v); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown name: err %v, want ErrUnknownKind", err)
	}
	if _, err := json.Marshal(struct{ K Kind }{KindUnknown}); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("marshal KindUnknown: err %v, want ErrUnknownKind", err)
	}
}

func TestValidKindName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"a", true}, {"gpu.samples", true}, {"a.b.c", true}, {"x_1-2.y", true},
		{"", false}, {".a", false}, {"a.", false}, {"a..b", false}, {"A.b", false},
		{"a b", false}, {"a*", false}, {"a>", false}, {"é", false},
		{string(make([]byte, 65)), false},
	} {
		if got := validKindName(tc.name); got != tc.ok {
			t.Errorf("validKindName(%q) = %v, want %v", tc.name, got, tc.ok)
		}
	}
}
