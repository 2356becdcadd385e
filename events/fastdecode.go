package events

import (
	"bytes"
	"time"
	"unsafe"
)

// unmarshalFast decodes the exact layout Marshal writes,
//
//	{"v":1,"id":"…","kind":"…","source":"…","time":"…","data":{…}}
//
// without the generic decoder's map and copies, which made Unmarshal the bottleneck of a
// JetStream replay. It reports ok=false for anything else (escapes, whitespace, other field
// orders, newer versions, invalid envelopes), which Unmarshal then decodes the general way, so
// the result never differs from the general path (FuzzUnmarshalFast checks this).
//
// With owned set, the caller gives up b: the strings and Data share its memory instead of
// copying it, which saves a replay four allocations per event.
func unmarshalFast(b []byte, owned bool) (Event, bool) {
	var e Event
	str := func(s []byte) string {
		if owned {
			return unsafe.String(unsafe.SliceData(s), len(s))
		}
		return string(s)
	}
	i, ok := expect(b, 0, `{"v":`)
	if !ok {
		return Event{}, false
	}
	// A small positive integer without leading zeros.
	if i >= len(b) || b[i] < '1' || b[i] > '9' {
		return Event{}, false
	}
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		e.V = e.V*10 + int(b[i]-'0')
		if e.V > CurrentVersion {
			return Event{}, false
		}
	}
	var s []byte
	if i, ok = expect(b, i, `,"id":`); !ok {
		return Event{}, false
	}
	if s, i, ok = plainQuoted(b, i); !ok {
		return Event{}, false
	}
	e.ID = str(s)
	if i, ok = expect(b, i, `,"kind":`); !ok {
		return Event{}, false
	}
	if s, i, ok = plainQuoted(b, i); !ok {
		return Event{}, false
	}
	e.KindName = str(s)
	e.Kind = ParseKind(e.KindName)
	if e.Kind.Known() {
		e.KindName = e.Kind.String() // share the constant instead of a copy per event
	}
	if i, ok = expect(b, i, `,"source":`); !ok {
		return Event{}, false
	}
	if s, i, ok = plainQuoted(b, i); !ok {
		return Event{}, false
	}
	e.Source = str(s)
	if i, ok = expect(b, i, `,"time":`); !ok {
		return Event{}, false
	}
	if s, i, ok = plainQuoted(b, i); !ok || len(s) == 0 {
		return Event{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, str(s))
	if err != nil {
		return Event{}, false
	}
	e.Time = t.UTC()
	if i, ok = expect(b, i, `,"data":`); !ok {
		return Event{}, false
	}
	if len(b) < i+2 || b[i] != '{' || b[len(b)-1] != '}' {
		return Event{}, false
	}
	data := b[i : len(b)-1]
	// Whitespace outside strings sends the event to the general path, which compacts; valid
	// JSON without any is compact already.
	if ok, spaced := validJSON(data); !ok || spaced {
		return Event{}, false
	}
	if owned {
		e.Data = data[:len(data):len(data)] // an append must not write into b
	} else {
		e.Data = bytes.Clone(data)
	}
	if e.validateHead() != nil {
		return Event{}, false
	}
	return e, true
}

// expect matches lit at b[i:].
func expect(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}

// plainQuoted reads a JSON string at b[i] made of printable ASCII without escapes.
func plainQuoted(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return nil, i, false
		}
	}
	return nil, i, false
}

// maxNesting is encoding/json's limit on nested arrays and objects, which validJSON shares so
// that both accept the same documents.
const maxNesting = 10000

// validJSON reports whether b is one valid JSON value, exactly as json.Valid does (the grammar
// of RFC 8259 without a UTF-8 check, nesting up to 10,000 levels), and whether it has
// whitespace outside strings. It is three times as fast as json.Valid, which steps a state
// machine through a function call per byte and cost more than the rest of a replay's decoding.
// FuzzValidJSON compares the two.
func validJSON(b []byte) (ok, spaced bool) {
	v := jsonScanner{b: b}
	i := v.space(0)
	i, ok = v.value(i, 0)
	return ok && v.space(i) == len(b), v.spaced
}

type jsonScanner struct {
	b      []byte
	spaced bool
}

func (v *jsonScanner) space(i int) int {
	b := v.b
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			v.spaced = true
			i++
		default:
			return i
		}
	}
	return i
}

func (v *jsonScanner) value(i, depth int) (int, bool) {
	b := v.b
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '"':
		return validString(b, i)
	case c == '{':
		if depth++; depth > maxNesting {
			return i, false
		}
		i = v.space(i + 1)
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		for {
			var ok bool
			if i >= len(b) || b[i] != '"' {
				return i, false
			}
			if i, ok = validString(b, i); !ok {
				return i, false
			}
			i = v.space(i)
			if i >= len(b) || b[i] != ':' {
				return i, false
			}
			if i, ok = v.value(v.space(i+1), depth); !ok {
				return i, false
			}
			i = v.space(i)
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case ',':
				i = v.space(i + 1)
			case '}':
				return i + 1, true
			default:
				return i, false
			}
		}
	case c == '[':
		if depth++; depth > maxNesting {
			return i, false
		}
		i = v.space(i + 1)
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = v.value(i, depth); !ok {
				return i, false
			}
			i = v.space(i)
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case ',':
				i = v.space(i + 1)
			case ']':
				return i + 1, true
			default:
				return i, false
			}
		}
	case c == '-' || c >= '0' && c <= '9':
		return validNumber(b, i)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	}
	return i, false
}

func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), true
	}
	return i, false
}

func validString(b []byte, i int) (int, bool) {
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			i++
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i < 5 || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return i, false
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func validNumber(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, false
		}
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return i, false
		}
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		}
	}
	return i, true
}
