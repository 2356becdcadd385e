package projection

import (
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events"
)

// sampleBatch is an 8-GPU batch as a collector writes it, every field filled.
func sampleBatch(tb testing.TB) events.Event {
	b := events.GPUSampleBatch{Node: "node-001", Site: "lab-1", IntervalS: 60}
	for i := range 8 {
		b.GPUs = append(b.GPUs, events.GPUSample{Index: i, UUID: "GPU-3f2a9c1e-7b4d-4e8f-9a1b-2c3d4e5f6a7b", UtilPct: 71.25,
			MemUtilPct: 33.5, MemUsedBytes: 64424509440, MemTotalBytes: 85899345920, PowerW: 452.37, PowerLimitW: 700,
			EnergyMJ: 123456789012, TempC: 64, SMClockMHz: 1980, MemClockMHz: 2619, ThrottleReasons: 4,
			Processes: []events.GPUProcess{{PID: 41234, User: "kim", UsedMemoryBytes: 64424509440}}})
	}
	e, err := events.New(events.KindGPUSampleBatch, "b", "node-001", time.Unix(1e9, 0), b)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func BenchmarkDecodeFast(b *testing.B) {
	e := sampleBatch(b)
	var d batchDecoder
	b.SetBytes(int64(len(e.Data)))
	for b.Loop() {
		if err := d.decode(e.Data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeJSON(b *testing.B) {
	e := sampleBatch(b)
	b.SetBytes(int64(len(e.Data)))
	for b.Loop() {
		if _, err := events.DecodeAs[events.GPUSampleBatch](e); err != nil {
			b.Fatal(err)
		}
	}
}
