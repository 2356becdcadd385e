package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/events/natsserver"
)

// startLog runs an embedded JetStream server on a free loopback port for one test.
func startLog(t *testing.T) string {
	t.Helper()
	srv, err := natsserver.Start(natsserver.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return srv.URL()
}

// policiesOf returns the "policies" member of a results document, as raw bytes.
func policiesOf(t *testing.T, doc string) string {
	t.Helper()
	var v struct {
		Policies json.RawMessage `json:"policies"`
	}
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("not a results document: %v", err)
	}
	return string(v.Policies)
}

// The log is the source of truth: replaying imported jobs must give exactly what simulating the
// file gives.
func TestImportReplayEqualsSimulate(t *testing.T) {
	url := startLog(t)
	trace := filepath.Join("..", "..", "scenarios", "traces", "testdata", "itp_sample.csv")
	if _, err := os.Stat(trace); err != nil {
		t.Skipf("fixture missing: %v", err)
	}
	for i := range 2 { // the second import stores nothing new
		code, out, errOut := gpuplan(t, "import", "--nats", url, "--format", "itp", trace)
		if code != 0 {
			t.Fatalf("import %d: exit %d: %s", i, code, errOut)
		}
		if i == 1 && !strings.Contains(out, "0 events new") {
			t.Errorf("second import stored events again: %s", out)
		}
	}
	code, replayed, errOut := gpuplan(t, "replay", "--nats", url, "--json", "-")
	if code != 0 {
		t.Fatalf("replay: exit %d: %s", code, errOut)
	}
	code, simulated, errOut := gpuplan(t, "simulate", "--workload", trace, "--format", "itp", "--json", "-")
	if code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, errOut)
	}
	if a, b := policiesOf(t, replayed), policiesOf(t, simulated); a != b {
		t.Errorf("replay and simulate differ:\nreplay:   %.300s\nsimulate: %.300s", a, b)
	}
}

func TestEventsExportImportRoundTrip(t *testing.T) {
	src, dst := startLog(t), startLog(t)
	trace := filepath.Join("..", "..", "scenarios", "traces", "testdata", "philly_sample.csv")
	if _, err := os.Stat(trace); err != nil {
		t.Skipf("fixture missing: %v", err)
	}
	if code, _, errOut := gpuplan(t, "import", "--nats", src, "--format", "genpw", trace); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	dir := t.TempDir()
	first, second := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	if code, _, errOut := gpuplan(t, "events", "export", "--nats", src, "--out", first); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	if code, _, errOut := gpuplan(t, "events", "import", "--nats", dst, first); code != 0 {
		t.Fatalf("events import: %s", errOut)
	}
	if code, _, errOut := gpuplan(t, "events", "export", "--nats", dst, "--out", second); code != 0 {
		t.Fatalf("export again: %s", errOut)
	}
	a, _ := os.ReadFile(first)
	b, _ := os.ReadFile(second)
	if len(a) == 0 || string(a) != string(b) {
		t.Errorf("export of the copy differs from the original export (%d and %d bytes)", len(a), len(b))
	}
	// A time range and a kind filter narrow the export.
	code, out, errOut := gpuplan(t, "events", "export", "--nats", src, "--kind", "gpu.samples", "--out", "-")
	if code != 0 || out != "" {
		t.Errorf("export of a kind never stored: exit %d, %d bytes: %s", code, len(out), errOut)
	}
}

func TestLogCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"server down", []string{"replay", "--nats", "nats://127.0.0.1:1"}, 1, "nats://127.0.0.1:1"},
		{"import without a log", []string{"import", "x.csv"}, 2, "--nats"},
		{"bad time", []string{"replay", "--nats", "nats://127.0.0.1:1", "--since", "yesterday"}, 2, "--since"},
		{"unknown kind", []string{"events", "export", "--nats", "nats://127.0.0.1:1", "--kind", "gpu.smaples", "--out", "-"}, 2, "gpu.smaples"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := gpuplan(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q in it)", code, tc.code, errOut, tc.want)
			}
		})
	}
}
