package events

import (
	"encoding/json"
	"fmt"
)

// DataError is a payload that breaks its kind's schema: it does not decode, or a field is
// missing or outside its bounds. Its message names the kind and the field, as in
// "job.finished: gpus 0 outside 1..100000".
type DataError struct {
	Kind string // wire name
	Err  error
}

func (e *DataError) Error() string { return e.Kind + ": " + e.Err.Error() }

func (e *DataError) Unwrap() error { return e.Err }

// newPayload returns a new payload value of a known kind, or nil.
func newPayload(k Kind) Payload {
	switch k {
	case KindGPUInventory:
		return new(GPUInventory)
	case KindGPUSampleBatch:
		return new(GPUSampleBatch)
	case KindOwnershipAssigned:
		return new(OwnershipAssigned)
	case KindOwnershipReleased:
		return new(OwnershipReleased)
	case KindJobStarted:
		return new(JobStarted)
	case KindJobFinished:
		return new(JobFinished)
	case KindPlannerRun:
		return new(PlannerRun)
	case KindJobRetracted:
		return new(JobRetracted)
	}
	return nil
}

// Check applies every check the log makes before storing an event and on replay: the envelope
// (Validate), the event time within [MinTime, MaxTime), and, for a known kind, the payload
// decoded and held to its kind's schema and bounds. Events of unknown kinds get the envelope
// checks only. A payload error is a *DataError wrapped with ErrInvalid.
func Check(e Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if err := CheckTime(e); err != nil {
		return err
	}
	p := newPayload(e.Kind)
	if p == nil {
		return nil
	}
	if err := json.Unmarshal(e.Data, p); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, &DataError{Kind: e.Name(), Err: err})
	}
	if v, ok := p.(validator); ok {
		if err := v.validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, &DataError{Kind: e.Name(), Err: err})
		}
	}
	return nil
}

// CheckTime refuses an event whose time lies outside [MinTime, MaxTime), with a *DataError
// naming the field "time". Consumers that decode the payload themselves call it next to
// Decode, which sees the payload only.
func CheckTime(e Event) error {
	if err := checkTime("time", e.Time); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, &DataError{Kind: e.Name(), Err: err})
	}
	return nil
}

// CheckPayload holds a payload to its kind's schema and bounds, as New does, for producers
// that assemble events without New (the trace importer writes payloads by hand for speed).
// The error is a *DataError wrapped with ErrInvalid.
func CheckPayload(p Payload) error {
	if v, ok := p.(validator); ok {
		if err := v.validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, &DataError{Kind: p.Kind().String(), Err: err})
		}
	}
	return nil
}
