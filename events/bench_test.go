package events

import (
	"bytes"
	"io"
	"testing"
)

// benchBatch is a busy 8-GPU node: the high-volume event a collector sends every interval.
func benchBatch(b *testing.B) Event {
	p := GPUSampleBatch{Node: "dgx-017", Site: "farm", IntervalS: 10}
	for i := range 8 {
		p.GPUs = append(p.GPUs, GPUSample{Index: i, UUID: "GPU-5f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", UtilPct: 93,
			MemUtilPct: 40, MemUsedBytes: 70 << 30, MemTotalBytes: 80 << 30, PowerW: 611.3, PowerLimitW: 700,
			EnergyMJ: 912345678901, TempC: 70, SMClockMHz: 1980, MemClockMHz: 2619, ThrottleReasons: 4,
			Processes: []GPUProcess{{PID: 31337 + i, User: "researcher", UsedMemoryBytes: 69 << 30}}})
	}
	e, err := New(KindGPUSampleBatch, DeriveID("dgx-017", "1"), "dgx-017", t0, p)
	if err != nil {
		b.Fatal(err)
	}
	return e
}

func BenchmarkMarshal(b *testing.B) {
	e := benchBatch(b)
	for b.Loop() {
		if _, err := Marshal(e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalDecode(b *testing.B) {
	line, _ := Marshal(benchBatch(b))
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		e, err := Unmarshal(line)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := DecodeAs[GPUSampleBatch](e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReader(b *testing.B) {
	line, _ := Marshal(benchBatch(b))
	file := bytes.Repeat(append(line, '\n'), 1000)
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		r := NewReader(bytes.NewReader(file), "bench", ReaderOptions{})
		for {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkUnmarshalEnvelope decodes the envelope only (as a replay does), through the fast path
// that Unmarshal tries first and through the general decoder alone.
func BenchmarkUnmarshalEnvelope(b *testing.B) {
	line, _ := Marshal(benchBatch(b))
	for _, tc := range []struct {
		name string
		fn   func([]byte) (Event, error)
	}{{"fast", Unmarshal}, {"general", unmarshalGeneral}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				if _, err := tc.fn(line); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
