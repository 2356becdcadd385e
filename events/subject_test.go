package events

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

func TestSubject(t *testing.T) {
	for _, tc := range []struct {
		prefix, site, kind, node string
		want                     string
	}{
		{"", "lab-3", "gpu.samples", "node-a", "gpuplan.lab-3.gpu.samples.node-a"},
		{"org.gpuplan", "farm", "job.started", "n01", "org.gpuplan.farm.job.started.n01"},
		{"", "", "planner.run", "", "gpuplan._.planner.run._"},
		{"", "_", "planner.run", "_", "gpuplan.%5F.planner.run.%5F"},
		{"", "lab 3", "gpu.samples", "node.a", "gpuplan.lab%203.gpu.samples.node%2Ea"},
		{"", "a*b", "gpu.samples", "x>y", "gpuplan.a%2Ab.gpu.samples.x%3Ey"},
		{"", "tab\there", "gpu.samples", "50%", "gpuplan.tab%09here.gpu.samples.50%25"},
		{"", "연구동", "gpu.samples", "n", "gpuplan.%EC%97%B0%EA%B5%AC%EB%8F%99.gpu.samples.n"},
		{"", "s", "gpu", "n", "gpuplan.s.gpu._.n"},                     // one-token kind
		{"", "s", "gpu._", "n", "gpuplan.s.gpu.%5F.n"},                 // differs from the one above
		{"", "s", "gpu.power.cap", "n", "gpuplan.s.gpu.power%2Ecap.n"}, // three-token kind
		{"a..b", "s", "job.finished", "n", "a._.b.s.job.finished.n"},
		{"gpu*", "s", "job.finished", "n", "gpu%2A.s.job.finished.n"},
	} {
		if got := Subject(tc.prefix, tc.site, tc.kind, tc.node); got != tc.want {
			t.Errorf("Subject(%q, %q, %q, %q) = %q, want %q", tc.prefix, tc.site, tc.kind, tc.node, got, tc.want)
		}
	}
}

func TestSubjectFilter(t *testing.T) {
	for _, tc := range []struct {
		site, kind, node string
		want             string
	}{
		{"", "", "", "gpuplan.*.*.*.*"},
		{"lab-3", "", "", "gpuplan.lab-3.*.*.*"},
		{"", "gpu.samples", "", "gpuplan.*.gpu.samples.*"},
		{"", "", "node-a", "gpuplan.*.*.*.node-a"},
		{"*", "", ">", "gpuplan.%2A.*.*.%3E"}, // literal wildcards are data, not wildcards
	} {
		if got := SubjectFilter("", tc.site, tc.kind, tc.node); got != tc.want {
			t.Errorf("SubjectFilter(%q, %q, %q) = %q, want %q", tc.site, tc.kind, tc.node, got, tc.want)
		}
	}
}

// TestSubjectTokenProperties checks on seeded random byte strings that a token never holds a
// character NATS forbids and that percent-decoding gives the input back (one-to-one).
func TestSubjectTokenProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	alphabet := []byte("ab_-.*> \t\r\n%Z9\x00\xff\xe2")
	for range 5000 {
		b := make([]byte, rng.IntN(6))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(b)
		tok := SubjectToken(s)
		if tok == "" || strings.ContainsAny(tok, ".*> \t\r\n\x00") {
			t.Fatalf("SubjectToken(%q) = %q holds a forbidden character", s, tok)
		}
		back := ""
		if tok != "_" {
			var err error
			if back, err = url.PathUnescape(tok); err != nil {
				t.Fatalf("SubjectToken(%q) = %q does not decode: %v", s, tok, err)
			}
		}
		if back != s {
			t.Fatalf("SubjectToken(%q) = %q decodes to %q", s, tok, back)
		}
	}
}

func TestEventSubject(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Payload
		want string
	}{
		{"samples", GPUSampleBatch{Node: "node-a", Site: "lab-3", IntervalS: 10}, "gp.lab-3.gpu.samples.node-a"},
		{"inventory without site", GPUInventory{Node: "node-a"}, "gp._.gpu.inventory.node-a"},
		{"job on two nodes", JobFinished{JobID: "j", Site: "farm", Nodes: []string{"n2", "n1"}, GPUs: 1, Start: t0, End: t0}, "gp.farm.job.finished.n2"},
		{"planner", PlannerRun{InputsHash: "h", Site: "farm"}, "gp.farm.planner.run._"},
	} {
		e, err := New(tc.p.Kind(), "x", "", t0, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := e.Subject("gp"); err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	u := Event{V: 1, ID: "u", KindName: "node.power", Time: t0, Data: json.RawMessage(`{"node":"pdu.1","site":7}`)}
	if got, err := u.Subject(""); err != nil || got != "gpuplan._.node.power.pdu%2E1" { // best effort: node kept, site unreadable
		t.Errorf("unknown kind with odd data: %q, %v", got, err)
	}
	k := Event{V: 1, ID: "k", Kind: KindGPUInventory, Time: t0, Data: json.RawMessage(`{"node":7}`)}
	if _, err := k.Subject(""); !errors.Is(err, ErrInvalid) {
		t.Errorf("known kind with bad node: %v", err)
	}
}
