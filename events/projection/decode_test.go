package projection

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events"
)

// FuzzDecodeBatch holds the fast decoder to encoding/json: for any payload both accept or both
// reject it, and when they accept, they read the same values.
func FuzzDecodeBatch(f *testing.F) {
	f.Add([]byte(sampleBatch(f).Data))
	for _, s := range []string{
		`{"node":"a","interval_s":60,"gpus":[{"index":0,"processes":[{"pid":1,"user":"kim"}]}]}`,
		`{"NODE":"a","ſite":"s","Interval_S":6e1,"gpus":null}`,
		`{"node":"a\u00e9\n","interval_s":1,"gpus":[null,{"uuid":"\ud800x","util_pct":-0,"power_w":1E400}]}`,
		`{"node":"a","interval_s":1,"gpus":[{"index":1.0}]}`,
		`{"node":"a","interval_s":1,"gpus":[{"mem_used_bytes":-1}]}`,
		`{"node":"a","interval_s":1,"gpus":[{"temp_c":"hot"}],"extra":{"x":[1,2,{"y":null}]}}`,
		`{"node":"a","interval_s":1,"gpus":[{"index":3}],"gpus":[{}]}`,
		`{"node":"a","node":null,"interval_s":1} `,
		`{"node":"a","interval_s":1,"gpus":[{"processes":[null,{"pid":-0}],"index":99999999999999999999}]}`,
		"{\"node\":\"\xff\",\"interval_s\":1}",
		`[]`, `null`, `{"node":"a","interval_s":1}x`, `{"node":"a",}`, `{"node":01}`,
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
		`{"node":"a","interval_s":1,"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d batchDecoder
		fast := d.decode(data)
		if errors.Is(fast, errFallback) {
			return // the projector asks encoding/json itself
		}
		e := events.Event{V: 1, ID: "x", Kind: events.KindGPUSampleBatch, Time: time.Unix(1, 0), Data: data}
		want, slow := events.DecodeAs[events.GPUSampleBatch](e)
		if (fast == nil) != (slow == nil) {
			t.Fatalf("fast decoder: %v; encoding/json: %v", fast, slow)
		}
		if fast != nil {
			return
		}
		if string(d.node) != want.Node || string(d.site) != want.Site || d.interval != want.IntervalS || len(d.gpus) != len(want.GPUs) {
			t.Fatalf("fast %q %q %v %d GPUs; encoding/json %+v", d.node, d.site, d.interval, len(d.gpus), want)
		}
		for i, g := range want.GPUs {
			r := d.gpus[i]
			if r.index != g.Index || string(r.uuid) != g.UUID || r.util != g.UtilPct || r.power != g.PowerW || len(r.procs) != len(g.Processes) {
				t.Fatalf("GPU %d: fast %+v; encoding/json %+v", i, r, g)
			}
			for k, p := range g.Processes {
				if r.procs[k].pid != p.PID || string(r.procs[k].user) != p.User {
					t.Fatalf("GPU %d process %d: fast %+v; encoding/json %+v", i, k, r.procs[k], p)
				}
			}
		}
	})
}

// Decoding reuses its buffers: a second, smaller batch leaves nothing of the first behind.
func TestDecodeReuse(t *testing.T) {
	var d batchDecoder
	if err := d.decode(sampleBatch(t).Data); err != nil {
		t.Fatal(err)
	}
	if err := d.decode([]byte(`{"node":"b","interval_s":5,"gpus":[{"index":2,"processes":[{"pid":3}]},{}]}`)); err != nil {
		t.Fatal(err)
	}
	if string(d.node) != "b" || d.site != nil || len(d.gpus) != 2 || d.gpus[0].index != 2 || d.gpus[0].util != 0 ||
		len(d.gpus[0].procs) != 1 || d.gpus[0].procs[0].user != nil || d.gpus[1].uuid != nil || len(d.gpus[1].procs) != 0 {
		t.Fatalf("decoded %+v", d)
	}
}
