package jetstream

import (
	"encoding/json"
	"testing"

	"github.com/gpuplan/gpuplan/events"
)

var routeCases = []struct {
	data       string
	site, node string
	ok         bool
}{
	{`{"node":"n1","site":"lab"}`, "lab", "n1", true},
	{` { "site" : "lab" , "gpus" : [ {"node":"inner"} ], "node":"n1" } `, "lab", "n1", true},
	{`{"nodes":["a","b"]}`, "", "a", true},
	{`{"node":"x","nodes":["a"]}`, "", "x", true},
	{`{"node":"","nodes":["a"]}`, "", "a", true},
	{`{"nodes":[]}`, "", "", true},
	{`{"nodes":null,"node":null}`, "", "", true},
	{`{"Node":"n1","SITE":"s"}`, "s", "n1", true}, // encoding/json matches keys without case
	{`{"node":"a","node":"b"}`, "", "b", true},    // the last duplicate wins
	{`{"node":"a","node":null}`, "", "a", true},   // null leaves the value
	{`{"x":"}","y":[1,{"node":"q"}],"z":-1.5e3,"node":"n"}`, "", "n", true},
	{`{}`, "", "", true},
	{`{"node":"a\"b"}`, "", "", false},   // escapes: full decoder
	{`{"nod\u0065":"n"}`, "", "", false}, // escaped key
	{`{"node":"ü"}`, "", "", false},      // non-ASCII
	{`{"node":5}`, "", "", false},        // wrong type
	{`{"nodes":["a",null]}`, "", "", false},
	{`{"nodes":[1]}`, "", "", false},
	{`{"node":"n"`, "", "", false},
	{`[]`, "", "", false},
}

func TestRouteFields(t *testing.T) {
	for _, tc := range routeCases {
		site, node, ok := routeFields([]byte(tc.data))
		if ok != tc.ok || ok && (site != tc.site || node != tc.node) {
			t.Errorf("%s: got (%q, %q, %v), want (%q, %q, %v)", tc.data, site, node, ok, tc.site, tc.node, tc.ok)
		}
	}
}

// FuzzRouteFields checks the fast scan against encoding/json, through Event.Subject, whenever
// the scan claims to know the answer.
func FuzzRouteFields(f *testing.F) {
	for _, tc := range routeCases {
		f.Add(tc.data)
	}
	f.Fuzz(func(t *testing.T, data string) {
		site, node, ok := routeFields([]byte(data))
		if !ok {
			return
		}
		if !json.Valid([]byte(data)) {
			return // callers validate first; on invalid input the scan may guess
		}
		e := events.Event{V: 1, ID: "x", Kind: events.KindGPUSampleBatch, Time: t0, Data: json.RawMessage(data)}
		want, err := e.Subject("")
		if err != nil {
			t.Fatalf("%s: scan says (%q, %q), encoding/json fails: %v", data, site, node, err)
		}
		if got := events.Subject("", site, "gpu.samples", node); got != want {
			t.Fatalf("%s: scan gives %s, encoding/json %s", data, got, want)
		}
	})
}
