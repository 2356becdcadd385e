package events

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Every event Marshal writes takes the fast path: otherwise it would be dead code.
func TestUnmarshalFastTakesMarshalOutput(t *testing.T) {
	for i, p := range samplePayloads() {
		for _, at := range []time.Time{t0, t0.Truncate(time.Second), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)} {
			e, err := New(p.Kind(), DeriveID("fast", string(rune('a'+i))), "node-a", t0, p)
			if err != nil {
				t.Fatal(err)
			}
			e.Time = at // the codec carries any RFC 3339 year, though Check refuses this one
			b, err := Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := unmarshalFast(b, false)
			if !ok {
				t.Fatalf("%s: fast path refused %s", p.Kind(), b)
			}
			if !eventsEqual(got, e) {
				t.Fatalf("%s: fast path gave %+v, want %+v", p.Kind(), got, e)
			}
		}
	}
	unknown := Event{V: 1, ID: "u", KindName: "gpu.fans", Time: t0, Data: []byte(`{"fan_pct":40}`)}
	b, _ := Marshal(unknown)
	if got, ok := unmarshalFast(b, false); !ok || !eventsEqual(got, unknown) {
		t.Errorf("unknown kind: %+v, %v", got, ok)
	}
}

func TestUnmarshalFastDefers(t *testing.T) {
	good := `{"v":1,"id":"a","kind":"gpu.samples","source":"n","time":"2026-03-04T05:06:07Z","data":{"node":"n","interval_s":10,"gpus":[]}}`
	if _, ok := unmarshalFast([]byte(good), false); !ok {
		t.Fatal("fast path refused the reference line")
	}
	// Each variant is valid or invalid for the general decoder; the fast path leaves all to it.
	for _, tc := range []struct{ name, old, new string }{
		{"newer version", `"v":1`, `"v":2`},
		{"version 0", `"v":1`, `"v":0`},
		{"leading zero", `"v":1`, `"v":01`},
		{"escaped id", `"id":"a"`, `"id":"\u0061"`},
		{"field order", `"id":"a","kind":"gpu.samples"`, `"kind":"gpu.samples","id":"a"`},
		{"space in data", `"interval_s":10`, `"interval_s": 10`},
		{"newline between data fields", `"interval_s":10,`, `"interval_s":10,\n`},
		{"invalid data", `"gpus":[]`, `"gpus":[}`},
		{"data not an object", `{"node":"n","interval_s":10,"gpus":[]}`, `[1]`},
		{"extra field", `"gpus":[]}`, `"gpus":[]},"x":1`},
		{"bad time", `2026-03-04T05:06:07Z`, `2026-03-04 05:06:07`},
		{"empty id", `"id":"a"`, `"id":""`},
		{"non-ASCII source", `"source":"n"`, `"source":"ñ"`},
		{"leading space", `{"v":1`, ` {"v":1`},
	} {
		line := strings.Replace(good, tc.old, tc.new, 1)
		if line == good {
			t.Fatalf("%s: replacement did not apply", tc.name)
		}
		if _, ok := unmarshalFast([]byte(line), false); ok {
			t.Errorf("%s: fast path accepted %s", tc.name, line)
		}
	}
}

// The reader of a JSON Lines file reuses its line buffer: decoded data must not alias it.
func TestUnmarshalFastCopiesData(t *testing.T) {
	b := []byte(`{"v":1,"id":"a","kind":"gpu.samples","source":"n","time":"2026-03-04T05:06:07Z","data":{"node":"n","interval_s":10,"gpus":[]}}`)
	e, ok := unmarshalFast(b, false)
	if !ok {
		t.Fatal("refused")
	}
	for i := range b {
		b[i] = 'x'
	}
	if string(e.Data) != `{"node":"n","interval_s":10,"gpus":[]}` {
		t.Errorf("data changed with the input buffer: %s", e.Data)
	}
}

// FuzzUnmarshalFast checks that the fast path, when it answers, answers exactly as the general
// decoder does.
func FuzzUnmarshalFast(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := unmarshalFast(b, false)
		if !ok {
			return
		}
		general, err := unmarshalGeneral(b)
		if err != nil {
			t.Fatalf("fast path accepted %q, general decoder: %v", b, err)
		}
		if !eventsEqual(fast, general) {
			t.Fatalf("%q: fast %+v, general %+v", b, fast, general)
		}
		owned, ok := unmarshalFast(bytes.Clone(b), true)
		if !ok || !eventsEqual(owned, general) {
			t.Fatalf("%q: owned %+v (%v), general %+v", b, owned, ok, general)
		}
	})
}

// UnmarshalOwned shares the buffer it is given, decodes what Unmarshal decodes, and keeps an
// append to Data from writing into the buffer.
func TestUnmarshalOwned(t *testing.T) {
	for _, s := range []string{
		`{"v":1,"id":"a","kind":"gpu.samples","source":"n","time":"2026-03-04T05:06:07Z","data":{"node":"n","interval_s":10,"gpus":[]}}`,
		`{"v":1,"id":"a","kind":"gpu.fans","source":"n","time":"2026-03-04T05:06:07.5Z","data":{"fan_pct":40}}`,
		`{ "v":1,"id":"a","kind":"gpu.samples","source":"n","time":"2026-03-04T05:06:07Z","data":{}}`, // general path
		`{"v":2,"kind":"gpu.samples"}`,
	} {
		want, wantErr := Unmarshal([]byte(s))
		b := []byte(s)
		got, err := UnmarshalOwned(b)
		if (err == nil) != (wantErr == nil) || !eventsEqual(got, want) {
			t.Fatalf("%s: owned %+v, %v; Unmarshal %+v, %v", s, got, err, want, wantErr)
		}
		if err == nil {
			before := string(b)
			_ = append(got.Data, 'x')
			if string(b) != before {
				t.Errorf("%s: append to Data wrote into the buffer", s)
			}
		}
	}
}

var validJSONCases = []string{
	``, ` `, `{}`, `[]`, `""`, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e`, `1e+`, `-1.25e-3`,
	`true`, `tru`, `truex`, `null`, `nul`, `false`, `"a\"b"`, `"\u00e9"`, `"\u00g9"`, `"\x"`, "\"a\tb\"", `"\/"`,
	`{"a":1,}`, `{"a":1 "b":2}`, `{"a"}`, `{1:2}`, `[1,]`, `[,1]`, `[1 2]`, ` [ 1 , { "a" : [ ] } ] `,
	`{"a":1}}`, `{"a":1} x`, `"ü"`, "\"\xff\"", `[[[[]]]]`, `{"a":{"b":{"c":null}}}`, `"unterminated`, `{"a":`,
}

func TestValidJSON(t *testing.T) {
	deep := strings.Repeat("[", maxNesting) + strings.Repeat("]", maxNesting)
	tooDeep := "[" + deep + "]"
	for _, s := range append(validJSONCases, deep, tooDeep) {
		got, spaced := validJSON([]byte(s))
		if want := json.Valid([]byte(s)); got != want {
			t.Errorf("%.40q: validJSON %v, json.Valid %v", s, got, want)
		}
		checkSpaced(t, []byte(s), got, spaced)
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, s := range validJSONCases {
		f.Add([]byte(s))
	}
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, spaced := validJSON(b)
		if want := json.Valid(b); got != want {
			t.Fatalf("%q: validJSON %v, json.Valid %v", b, got, want)
		}
		checkSpaced(t, b, got, spaced)
	})
}

// checkSpaced compares validJSON's whitespace report with json.Compact, which drops exactly the
// whitespace outside strings.
func checkSpaced(t *testing.T, b []byte, valid, spaced bool) {
	t.Helper()
	if !valid {
		return
	}
	var c bytes.Buffer
	if err := json.Compact(&c, b); err != nil {
		t.Fatalf("%q: valid, but json.Compact: %v", b, err)
	}
	if want := c.Len() != len(b); spaced != want {
		t.Fatalf("%q: spaced %v, want %v", b, spaced, want)
	}
}
