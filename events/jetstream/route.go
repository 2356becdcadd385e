package jetstream

import (
	"strings"

	"github.com/gpuplan/gpuplan/events"
)

// subjectOf returns the event's subject. It reads site and node as events.Event.Subject does,
// but with a scan of the payload's top level instead of a full json.Unmarshal, which on an
// 8-GPU sample batch costs more than everything else Append does on the client. Payloads the
// scan cannot read exactly as encoding/json would go to Event.Subject.
func subjectOf(prefix string, e events.Event) (string, error) {
	if site, node, ok := routeFields(e.Data); ok {
		return events.Subject(prefix, site, e.Name(), node), nil
	}
	return e.Subject(prefix)
}

// routeFields returns what json.Unmarshal would put in struct{Site, Node string; Nodes
// []string} (node falling back to the first of nodes), or ok=false when that needs the full
// decoder: escapes or non-ASCII bytes in the keys or values involved, values of another type,
// or malformed input.
func routeFields(b []byte) (site, node string, ok bool) {
	var first string
	var hasFirst bool
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return "", "", false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return "", "", true
	}
	for {
		key, j, ok := plainString(b, i)
		if !ok {
			return "", "", false
		}
		i = skipWS(b, j)
		if i >= len(b) || b[i] != ':' {
			return "", "", false
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return "", "", false
		}
		switch {
		case strings.EqualFold(key, "site"), strings.EqualFold(key, "node"):
			var v string
			var set bool
			if v, set, i, ok = stringOrNull(b, i); !ok {
				return "", "", false
			}
			switch {
			case !set: // null leaves a Go string as it was
			case strings.EqualFold(key, "site"):
				site = v
			default:
				node = v
			}
		case strings.EqualFold(key, "nodes"):
			switch {
			case b[i] == '[':
				if first, hasFirst, i, ok = firstString(b, i); !ok {
					return "", "", false
				}
			case isNull(b, i):
				i += 4
			default:
				return "", "", false
			}
		default:
			if i, ok = skipValue(b, i); !ok {
				return "", "", false
			}
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return "", "", false
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			if node == "" && hasFirst {
				node = first
			}
			return site, node, true
		default:
			return "", "", false
		}
	}
}

// stringOrNull reads a plain string or null at b[i]; set is false for null.
func stringOrNull(b []byte, i int) (v string, set bool, end int, ok bool) {
	if isNull(b, i) {
		return "", false, i + 4, true
	}
	v, end, ok = plainString(b, i)
	return v, ok, end, ok
}

// firstString reads an array of plain strings from b[i] == '[' and returns its first element.
func firstString(b []byte, i int) (first string, has bool, end int, ok bool) {
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return "", false, i + 1, true
	}
	for n := 0; ; n++ {
		if i >= len(b) || b[i] != '"' {
			return "", false, 0, false // null elements and other types: leave them to encoding/json
		}
		v, j, ok := plainString(b, i)
		if !ok {
			return "", false, 0, false
		}
		if n == 0 {
			first, has = v, true
		}
		i = skipWS(b, j)
		if i >= len(b) {
			return "", false, 0, false
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case ']':
			return first, has, i + 1, true
		default:
			return "", false, 0, false
		}
	}
}

// plainString reads a JSON string at b[i] holding printable ASCII without escapes.
func plainString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return string(b[i+1 : j]), j + 1, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", 0, false
		}
	}
	return "", 0, false
}

func isNull(b []byte, i int) bool { return len(b)-i >= 4 && string(b[i:i+4]) == "null" }

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index after the JSON value at b[i].
func skipValue(b []byte, i int) (int, bool) {
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			i++
			for i < len(b) && b[i] != '"' {
				if b[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(b) {
				return 0, false
			}
			i++
			if depth == 0 {
				return i, true
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i, true // end of a scalar that ends the enclosing object
			}
			depth--
			if depth == 0 {
				return i + 1, true
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i, true
			}
		}
		i++
	}
	if depth == 0 {
		return i, true
	}
	return 0, false
}
