package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// readAll reads r to the end; malformed lines are collected by line number and skipped over.
func readAll(t *testing.T, r *Reader) (ids []string, badLines []int) {
	t.Helper()
	for {
		e, err := r.Next()
		if err == io.EOF {
			return ids, badLines
		}
		var le *LineError
		if errors.As(err, &le) {
			badLines = append(badLines, le.Line)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		ids = append(ids, e.ID)
	}
}

func TestReaderMixed(t *testing.T) {
	// Expected outcomes worked out line by line from testdata/mixed.jsonl (see its README).
	for _, tc := range []struct {
		name    string
		opt     ReaderOptions
		ids     []string
		bad     []int // lines returned as errors
		skipped []Skip
	}{
		{"default", ReaderOptions{},
			[]string{"e1", "e4", "e7", "e10"}, []int{6, 7, 10},
			[]Skip{{"gpu.fans", 1, 2}, {"gpu.fans", 3, 1}, {"gpu.samples", 2, 1}, {"node.power", 1, 1}}},
		{"skip malformed", ReaderOptions{SkipMalformed: true},
			[]string{"e1", "e4", "e7", "e10"}, nil,
			[]Skip{{"gpu.fans", 1, 2}, {"gpu.fans", 3, 1}, {"gpu.samples", 2, 1}, {"node.power", 1, 1}}},
		{"keep unknown", ReaderOptions{KeepUnknown: true},
			[]string{"e1", "e2", "e4", "e6", "e7", "e9", "e10"}, []int{6, 7, 10},
			[]Skip{{"gpu.fans", 3, 1}, {"gpu.samples", 2, 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.Open("testdata/mixed.jsonl")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r := NewReader(f, "mixed.jsonl", tc.opt)
			ids, bad := readAll(t, r)
			if !reflect.DeepEqual(ids, tc.ids) {
				t.Errorf("ids %v, want %v", ids, tc.ids)
			}
			if !reflect.DeepEqual(bad, tc.bad) {
				t.Errorf("malformed lines returned %v, want %v", bad, tc.bad)
			}
			if got := r.Skipped(); !reflect.DeepEqual(got, tc.skipped) {
				t.Errorf("Skipped() = %v, want %v", got, tc.skipped)
			}
			n, errs := r.Malformed()
			if n != 3 || len(errs) != 3 {
				t.Fatalf("Malformed() = %d, %d errors; want 3", n, len(errs))
			}
			for i, line := range []int{6, 7, 10} {
				if errs[i].Line != line || errs[i].Name != "mixed.jsonl" || !errors.Is(errs[i], ErrInvalid) {
					t.Errorf("malformed %d: %v", i, errs[i])
				}
				if prefix := fmt.Sprintf("mixed.jsonl:%d: ", line); !strings.HasPrefix(errs[i].Error(), prefix) {
					t.Errorf("error %q does not start with %q", errs[i], prefix)
				}
			}
			if !strings.Contains(errs[2].Error(), "id is empty") {
				t.Errorf("line 10 error %q does not say the id is empty", errs[2])
			}
			if r.Line() != 13 {
				t.Errorf("Line() = %d, want 13", r.Line())
			}
			// EOF is sticky.
			if _, err := r.Next(); err != io.EOF {
				t.Errorf("after EOF: %v", err)
			}
		})
	}
}

func TestWriterReaderRoundTrip(t *testing.T) {
	var want []Event
	for i, p := range samplePayloads() {
		e, err := New(p.Kind(), DeriveID("test", fmt.Sprint(i)), "node-a", t0.Add(time_s(i)), p)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, e)
	}
	unknown := Event{V: 1, ID: "u1", KindName: "gpu.fans", Source: "node-a", Time: t0, Data: json.RawMessage(`{"fan_pct": 40}`)}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, e := range append(want, unknown) {
		if err := w.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Write(Event{V: 1, ID: "bad"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid event written: %v", err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if w.Count() != len(want)+1 {
		t.Errorf("Count() = %d, want %d", w.Count(), len(want)+1)
	}
	if lines := strings.Count(buf.String(), "\n"); lines != len(want)+1 {
		t.Errorf("%d lines, want %d", lines, len(want)+1)
	}

	r := NewReader(bytes.NewReader(buf.Bytes()), "mem", ReaderOptions{KeepUnknown: true})
	for i := range len(want) + 1 {
		got, err := r.Next()
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		exp := unknown
		exp.Data = json.RawMessage(`{"fan_pct":40}`)
		if i < len(want) {
			exp = want[i]
		}
		if !eventsEqual(got, exp) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got, exp)
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("end: %v", err)
	}
}

func time_s(i int) time.Duration { return time.Duration(i) * time.Second }

func TestReaderLongLines(t *testing.T) {
	// A line of about 300 KiB crosses the 64 KiB read buffer several times.
	big := GPUSampleBatch{Node: "n", IntervalS: 1}
	for i := range 2000 {
		big.GPUs = append(big.GPUs, GPUSample{Index: i, UUID: strings.Repeat("x", 100)})
	}
	e, err := New(KindGPUSampleBatch, "big", "", t0, big)
	if err != nil {
		t.Fatal(err)
	}
	line, err := Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	small := `{"v":1,"id":"s","kind":"job.started","time":"2026-01-02T03:04:05Z","data":{}}`
	input := small + "\n" + string(line) + "\r\n" + small + "\n"
	for _, tc := range []struct {
		max  int
		ids  []string
		long []int
	}{
		{0, []string{"s", "big", "s"}, nil},           // default 16 MiB
		{len(line), []string{"s", "big", "s"}, nil},   // exactly at the limit, CRLF not counted
		{len(line) - 1, []string{"s", "s"}, []int{2}}, // one byte over
		{len(small) - 1, nil, []int{1, 2, 3}},         // everything over
		{100 << 10, []string{"s", "s"}, []int{2}},     // limit between buffer size and line
	} {
		r := NewReader(strings.NewReader(input), "long", ReaderOptions{MaxLineBytes: tc.max})
		ids, bad := readAll(t, r)
		if !reflect.DeepEqual(ids, tc.ids) || !reflect.DeepEqual(bad, tc.long) {
			t.Errorf("max %d: ids %v bad %v, want %v %v", tc.max, ids, bad, tc.ids, tc.long)
		}
		if _, errs := r.Malformed(); len(errs) > 0 && !strings.Contains(errs[0].Error(), "line longer than") {
			t.Errorf("max %d: %v", tc.max, errs[0])
		}
	}
}

func TestReaderUnderlyingError(t *testing.T) {
	boom := errors.New("disk on fire")
	in := `{"v":1,"id":"s","kind":"job.started","time":"2026-01-02T03:04:05Z","data":{}}` + "\n"
	r := NewReader(io.MultiReader(strings.NewReader(in), iotest.ErrReader(boom)), "spool.jsonl", ReaderOptions{SkipMalformed: true})
	if e, err := r.Next(); err != nil || e.ID != "s" {
		t.Fatalf("first: %+v %v", e, err)
	}
	for range 2 { // sticky
		_, err := r.Next()
		if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "spool.jsonl:2: ") {
			t.Errorf("err %v, want disk on fire at spool.jsonl:2", err)
		}
	}
}

func TestReaderSkipOverflow(t *testing.T) {
	var b strings.Builder
	const distinct = maxSkipEntries + 6
	for i := range distinct {
		fmt.Fprintf(&b, `{"v":1,"id":"x%d","kind":"k%04d.x","time":"2026-01-02T03:04:05Z","data":{}}`+"\n", i, i)
	}
	r := NewReader(strings.NewReader(b.String()), "many", ReaderOptions{})
	if ids, bad := readAll(t, r); len(ids) != 0 || len(bad) != 0 {
		t.Fatalf("ids %v bad %v", ids, bad)
	}
	sk := r.Skipped()
	if len(sk) != maxSkipEntries+1 {
		t.Fatalf("%d entries, want %d", len(sk), maxSkipEntries+1)
	}
	// "*" sorts before the digits-and-letters names, and the first 1024 names are tracked.
	if sk[0] != (Skip{SkipOverflow, 0, 6}) || sk[1] != (Skip{"k0000.x", 1, 1}) || sk[maxSkipEntries] != (Skip{"k1023.x", 1, 1}) {
		t.Errorf("entries: first %v, %v, last %v", sk[0], sk[1], sk[maxSkipEntries])
	}
}
