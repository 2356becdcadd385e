package events

import "fmt"

// Kind is an event kind. Its wire name (String) is what the log stores; the numbers are for
// in-memory use and, like Prometheus tsdb record types, are assigned once and never reused.
type Kind uint8

// Kinds. Never renumber, rename or change the meaning of one: give a new meaning a new kind.
const (
	KindUnknown           Kind = 0 // a wire name this binary does not know; see Event.KindName
	KindGPUInventory      Kind = 1 // GPUInventory: a node's GPUs, on collector start and on change
	KindGPUSampleBatch    Kind = 2 // GPUSampleBatch: one sampling interval of a node's GPUs
	KindOwnershipAssigned Kind = 3 // OwnershipAssigned: GPUs handed to an owner
	KindOwnershipReleased Kind = 4 // OwnershipReleased: GPUs taken back from an owner
	KindJobStarted        Kind = 5 // JobStarted: a job began using GPUs
	KindJobFinished       Kind = 6 // JobFinished: a job stopped using GPUs
	KindPlannerRun        Kind = 7 // PlannerRun: a recorded planner run
	KindJobRetracted      Kind = 8 // JobRetracted: a job withdrawn from every projection and workload

	kindEnd = KindJobRetracted + 1 // one past the last known kind; move it when adding a kind
)

// kindNames are the fixed wire names. Each is two dot-separated tokens, domain and action, so
// that subjects keep a fixed number of tokens (see Subject).
var kindNames = [kindEnd]string{
	KindUnknown:           "",
	KindGPUInventory:      "gpu.inventory",
	KindGPUSampleBatch:    "gpu.samples",
	KindOwnershipAssigned: "ownership.assigned",
	KindOwnershipReleased: "ownership.released",
	KindJobStarted:        "job.started",
	KindJobFinished:       "job.finished",
	KindPlannerRun:        "planner.run",
	KindJobRetracted:      "job.retracted",
}

// String returns the wire name, "" for KindUnknown and "Kind(n)" for a number with no name.
func (k Kind) String() string {
	if k < kindEnd {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Known reports whether k is one of the named kinds (not KindUnknown).
func (k Kind) Known() bool { return k > KindUnknown && k < kindEnd }

// ParseKind returns the kind with the given wire name, or KindUnknown.
func ParseKind(name string) Kind {
	for k := KindUnknown + 1; k < kindEnd; k++ {
		if kindNames[k] == name {
			return k
		}
	}
	return KindUnknown
}

// Kinds returns every known kind in numeric order.
func Kinds() []Kind {
	ks := make([]Kind, 0, kindEnd-1)
	for k := KindUnknown + 1; k < kindEnd; k++ {
		ks = append(ks, k)
	}
	return ks
}

// MarshalText writes the wire name, so a Kind works in JSON, YAML and flags.
func (k Kind) MarshalText() ([]byte, error) {
	if !k.Known() {
		return nil, fmt.Errorf("%w: %v", ErrUnknownKind, k)
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText accepts a known wire name only: a bare Kind has nowhere to keep an unknown one.
func (k *Kind) UnmarshalText(b []byte) error {
	kk := ParseKind(string(b))
	if kk == KindUnknown {
		return fmt.Errorf("%w: %q", ErrUnknownKind, b)
	}
	*k = kk
	return nil
}
