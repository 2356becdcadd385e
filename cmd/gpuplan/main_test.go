package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gpuplan runs the CLI in-process and returns its exit status and output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSimulateSmallTable(t *testing.T) {
	code, out, errOut := runCLI(t, "simulate", "--scenario", "small")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"fragmented", "fifo", "easy", "mean wait (h)", "GPU utilization", "facility energy (MWh)"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestSimulateJSONStdoutIsCleanAndDeterministic(t *testing.T) {
	code1, out1, err1 := runCLI(t, "simulate", "--scenario", "small", "--json", "-")
	code2, out2, _ := runCLI(t, "simulate", "--scenario", "small", "--json", "-")
	if code1 != 0 || code2 != 0 {
		t.Fatalf("exit %d/%d: %s", code1, code2, err1)
	}
	var doc struct {
		Scenario string `json:"scenario"`
		Version  string `json:"version"`
		Policies []struct {
			Name string `json:"name"`
			Jobs struct{ Submitted, Completed, Infeasible int }
		} `json:"policies"`
	}
	if err := json.Unmarshal([]byte(out1), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, out1)
	}
	if doc.Scenario != "small" || len(doc.Policies) == 0 {
		t.Fatalf("unexpected document: %+v", doc)
	}
	for _, p := range doc.Policies {
		if p.Jobs.Completed+p.Jobs.Infeasible != p.Jobs.Submitted || p.Jobs.Submitted == 0 {
			t.Errorf("%s: jobs %+v do not add up", p.Name, p.Jobs)
		}
	}
	if out1 != out2 {
		t.Error("two runs of the same scenario gave different JSON")
	}
}

func TestSimulateWorkloadFilesAndPerJob(t *testing.T) {
	workload := writeFile(t, "jobs.csv", `id,owner,submit_s,gpus,duration_s
a,alice,0,2,100
b,alice,10,2,100
c,bob,20,1,50
d,bob,30,64,10
`)
	pools := writeFile(t, "pools.csv", "owner,gpus\nalice,2\nbob,2\n")
	perJob := filepath.Join(t.TempDir(), "jobs-out.csv")
	code, _, errOut := runCLI(t, "simulate", "--workload", workload, "--pools", pools,
		"--policy", "fragmented,fifo", "--placement", "pool", "--per-job", perJob)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	fh, err := os.Open(perJob)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rows[0], ","), "id,owner,policy,submit_s,start_s,end_s,wait_s,gpus,infeasible"; got != want {
		t.Fatalf("header %q, want %q", got, want)
	}
	if len(rows) != 1+4*2 {
		t.Fatalf("got %d rows, want 8 jobs plus header", len(rows))
	}
	byKey := map[string][]string{}
	for _, r := range rows[1:] {
		byKey[r[0]+"/"+r[2]] = r
	}
	// Fragmented: alice's second job waits for her first (2 GPUs, 0..100), so starts at 100.
	if r := byKey["b/fragmented"]; r[4] != "100" || r[6] != "90" {
		t.Errorf("b/fragmented = %v, want start 100 wait 90", r)
	}
	// Farm fifo over 4 GPUs: b fits beside a at 10.
	if r := byKey["b/fifo"]; r[4] != "10" || r[6] != "0" {
		t.Errorf("b/fifo = %v, want start 10 wait 0", r)
	}
	// 64 GPUs fit nowhere: infeasible, reported, not an error.
	if r := byKey["d/fifo"]; r[8] != "true" || r[4] != "" {
		t.Errorf("d/fifo = %v, want infeasible", r)
	}
}

func TestBadInput(t *testing.T) {
	badRow := writeFile(t, "bad.csv", "id,owner,submit_s,gpus,duration_s\na,alice,0,1,100\nb,alice,xx,1,100\n")
	negative := writeFile(t, "neg.csv", "id,owner,submit_s,gpus,duration_s\na,alice,0,1,-5\n")
	good := writeFile(t, "good.csv", "id,owner,submit_s,gpus,duration_s\na,alice,0,1,5\na2,carol,0,1,5\n")
	pools := writeFile(t, "pools.csv", "owner,gpus\nalice,4\n")
	badScenario := writeFile(t, "bad.yaml", "name: broken\nsites:\n  - name: lab\n    pue: 0.5\n")
	tests := []struct {
		name string
		args []string
		code int
		want []string // all must appear in stderr
	}{
		{"unknown flag", []string{"simulate", "--bogus"}, 2, []string{"bogus"}},
		{"unknown command", []string{"simulat"}, 2, []string{"simulat", "did you mean simulate"}},
		{"nothing to do", []string{"simulate"}, 2, []string{"--scenario"}},
		{"missing file", []string{"simulate", "--workload", "/nonexistent/jobs.csv"}, 1, []string{"/nonexistent/jobs.csv"}},
		{"unknown scenario", []string{"simulate", "--scenario", "no-such-scenario"}, 1, []string{"no-such-scenario"}},
		{"malformed row", []string{"simulate", "--workload", badRow}, 1, []string{"bad.csv", "row 3", "submit_s"}},
		{"negative duration", []string{"simulate", "--workload", negative}, 1, []string{"neg.csv", "duration_s"}},
		{"unknown owner", []string{"simulate", "--workload", good, "--pools", pools}, 1, []string{"carol"}},
		{"unknown policy", []string{"simulate", "--scenario", "small", "--policy", "lottery"}, 2, []string{"lottery"}},
		{"repeated policy", []string{"simulate", "--scenario", "small", "--policy", "easy,fifo,easy"}, 2, []string{`policy "easy" listed twice`}},
		{"bad placement", []string{"simulate", "--scenario", "small", "--placement", "random"}, 2, []string{"placement"}},
		{"unknown format", []string{"simulate", "--workload", good, "--format", "parquet"}, 2, []string{"parquet"}},
		{"invalid scenario", []string{"simulate", "--scenario", badScenario}, 1, []string{"bad.yaml", "pue"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q: %s", w, errOut)
				}
			}
			if tc.code != 0 && out != "" {
				t.Errorf("stdout not empty on failure: %q", out)
			}
		})
	}
}

func TestScenariosLists(t *testing.T) {
	code, out, _ := runCLI(t, "scenarios")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, name := range []string{"institute-3000", "small"} {
		if !strings.Contains(out, name) {
			t.Errorf("scenarios output lacks %s:\n%s", name, out)
		}
	}
}

func TestThousands(t *testing.T) {
	tests := []struct {
		x    float64
		dec  int
		want string
	}{
		{0, 0, "0"}, {999, 0, "999"}, {1000, 0, "1,000"}, {1234567.891, 2, "1,234,567.89"},
		{-1234.5, 1, "-1,234.5"}, {-0.001, 1, "0.0"},
	}
	for _, tc := range tests {
		if got := thousands(tc.x, tc.dec); got != tc.want {
			t.Errorf("thousands(%v, %d) = %q, want %q", tc.x, tc.dec, got, tc.want)
		}
	}
}

// The demo is the README's first command: it must run the whole pipeline and leave results.
func TestDemoEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo runs the seed case: a few seconds")
	}
	smallDemoBrief(t)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "demo", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"1. Event log", "events", "every 5 min", "jobs of 12 researchers derived", "2. Policies", "3. The seed case (institute-3000): 300 researchers", "results:"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// Headings read as sentences: no repeated words, no Go duration syntax.
	for _, bad := range []string{"seed case: seed case", "5m0s"} {
		if strings.Contains(stdout, bad) {
			t.Errorf("demo output says %q", bad)
		}
	}
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := policiesOf(t, string(data)); !strings.Contains(got, `"name":"fragmented"`) && !strings.Contains(got, `"name": "fragmented"`) {
		t.Errorf("results.json lacks the fragmented policy: %.200s", got)
	}
	checkDemoBrief(t, out, stdout)
}
