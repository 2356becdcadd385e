package projection_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/projection"
)

// FuzzAdd feeds arbitrary payloads, times and kinds, between well-formed batches: Add must never
// panic, and whatever it accepts must project into sane jobs and pools.
func FuzzAdd(f *testing.F) {
	var seeds [][]byte
	for _, e := range []events.Event{
		batch(f, "node-a", 60, busy(0, 50, 300, 1, "kim"), busy(1, 70, 400, 1, "kim")),
		assign(f, "a1", "alice", "g", "node-a", 0, 0, 1),
		release(f, "r1", "alice", "node-a", 0, "GPU-node-a-0"),
		inventory(f, "node-a", "lab", "H100", 2),
	} {
		seeds = append(seeds, e.Data)
	}
	f.Add(bytes.Join(seeds, []byte{0}), uint8(2), int64(120), int64(0))
	f.Add([]byte(`{"node":"n","interval_s":1e-9,"gpus":[{"index":-5,"uuid":"","util_pct":-3,"power_w":-1,"processes":[{"pid":2147483647},{"pid":-1},{"pid":2147483648}]}]}`), uint8(2), int64(0), int64(1))
	f.Add([]byte(`{"owner":"o","node":"n","gpu_uuids":[""],"gpu_indices":[-1,0,0]}`), uint8(3), int64(-1<<40), int64(0))
	f.Add([]byte(`{"node":"n","interval_s":60,"gpus":[{"index":0,"processes":[{"pid":1,"user":"a"},{"pid":1,"user":"b"}]},{"index":0,"uuid":"x","processes":[{"pid":1}]}]}`), uint8(2), int64(1), int64(7))
	f.Fuzz(func(t *testing.T, data []byte, kind uint8, sec, nsec int64) {
		kinds := []events.Kind{events.KindGPUSampleBatch, events.KindOwnershipAssigned, events.KindOwnershipReleased,
			events.KindGPUInventory, events.KindJobFinished, events.KindUnknown}
		for _, window := range []time.Duration{-1, time.Minute} {
			p := projection.New(projection.Options{MaxLateness: window, MaxGapIntervals: int(kind%5) - 1})
			_ = p.Add(batch(t, "n", 60, busy(0, 50, 300, 1, "kim")))
			for i, chunk := range bytes.Split(data, []byte{0}) {
				e := events.Event{V: 1, ID: "f" + string(rune('a'+i%26)), Kind: kinds[(int(kind)+i)%len(kinds)],
					Time: time.Unix(sec+int64(i)*60, nsec).UTC(), Data: chunk}
				_ = p.Add(e)
			}
			_ = p.Add(batch(t, "n", 180, busy(0, 50, 300, 1, "kim")))
			jobs, st := p.Jobs()
			for _, j := range jobs {
				if !j.End.After(j.Start) || len(j.GPUs) == 0 || j.Util < 0 || j.Util > 1 || j.PowerW < 0 || j.Owner == "" {
					t.Fatalf("bad job %+v", j)
				}
			}
			if st.Jobs != len(jobs) {
				t.Fatalf("stats %+v for %d jobs", st, len(jobs))
			}
			w, _ := p.Workload()
			if len(w.Jobs) != len(jobs) {
				t.Fatalf("workload of %d jobs from %d", len(w.Jobs), len(jobs))
			}
			_, _ = projection.FinishedEvents(jobs, "fuzz")
			pools, _ := p.Ownership().Pools(time.Time{})
			for _, pl := range pools {
				if pl.GPUs < 0 || pl.GPUsPerNode > 0 && pl.GPUs%pl.GPUsPerNode != 0 {
					t.Fatalf("bad pool %+v", pl)
				}
			}
		}
	})
}
