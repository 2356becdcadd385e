package collectors_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/events"
)

// TestSpoolReopen: records survive Close and reopen, acknowledged ones do not come back, and
// consumed segments are deleted.
func TestSpoolReopen(t *testing.T) {
	cases := []struct {
		name    string
		segment int64
		n, ack  int
	}{
		{"one segment", 0, 20, 7},
		{"small segments", 2000, 50, 31},
		{"ack all", 2000, 30, 30},
		{"ack none", 2000, 30, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			opt := collectors.SpoolOptions{SegmentBytes: tc.segment, NoSync: true}
			s := openSpool(t, dir, opt)
			var want []events.Event
			for i := range tc.n {
				want = append(want, batchEvent(t, "n1", i))
			}
			mustAppend(t, s, want...)
			recs, err := s.Peek(tc.n + 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != tc.n {
				t.Fatalf("peek %d records, want %d", len(recs), tc.n)
			}
			for i, r := range recs {
				if !bytes.Equal(r.Event.Data, want[i].Data) || r.Event.ID != want[i].ID {
					t.Fatalf("record %d differs from what was appended", i)
				}
			}
			if tc.ack > 0 {
				if err := s.Ack(recs[tc.ack-1].Pos); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openSpool(t, dir, opt)
			defer s.Close()
			got, err := s.Peek(tc.n)
			if err != nil {
				t.Fatal(err)
			}
			wantIDs := ids(recs[tc.ack:])
			if err := equalIDs(ids(got), wantIDs); err != nil {
				t.Fatalf("after reopen: %v", err)
			}
			if st := s.Stats(); st.Records != tc.n-tc.ack || st.TornRecords != 0 || st.DroppedRecords != 0 {
				t.Errorf("stats %+v, want %d records and no losses", st, tc.n-tc.ack)
			}
			if tc.ack == tc.n {
				segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.spool"))
				if len(segs) != 1 {
					t.Errorf("%d segment files after acknowledging everything, want 1 (the active one)", len(segs))
				}
			}
		})
	}
}

// TestSpoolTornRecord cuts the last segment at every kind of place inside its last record (as
// kill -9 or a power loss mid-write would): reopening drops that record only, and the spool
// takes new records after it.
func TestSpoolTornRecord(t *testing.T) {
	const n = 5
	cases := []struct {
		name string
		cut  func(size, lastLen int64) int64 // new file size
	}{
		{"inside header", func(size, last int64) int64 { return size - last + 3 }},
		{"after header", func(size, last int64) int64 { return size - last + 8 }},
		{"mid payload", func(size, last int64) int64 { return size - last/2 }},
		{"one byte short", func(size, last int64) int64 { return size - 1 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openSpool(t, dir, collectors.SpoolOptions{NoSync: true})
			var evs []events.Event
			for i := range n {
				evs = append(evs, batchEvent(t, "n1", i))
			}
			mustAppend(t, s, evs...)
			s.Close()
			segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.spool"))
			if len(segs) != 1 {
				t.Fatalf("%d segments, want 1", len(segs))
			}
			fi, _ := os.Stat(segs[0])
			last, _ := events.Marshal(evs[n-1])
			if err := os.Truncate(segs[0], tc.cut(fi.Size(), int64(len(last))+8)); err != nil {
				t.Fatal(err)
			}
			s = openSpool(t, dir, collectors.SpoolOptions{NoSync: true})
			defer s.Close()
			if st := s.Stats(); st.TornRecords != 1 || st.Records != n-1 {
				t.Fatalf("stats %+v, want 1 torn and %d records", st, n-1)
			}
			extra := batchEvent(t, "n1", 100)
			mustAppend(t, s, extra)
			recs, err := s.Peek(10)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{evs[0].ID, evs[1].ID, evs[2].ID, evs[3].ID, extra.ID}
			if err := equalIDs(ids(recs), want); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSpoolCorruptRecord: a flipped byte in a record's payload fails its CRC; the damaged
// record and the rest of its segment are dropped rather than replayed as garbage.
func TestSpoolCorruptRecord(t *testing.T) {
	dir := t.TempDir()
	s := openSpool(t, dir, collectors.SpoolOptions{NoSync: true})
	for i := range 4 {
		mustAppend(t, s, batchEvent(t, "n1", i))
	}
	s.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.spool"))
	b, _ := os.ReadFile(segs[0])
	b[len(b)-10] ^= 0xff
	os.WriteFile(segs[0], b, 0o640)
	s = openSpool(t, dir, collectors.SpoolOptions{NoSync: true})
	defer s.Close()
	if st := s.Stats(); st.TornRecords != 1 || st.Records != 3 {
		t.Fatalf("stats %+v, want 1 torn and 3 records", st)
	}
}

// TestSpoolFull: at the size limit the oldest segment goes; what stays is the newest records in
// order, the files stay within the limit, and the loss is counted.
func TestSpoolFull(t *testing.T) {
	cases := []struct {
		name      string
		max, seg  int64
		n         int
		wantDrops bool
	}{
		{"fits", 1 << 20, 0, 50, false},
		{"overflows", 20_000, 4_000, 400, true},
		{"overflows a lot", 12_000, 1_000, 2_000, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openSpool(t, dir, collectors.SpoolOptions{MaxBytes: tc.max, SegmentBytes: tc.seg, NoSync: true})
			defer s.Close()
			var all []string
			for i := range tc.n {
				ev := batchEvent(t, "n1", i)
				all = append(all, ev.ID)
				mustAppend(t, s, ev)
				if st := s.Stats(); st.Bytes > tc.max {
					t.Fatalf("after %d appends the spool holds %d bytes, limit %d", i+1, st.Bytes, tc.max)
				}
			}
			st := s.Stats()
			if (st.DroppedRecords > 0) != tc.wantDrops {
				t.Fatalf("dropped %d records, want drops: %v", st.DroppedRecords, tc.wantDrops)
			}
			if int(st.DroppedRecords)+st.Records != tc.n {
				t.Errorf("dropped %d + kept %d != appended %d", st.DroppedRecords, st.Records, tc.n)
			}
			recs, err := s.Peek(tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if err := equalIDs(ids(recs), all[tc.n-len(recs):]); err != nil {
				t.Errorf("kept records are not the newest in order: %v", err)
			}
			// The files on disk agree with the count.
			var size int64
			segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.spool"))
			for _, p := range segs {
				fi, _ := os.Stat(p)
				size += fi.Size()
			}
			if size != st.Bytes {
				t.Errorf("segment files hold %d bytes, stats say %d", size, st.Bytes)
			}
		})
	}
}

// TestSpoolAbandoned simulates kill -9: the spool is never closed, and a second one opened on the
// same directory sees exactly the unacknowledged records.
func TestSpoolAbandoned(t *testing.T) {
	dir := t.TempDir()
	s := openSpool(t, dir, collectors.SpoolOptions{SegmentBytes: 3000})
	var evs []events.Event
	for i := range 40 {
		evs = append(evs, batchEvent(t, "n1", i))
	}
	mustAppend(t, s, evs...)
	recs, _ := s.Peek(25)
	if err := s.Ack(recs[24].Pos); err != nil {
		t.Fatal(err)
	}
	// No Close: the process is gone.
	s2 := openSpool(t, dir, collectors.SpoolOptions{SegmentBytes: 3000})
	defer s2.Close()
	got, _ := s2.Peek(100)
	want := make([]string, 0, 15)
	for _, e := range evs[25:] {
		want = append(want, e.ID)
	}
	if err := equalIDs(ids(got), want); err != nil {
		t.Fatal(err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for _, payload := range [][]byte{[]byte("{}"), bytes.Repeat([]byte("x"), 70_000)} {
		rec := collectors.EncodeRecord(nil, payload)
		got, err := collectors.DecodeRecord(rec)
		if err != nil || !bytes.Equal(got, payload) {
			t.Fatalf("round trip of %d bytes: %v", len(payload), err)
		}
		for cut := range len(rec) {
			if _, err := collectors.DecodeRecord(rec[:cut]); err == nil {
				t.Fatalf("record cut at %d of %d decoded", cut, len(rec))
			}
			if cut > 200 {
				break
			}
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(collectors.EncodeRecord(nil, []byte(`{"v":1}`)))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 'x'})
	f.Add([]byte{255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := collectors.DecodeRecord(b)
		if err != nil {
			return
		}
		// A record that decodes re-encodes to the same bytes.
		if re := collectors.EncodeRecord(nil, p); !bytes.Equal(re, b[:len(re)]) {
			t.Fatalf("decoded record does not re-encode to its input")
		}
		if len(p) == 0 || len(p) > collectors.MaxRecordBytes {
			t.Fatalf("payload of %d bytes accepted", len(p))
		}
	})
}
