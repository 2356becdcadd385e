package planner_test

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/planner"
)

// FuzzParseAxis: any --sweep text either fails with ErrBadParam or gives a known key whose every
// value re-parses to itself and lies in range (an accepted axis must be runnable).
func FuzzParseAxis(f *testing.F) {
	for _, s := range []string{"farm_share=0,0.5,1", "policy=fifo,easy", "cap_mode=queue", "farm_gpus=8,16",
		"load_growth=1e308", "power_cap_kw=-0", "estimate_factor=NaN", "=", "a=b=c", "farm_share=0x1p-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := planner.ParseAxis(s)
		if err != nil {
			return
		}
		if !slices.Contains(planner.Keys(), a.Key) || len(a.Values) == 0 {
			t.Fatalf("%q: accepted %+v", s, a)
		}
		for _, v := range a.Values {
			switch x := v.(type) {
			case float64:
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Fatalf("%q: accepted %v", s, x)
				}
			case string:
				if strings.ContainsAny(x, ",=") {
					t.Fatalf("%q: value %q", s, x)
				}
			default:
				t.Fatalf("%q: value of type %T", s, v)
			}
		}
		// The JSON form (results.json's sweep) reads back to the same values.
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var back planner.Axis
		if err := json.Unmarshal(b, &back); err != nil || !slices.Equal(back.Values, a.Values) {
			t.Fatalf("%q: JSON %s read back as %+v (%v)", s, b, back, err)
		}
	})
}

// FuzzStatJSON: a Stat read from any JSON either fails or writes valid JSON again.
func FuzzStatJSON(f *testing.F) {
	f.Add(`{"mean":1,"lo":null,"hi":2,"sd":0.5,"n":3}`)
	f.Add(`{"mean":1e400}`)
	f.Fuzz(func(t *testing.T, s string) {
		var st planner.Stat
		if json.Unmarshal([]byte(s), &st) != nil {
			return
		}
		b, err := json.Marshal(st)
		if err != nil || !json.Valid(b) {
			t.Fatalf("%q: wrote %s, %v", s, b, err)
		}
	})
}
