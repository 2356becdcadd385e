package natsqueue

import (
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/gpuplan/gpuplan/planner"
)

// FuzzDecodeTask: any bytes give a task that passes the checks or ErrBadMessage, never a panic;
// a task that decodes encodes to one that decodes to the same point.
func FuzzDecodeTask(f *testing.F) {
	f.Add([]byte(`{"batch":"b","index":3,"seed":7,"point":[{"key":"farm_share","value":0.5},{"key":"policy","value":"easy"}],"scenario":{"builtin":"small","hash":"ab"}}`))
	f.Add([]byte(`{"batch":"b","index":-1}`))
	f.Add([]byte(`{"batch":"b","point":[{"key":"x","value":[1]}],"scenario":{"yaml":"a: 1","hash":"h"}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tk, err := decodeTask(data)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error %v is not ErrBadMessage", err)
			}
			return
		}
		again, err := json.Marshal(tk)
		if err != nil {
			t.Fatal(err)
		}
		tk2, err := decodeTask(again)
		if err != nil {
			t.Fatalf("re-encoded task refused: %v", err)
		}
		p1, p2 := tk.point(), tk2.point()
		if len(p1) != len(p2) {
			t.Fatalf("point %v became %v", p1, p2)
		}
		for i := range p1 {
			if p1[i] != p2[i] {
				t.Fatalf("point %v became %v", p1, p2)
			}
		}
	})
}

// FuzzDecodeResult: any bytes give a result or ErrBadMessage; metrics read back bit for bit.
func FuzzDecodeResult(f *testing.F) {
	f.Add([]byte(`{"batch":"b","index":0,"seed":1,"metrics":{"gpus":"16","wait_p95_s":"NaN","x":"+Inf"}}`))
	f.Add([]byte(`{"batch":"b","index":0,"error":"boom"}`))
	f.Add([]byte(`{"batch":"b","index":0,"metrics":{"gpus":"many"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, m, err := decodeResult(data)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error %v is not ErrBadMessage", err)
			}
			return
		}
		if r.Error != "" {
			return
		}
		r.Metrics = encodeMetrics(m)
		again, _ := json.Marshal(r)
		_, m2, err := decodeResult(again)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			if math.Float64bits(v) != math.Float64bits(m2[k]) && !(math.IsNaN(v) && math.IsNaN(m2[k])) {
				t.Fatalf("%s: %v read back as %v", k, v, m2[k])
			}
		}
	})
}

// TestMetricsRoundTrip: the values a run gives, extremes included, cross the wire exactly.
func TestMetricsRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		v    float64
	}{
		{"zero", 0}, {"negative zero", math.Copysign(0, -1)}, {"third", 1.0 / 3}, {"tiny", math.SmallestNonzeroFloat64},
		{"max", math.MaxFloat64}, {"inf", math.Inf(1)}, {"-inf", math.Inf(-1)}, {"nan", math.NaN()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data, _ := json.Marshal(result{Batch: "b", Metrics: encodeMetrics(planner.Metrics{"m": tc.v})})
			_, m, err := decodeResult(data)
			if err != nil {
				t.Fatal(err)
			}
			got := m["m"]
			same := math.Float64bits(got) == math.Float64bits(tc.v) || (math.IsNaN(got) && math.IsNaN(tc.v))
			if !same { // tolerance: none, bit for bit
				t.Fatalf("%v read back as %v", tc.v, got)
			}
		})
	}
}
