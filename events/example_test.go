package events_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gpuplan/gpuplan/events"
)

// A collector's sample batch goes through a JSON Lines export, is read back on another machine
// next to an event of a kind this version does not know, and is replayed from a store.
func Example() {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	batch := events.GPUSampleBatch{Node: "node-a", Site: "lab-3", IntervalS: 10, GPUs: []events.GPUSample{
		{Index: 0, UUID: "GPU-1", UtilPct: 97, PowerW: 612.5, Processes: []events.GPUProcess{{PID: 4242, User: "kim"}}},
	}}
	e, err := events.New(events.KindGPUSampleBatch, events.DeriveID("node-a", at.Format(time.RFC3339Nano)), "node-a", at, batch)
	if err != nil {
		panic(err)
	}

	var file bytes.Buffer
	w := events.NewWriter(&file)
	if err := w.Write(e); err != nil {
		panic(err)
	}
	if err := w.Flush(); err != nil {
		panic(err)
	}
	file.WriteString(`{"v":1,"id":"f1","kind":"gpu.fans","source":"node-a","time":"2026-03-04T05:06:08Z","data":{"fan_pct":40}}` + "\n")
	fmt.Print(file.String())

	var store events.MemStore
	r := events.NewReader(&file, "export.jsonl", events.ReaderOptions{})
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		if err := store.Append(context.Background(), e, e); err != nil { // the duplicate is dropped
			panic(err)
		}
	}
	fmt.Println("skipped:", r.Skipped())

	_ = store.Replay(context.Background(), at, time.Time{}, []events.Kind{events.KindGPUSampleBatch}, func(e events.Event) error {
		b, err := events.DecodeAs[events.GPUSampleBatch](e)
		if err != nil {
			return err
		}
		subject, _ := e.Subject("")
		fmt.Printf("%s %s: GPU %d at %g%%, %g W, pid %d of %s\n", subject, e.Time.Format(time.TimeOnly),
			b.GPUs[0].Index, b.GPUs[0].UtilPct, b.GPUs[0].PowerW, b.GPUs[0].Processes[0].PID, b.GPUs[0].Processes[0].User)
		return nil
	})
	fmt.Println("stored:", store.Len())
	// Output:
	// {"v":1,"id":"010356b082de029891da1b192731694f","kind":"gpu.samples","source":"node-a","time":"2026-03-04T05:06:07.000000000Z","data":{"node":"node-a","site":"lab-3","interval_s":10,"gpus":[{"index":0,"uuid":"GPU-1","util_pct":97,"mem_used_bytes":0,"mem_total_bytes":0,"power_w":612.5,"throttle_reasons":0,"processes":[{"pid":4242,"user":"kim"}]}]}}
	// {"v":1,"id":"f1","kind":"gpu.fans","source":"node-a","time":"2026-03-04T05:06:08Z","data":{"fan_pct":40}}
	// skipped: [{gpu.fans 1 1}]
	// gpuplan.lab-3.gpu.samples.node-a 05:06:07: GPU 0 at 97%, 612.5 W, pid 4242 of kim
	// stored: 1
}
