package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// timeLayout is RFC 3339 with exactly nine fractional digits: fixed width, so that the text of
// UTC times sorts like the times themselves.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Marshal encodes one envelope as compact JSON with the fields in the documented order
// (v, id, kind, source, time, data) and no trailing newline.
func Marshal(e Event) ([]byte, error) { return appendEvent(nil, e) }

func appendEvent(dst []byte, e Event) ([]byte, error) {
	if err := e.validateHead(); err != nil {
		return dst, err
	}
	start := len(dst)
	dst = append(dst, `{"v":`...)
	dst = strconv.AppendInt(dst, int64(e.V), 10)
	dst = append(dst, `,"id":`...)
	dst = appendASCIIString(dst, e.ID)
	dst = append(dst, `,"kind":`...)
	dst = appendASCIIString(dst, e.Name())
	dst = append(dst, `,"source":`...)
	dst = appendASCIIString(dst, e.Source)
	dst = append(dst, `,"time":"`...)
	dst = e.Time.UTC().AppendFormat(dst, timeLayout)
	dst = append(dst, `","data":`...)
	if ok, spaced := validJSON(e.Data); ok && !spaced {
		// Already compact (payloads from New and Unmarshal are): json.Compact would copy the
		// same bytes through a much slower state machine.
		return append(append(dst, e.Data...), '}'), nil
	}
	buf := bytes.NewBuffer(dst)
	if err := json.Compact(buf, e.Data); err != nil {
		return dst[:start], fmt.Errorf("%w: data: %w", ErrInvalid, err)
	}
	dst = append(buf.Bytes(), '}')
	return dst, nil
}

// appendASCIIString quotes s for JSON. Validation has limited envelope strings to printable
// ASCII, where only the quote and the backslash need escaping.
func appendASCIIString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			dst = append(dst, '\\', c)
		} else {
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// envelopeFields are the keys of a version-1 envelope.
var envelopeFields = []string{"v", "id", "kind", "source", "time", "data"}

// Unmarshal decodes one envelope.
//
// An unknown kind is not an error: the event comes back with KindUnknown and its raw name in
// KindName. An envelope newer than CurrentVersion cannot be read faithfully: Unmarshal returns
// an error wrapping ErrNewerVersion together with an Event holding only V and, when readable,
// KindName, so callers can skip and count it. Anything else that does not follow the envelope
// rules, including fields a known version does not have, wraps ErrInvalid.
func Unmarshal(b []byte) (Event, error) {
	if e, ok := unmarshalFast(b, false); ok {
		return e, nil
	}
	return unmarshalGeneral(b)
}

// UnmarshalOwned is Unmarshal for a caller that hands b over: the event's strings and Data
// may share b's memory, so b must never be modified afterwards. A replay decodes each message
// once from a buffer nobody else holds, and copying it again cost a quarter of the decoding.
func UnmarshalOwned(b []byte) (Event, error) {
	if e, ok := unmarshalFast(b, true); ok {
		return e, nil
	}
	return unmarshalGeneral(b)
}

// unmarshalGeneral is Unmarshal for any input: everything unmarshalFast passes on.
func unmarshalGeneral(b []byte) (Event, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if m == nil {
		return Event{}, fmt.Errorf("%w: not a JSON object", ErrInvalid)
	}
	var e Event
	rawV, ok := m["v"]
	if !ok {
		return Event{}, fmt.Errorf("%w: v is missing", ErrInvalid)
	}
	if err := json.Unmarshal(rawV, &e.V); err != nil {
		return Event{}, fmt.Errorf("%w: v: %w", ErrInvalid, err)
	}
	if e.V > CurrentVersion {
		var name string
		if json.Unmarshal(m["kind"], &name) == nil && validKindName(name) {
			e.KindName = name
		}
		return Event{V: e.V, KindName: e.KindName}, fmt.Errorf("%w: v %d, this binary reads up to %d", ErrNewerVersion, e.V, CurrentVersion)
	}
	var unknown []string
	for k := range m {
		if !slices.Contains(envelopeFields, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return Event{}, fmt.Errorf("%w: unknown envelope field %q", ErrInvalid, unknown[0])
	}
	if err := unmarshalString(m, "id", &e.ID); err != nil {
		return Event{}, err
	}
	if err := unmarshalString(m, "kind", &e.KindName); err != nil {
		return Event{}, err
	}
	e.Kind = ParseKind(e.KindName)
	if err := unmarshalString(m, "source", &e.Source); err != nil {
		return Event{}, err
	}
	var ts string
	if err := unmarshalString(m, "time", &ts); err != nil {
		return Event{}, err
	}
	if ts == "" {
		return Event{}, fmt.Errorf("%w: time is missing", ErrInvalid)
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return Event{}, fmt.Errorf("%w: time: %w", ErrInvalid, err)
	}
	e.Time = t.UTC()
	if raw, ok := m["data"]; ok {
		if e.Data, err = compactDecoded(raw); err != nil {
			return Event{}, fmt.Errorf("%w: data: %w", ErrInvalid, err)
		}
	}
	if err := e.validateHead(); err != nil {
		return Event{}, err
	}
	return e, nil
}

func unmarshalString(m map[string]json.RawMessage, key string, dst *string) error {
	raw, ok := m[key]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalid, key, err)
	}
	return nil
}

var errNotObject = errors.New("not a JSON object")

// compactObject returns the compact form of a JSON object. Compact data makes decoding and
// re-encoding reproduce the same bytes.
func compactObject(raw []byte) ([]byte, error) {
	if firstNonSpace(raw) != '{' {
		return nil, errNotObject
	}
	var buf bytes.Buffer
	buf.Grow(len(raw))
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// compactDecoded is compactObject for a value json.Unmarshal has already checked and copied:
// data without any whitespace byte is compact as it is, which spares high-volume sample batches
// a third pass over their bytes.
func compactDecoded(raw []byte) ([]byte, error) {
	if firstNonSpace(raw) != '{' {
		return nil, errNotObject
	}
	for _, c := range []byte{' ', '\n', '\t', '\r'} {
		if bytes.IndexByte(raw, c) >= 0 {
			return compactObject(raw)
		}
	}
	return raw, nil
}
