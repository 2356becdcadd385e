package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// CurrentVersion is the envelope version this package writes and the newest it reads.
const CurrentVersion = 1

// Limits on envelope strings. Ids travel as the Nats-Msg-Id header and sources end up in logs,
// so both are kept to printable ASCII without spaces; loosening this later is compatible,
// tightening it would not be.
const (
	maxIDLen       = 128
	maxSourceLen   = 256
	maxKindNameLen = 64
)

// Errors. Tests and callers match them with errors.Is.
var (
	ErrInvalid      = errors.New("events: invalid event")
	ErrNewerVersion = errors.New("events: newer envelope version")
	ErrUnknownKind  = errors.New("events: unknown kind")
	ErrKindMismatch = errors.New("events: payload does not match kind")
)

// Event is one entry of the log.
type Event struct {
	V        int             // envelope version, CurrentVersion for events this package creates
	ID       string          // unique id, the deduplication key: 1..128 printable ASCII bytes, no spaces
	Kind     Kind            // KindUnknown for wire names this binary does not know
	KindName string          // the wire name as read; for known kinds it equals Kind.String()
	Source   string          // who produced it (a node, an importer): printable ASCII, no spaces; may be empty
	Time     time.Time       // event time, UTC
	Data     json.RawMessage // the payload, a compact JSON object
}

// New builds an event of a known kind. payload is the kind's payload type (or a pointer to one),
// whose required fields are checked, or a json.RawMessage holding a JSON object, used as is.
// The time is converted to UTC.
func New(k Kind, id, source string, t time.Time, payload any) (Event, error) {
	if !k.Known() {
		return Event{}, fmt.Errorf("%w: %v", ErrUnknownKind, k)
	}
	var data []byte
	switch p := payload.(type) {
	case json.RawMessage:
		var err error
		if data, err = compactObject(p); err != nil {
			return Event{}, fmt.Errorf("%w: %s data: %w", ErrInvalid, k, err)
		}
		// Raw payloads meet the same schema as typed ones: the log holds one schema.
		if tp := newPayload(k); tp != nil {
			if err := json.Unmarshal(data, tp); err != nil {
				return Event{}, fmt.Errorf("%w: %w", ErrInvalid, &DataError{Kind: k.String(), Err: err})
			}
			if v, ok := tp.(validator); ok {
				if err := v.validate(); err != nil {
					return Event{}, fmt.Errorf("%w: %w", ErrInvalid, &DataError{Kind: k.String(), Err: err})
				}
			}
		}
	case Payload:
		if rv := reflect.ValueOf(p); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return Event{}, fmt.Errorf("%w: %s: nil %T payload", ErrInvalid, k, p)
		}
		if pk := p.Kind(); pk != k {
			return Event{}, fmt.Errorf("%w: kind %s, payload %T is %s", ErrKindMismatch, k, p, pk)
		}
		if v, ok := p.(validator); ok {
			if err := v.validate(); err != nil {
				return Event{}, fmt.Errorf("%w: %w", ErrInvalid, &DataError{Kind: k.String(), Err: err})
			}
		}
		var err error
		if data, err = json.Marshal(p); err != nil {
			return Event{}, fmt.Errorf("%w: %s data: %w", ErrInvalid, k, err)
		}
	default:
		return Event{}, fmt.Errorf("%w: kind %s, payload %T is not a payload type", ErrKindMismatch, k, payload)
	}
	e := Event{V: CurrentVersion, ID: id, Kind: k, KindName: k.String(), Source: source, Time: t.UTC(), Data: data}
	if err := e.validateHead(); err != nil {
		return Event{}, err
	}
	if err := CheckTime(e); err != nil {
		return Event{}, err
	}
	return e, nil
}

// Name returns the wire name: the kind's name, or the raw name kept for an unknown kind.
func (e Event) Name() string {
	if e.Kind.Known() {
		return e.Kind.String()
	}
	return e.KindName
}

// Validate checks what the envelope promises: a supported version, a usable id, a kind, an event
// time that RFC 3339 can carry, and a JSON object as payload. It does not decode the payload.
func (e Event) Validate() error {
	if err := e.validateHead(); err != nil {
		return err
	}
	if ok, _ := validJSON(e.Data); !ok { // json.Valid's verdict, three times as fast
		return fmt.Errorf("%w: data is not valid JSON", ErrInvalid)
	}
	return nil
}

// validateHead is Validate without the full scan of the payload, for callers that scan it anyway.
func (e Event) validateHead() error {
	switch {
	case e.V < 1 || e.V > CurrentVersion:
		return fmt.Errorf("%w: v %d is not a supported version (1..%d)", ErrInvalid, e.V, CurrentVersion)
	case e.ID == "":
		return fmt.Errorf("%w: id is empty", ErrInvalid)
	case !isToken(e.ID, maxIDLen):
		return fmt.Errorf("%w: id %q is not 1..%d printable ASCII characters without spaces", ErrInvalid, e.ID, maxIDLen)
	case e.Source != "" && !isToken(e.Source, maxSourceLen):
		return fmt.Errorf("%w: source %q is not up to %d printable ASCII characters without spaces", ErrInvalid, e.Source, maxSourceLen)
	case e.Time.IsZero():
		return fmt.Errorf("%w: time is missing", ErrInvalid)
	case e.Time.Year() < 1 || e.Time.Year() > 9999:
		return fmt.Errorf("%w: time %v is outside years 1..9999", ErrInvalid, e.Time)
	}
	if err := e.validateKind(); err != nil {
		return err
	}
	if len(e.Data) == 0 {
		return fmt.Errorf("%w: data is missing", ErrInvalid)
	}
	if firstNonSpace(e.Data) != '{' {
		return fmt.Errorf("%w: data is not a JSON object", ErrInvalid)
	}
	return nil
}

func (e Event) validateKind() error {
	switch {
	case e.Kind.Known():
		if e.KindName != "" && e.KindName != e.Kind.String() {
			return fmt.Errorf("%w: kind %s but kind name %q", ErrInvalid, e.Kind, e.KindName)
		}
	case e.Kind != KindUnknown:
		return fmt.Errorf("%w: %v", ErrUnknownKind, e.Kind)
	case e.KindName == "":
		return fmt.Errorf("%w: kind is empty", ErrInvalid)
	case !validKindName(e.KindName):
		return fmt.Errorf("%w: kind %q is not dot-separated tokens of a-z, 0-9, '_' and '-' (at most %d bytes)", ErrInvalid, e.KindName, maxKindNameLen)
	case ParseKind(e.KindName) != KindUnknown:
		// Kept consistent so that decoding what we wrote gives back the same Event.
		return fmt.Errorf("%w: kind name %q is known; set Kind", ErrInvalid, e.KindName)
	}
	return nil
}

// Decode unmarshals the payload into v, a pointer to the payload type of the event's kind, and
// checks the payload's required fields. Fields the type does not know are ignored (payloads may
// grow); v is zeroed first so that a reused value keeps nothing from an earlier event.
func (e Event) Decode(v any) error {
	p, ok := v.(Payload)
	if !ok {
		return fmt.Errorf("%w: %T is not a payload type", ErrKindMismatch, v)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("events: decode needs a non-nil pointer, got %T", v)
	}
	if pk := p.Kind(); pk != e.Kind {
		return fmt.Errorf("%w: event %s is %q, %T is for %q", ErrKindMismatch, e.ID, e.Name(), v, pk)
	}
	rv.Elem().SetZero()
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("%w: event %s data: %w", ErrInvalid, e.ID, &DataError{Kind: e.Name(), Err: err})
	}
	if vv, ok := v.(validator); ok {
		if err := vv.validate(); err != nil {
			return fmt.Errorf("%w: event %s data: %w", ErrInvalid, e.ID, &DataError{Kind: e.Name(), Err: err})
		}
	}
	return nil
}

// DecodeAs decodes the payload of e as a T, for example DecodeAs[GPUSampleBatch](e).
func DecodeAs[T Payload](e Event) (T, error) {
	var p T
	err := e.Decode(&p)
	return p, err
}

// MarshalJSON encodes the envelope as Marshal does, so an Event can sit inside other documents.
func (e Event) MarshalJSON() ([]byte, error) { return Marshal(e) }

// UnmarshalJSON decodes as Unmarshal does.
func (e *Event) UnmarshalJSON(b []byte) error {
	ev, err := Unmarshal(b)
	if err != nil {
		return err
	}
	*e = ev
	return nil
}

// isToken reports whether s is 1..max bytes of printable ASCII other than space.
func isToken(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// validKindName reports whether s follows the wire-name rules every kind obeys: dot-separated,
// non-empty tokens of lowercase letters, digits, '_' and '-'.
func validKindName(s string) bool {
	if len(s) == 0 || len(s) > maxKindNameLen {
		return false
	}
	prevDot := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if prevDot {
				return false
			}
			prevDot = true
			continue
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			return false
		}
		prevDot = false
	}
	return !prevDot
}

func firstNonSpace(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}
