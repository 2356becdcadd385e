package events

import (
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"testing"
)

func fuzzSeeds(f *testing.F) [][]byte {
	var seeds [][]byte
	mixed, err := os.ReadFile("testdata/mixed.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	seeds = append(seeds, mixed)
	seeds = append(seeds, bytes.Split(mixed, []byte("\n"))...)
	for i, p := range samplePayloads() {
		e, err := New(p.Kind(), DeriveID("seed", string(rune('a'+i))), "node-a", t0, p)
		if err != nil {
			f.Fatal(err)
		}
		b, err := Marshal(e)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// payloadFor returns a new pointer to k's payload type, or nil.
func payloadFor(k Kind) any {
	for _, p := range samplePayloads() {
		if p.Kind() == k {
			return reflect.New(reflect.TypeOf(p)).Interface()
		}
	}
	return nil
}

// checkReencode asserts that a decoded event encodes, decodes to the same value and encodes to
// the same bytes again, and that its payload and subject helpers do not panic.
func checkReencode(t *testing.T, e Event) {
	t.Helper()
	b, err := Marshal(e)
	if err != nil {
		t.Fatalf("decoded event %+v does not encode: %v", e, err)
	}
	e2, err := Unmarshal(b)
	if err != nil {
		t.Fatalf("re-encoded %s does not decode: %v", b, err)
	}
	if !eventsEqual(e, e2) {
		t.Fatalf("round trip changed the event:\n%+v\n%+v", e, e2)
	}
	b2, err := Marshal(e2)
	if err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("encoding not stable:\n%s\n%s (%v)", b, b2, err)
	}
	if p := payloadFor(e.Kind); p != nil {
		_ = e.Decode(p) // may fail on a bad payload, must not panic
	}
	_, _ = e.Subject("")
}

func FuzzUnmarshal(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Unmarshal(data)
		switch {
		case errors.Is(err, ErrNewerVersion):
			if e.V <= CurrentVersion || e.ID != "" || !e.Time.IsZero() || e.Data != nil {
				t.Fatalf("newer-version result %+v", e)
			}
		case err != nil:
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v wraps neither ErrInvalid nor ErrNewerVersion", err)
			}
			if !reflect.DeepEqual(e, Event{}) {
				t.Fatalf("error %v with a non-empty event %+v", err, e)
			}
		default:
			if err := e.Validate(); err != nil {
				t.Fatalf("decoded event does not validate: %v", err)
			}
			checkReencode(t, e)
		}
	})
}

func FuzzReader(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, false, false, uint16(0))
		f.Add(s, true, true, uint16(100))
	}
	f.Fuzz(func(t *testing.T, data []byte, skipMalformed, keepUnknown bool, maxLine uint16) {
		r := NewReader(bytes.NewReader(data), "fuzz", ReaderOptions{
			SkipMalformed: skipMalformed, KeepUnknown: keepUnknown, MaxLineBytes: int(maxLine),
		})
		lines := bytes.Count(data, []byte("\n"))
		if len(data) > 0 && data[len(data)-1] != '\n' {
			lines++
		}
		events, returnedBad := 0, 0
		for i := 0; ; i++ {
			if i > lines+1 {
				t.Fatalf("more than %d results from %d lines", i, lines)
			}
			e, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var le *LineError
				if !errors.As(err, &le) || skipMalformed || le.Line != r.Line() || !errors.Is(err, ErrInvalid) {
					t.Fatalf("unexpected error %v", err)
				}
				returnedBad++
				continue
			}
			if e.Kind == KindUnknown && !keepUnknown {
				t.Fatalf("unknown kind %q returned", e.KindName)
			}
			checkReencode(t, e)
			events++
		}
		if r.Line() != lines {
			t.Fatalf("Line() = %d, input has %d lines", r.Line(), lines)
		}
		bad, errs := r.Malformed()
		if skipMalformed && returnedBad != 0 || !skipMalformed && returnedBad != bad || len(errs) > maxErrorsKept {
			t.Fatalf("malformed %d (%d kept), returned %d", bad, len(errs), returnedBad)
		}
		skipped := 0
		for _, s := range r.Skipped() {
			skipped += s.Count
		}
		if events+skipped+bad > lines {
			t.Fatalf("%d events + %d skipped + %d malformed > %d lines", events, skipped, bad, lines)
		}
	})
}
