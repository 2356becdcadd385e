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
	trace := filepath.Join("testdata", "itp_sample.csv")
	for i := range 2 { // the second import stores nothing new
		code, out, errOut := runCLI(t, "import", "--nats", url, "--format", "itp", trace)
		if code != 0 {
			t.Fatalf("import %d: exit %d: %s", i, code, errOut)
		}
		if i == 1 && !strings.Contains(out, "0 events new") {
			t.Errorf("second import stored events again: %s", out)
		}
	}
	code, replayed, errOut := runCLI(t, "replay", "--nats", url, "--json", "-")
	if code != 0 {
		t.Fatalf("replay: exit %d: %s", code, errOut)
	}
	code, simulated, errOut := runCLI(t, "simulate", "--workload", trace, "--format", "itp", "--json", "-")
	if code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, errOut)
	}
	if a, b := policiesOf(t, replayed), policiesOf(t, simulated); a != b {
		t.Errorf("replay and simulate differ:\nreplay:   %.300s\nsimulate: %.300s", a, b)
	}
}

func TestEventsExportImportRoundTrip(t *testing.T) {
	src, dst := startLog(t), startLog(t)
	trace := filepath.Join("testdata", "philly_sample.csv")
	if code, _, errOut := runCLI(t, "import", "--nats", src, "--format", "genpw", trace); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	dir := t.TempDir()
	first, second := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	if code, _, errOut := runCLI(t, "events", "export", "--nats", src, "--out", first); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	if code, _, errOut := runCLI(t, "events", "import", "--nats", dst, first); code != 0 {
		t.Fatalf("events import: %s", errOut)
	}
	if code, _, errOut := runCLI(t, "events", "export", "--nats", dst, "--out", second); code != 0 {
		t.Fatalf("export again: %s", errOut)
	}
	a, _ := os.ReadFile(first)
	b, _ := os.ReadFile(second)
	if n := strings.Count(string(a), "\n"); n != 200 {
		t.Errorf("export holds %d events, want the fixture's 200 jobs", n)
	}
	if len(a) == 0 || string(a) != string(b) {
		t.Errorf("export of the copy differs from the original export (%d and %d bytes)", len(a), len(b))
	}
	// A time range and a kind filter narrow the export.
	code, out, errOut := runCLI(t, "events", "export", "--nats", src, "--kind", "gpu.samples", "--out", "-")
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
			code, _, errOut := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q in it)", code, tc.code, errOut, tc.want)
			}
		})
	}
}

// Two clusters imported at once keep their owners apart: itp owners are synthetic (u01...) in
// every cluster, so each file's owners get its stem, and the summary counts them per file.
func TestImportSeveralClustersKeepsOwnersApart(t *testing.T) {
	itp, err := os.ReadFile(filepath.Join("testdata", "itp_sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "cluster01.csv"), filepath.Join(dir, "cluster02.csv")
	lines := strings.SplitAfter(string(itp), "\n")
	if err := os.WriteFile(a, []byte(strings.Join(lines[:101], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte(lines[0]+strings.Join(lines[101:], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		extra []string
		want  []string // in stdout
		owner string   // an owner name in the export
	}{
		{"prefixed", nil, []string{"cluster01.csv: 100 jobs of ", "owners (named cluster01/...)", "cluster02.csv: 100 jobs of ", "(named cluster02/...)"}, `"owner":"cluster02/u`},
		{"merged", []string{"--merge-owners"}, []string{"cluster01.csv: 100 jobs of ", "cluster02.csv: 100 jobs of "}, `"owner":"u`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "jobs.jsonl")
			args := append([]string{"import", "--format", "itp", "--out", out, a, b}, tc.extra...)
			code, stdout, stderr := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("summary lacks %q:\n%s", w, stdout)
				}
			}
			if tc.name == "merged" && strings.Contains(stdout, "named") {
				t.Errorf("merged import claims prefixes:\n%s", stdout)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), tc.owner) {
				t.Errorf("export has no owner like %s", tc.owner)
			}
		})
	}
}
