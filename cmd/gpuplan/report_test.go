package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func simulateSmallJSON(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "results.json")
	if code, _, errOut := runCLI(t, "simulate", "--scenario", "small", "--baseline", "fragmented", "--json", path); code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, errOut)
	}
	return path
}

func TestReportWritesEveryFormat(t *testing.T) {
	results := simulateSmallJSON(t)
	out := filepath.Join(t.TempDir(), "brief")
	code, stdout, errOut := runCLI(t, "report", results, "--format", "html,pdf,md,csv", "--lang", "ko,en", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := []string{"brief-ko.html", "brief-ko.pdf", "brief-ko.md", "brief-en.html", "brief-en.pdf", "brief-en.md",
		"brief-policies.csv", "brief-owners.csv", "brief-assumptions.csv"}
	for _, name := range want {
		p := filepath.Join(out, name)
		st, err := os.Stat(p)
		if err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty", name)
		}
		if !strings.Contains(stdout, p) {
			t.Errorf("stdout does not name %s", p)
		}
	}
	// The sources come from the built-in scenario whose hash matches the results.
	csv, err := os.ReadFile(filepath.Join(out, "brief-assumptions.csv"))
	if err != nil || !strings.Contains(string(csv), "prices.krw_per_kwh,182.7") {
		t.Fatalf("assumptions: %v\n%s", err, csv)
	}
	md, _ := os.ReadFile(filepath.Join(out, "brief-ko.md"))
	if !strings.Contains(string(md), "주요 결과") || !strings.Contains(string(md), "Korean industrial tariff B") {
		t.Fatalf("Korean brief lacks findings or sources:\n%s", md)
	}
}

func TestReportPlanFixture(t *testing.T) {
	out := t.TempDir()
	plan := filepath.Join("..", "..", "planner", "report", "testdata", "plan-small.json")
	code, _, errOut := runCLI(t, "report", plan, "--format", "md,csv", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, name := range []string{"brief-en.md", "brief-points.csv", "brief-sizing.csv"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestReportErrors(t *testing.T) {
	good := simulateSmallJSON(t)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	bad := writeFile(t, "bad.json", "{\n  \"policies\": 3\n}")
	tampered := writeFile(t, "tampered.json", strings.Replace(string(data), `"scenario_hash": "`, `"scenario_hash": "0`, 1))
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no file", []string{"report"}, 2, "one results file"},
		{"two files", []string{"report", good, good}, 2, "one results file"},
		{"language", []string{"report", good, "--lang", "fr"}, 2, `"fr"`},
		{"format", []string{"report", good, "--format", "docx"}, 2, `"docx"`},
		{"missing", []string{"report", "nope.json"}, 1, "nope.json"},
		{"malformed", []string{"report", bad}, 1, "bad.json:2: policies"},
		{"other scenario", []string{"report", tampered, "--out", t.TempDir()}, 1, "scenario differs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, c.args...)
			if code != c.code || !strings.Contains(errOut, c.msg) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q)", code, c.code, errOut, c.msg)
			}
		})
	}
}

var seedCase struct {
	once sync.Once
	path string
	err  error
}

// BenchmarkReportSeedCase times `gpuplan report` on the seed case's simulate result (built-in
// institute-3000, fragmented baseline): decoding, the scenario's sources and hash check, and every
// format in one language. The simulate run that makes the input is not timed.
func BenchmarkReportSeedCase(b *testing.B) {
	seedCase.once.Do(func() {
		dir, err := os.MkdirTemp("", "gpuplan-report-bench-")
		if err != nil {
			seedCase.err = err
			return
		}
		seedCase.path = filepath.Join(dir, "results.json")
		if code := run([]string{"simulate", "--scenario", "institute-3000", "--baseline", "fragmented",
			"--json", seedCase.path}, io.Discard, io.Discard); code != 0 {
			seedCase.err = os.ErrInvalid
		}
	})
	if seedCase.err != nil {
		b.Fatal(seedCase.err)
	}
	for _, c := range []struct{ name, formats, lang string }{
		{"all-formats/en", "html,pdf,md,csv", "en"},
		{"all-formats/ko", "html,pdf,md,csv", "ko"},
		{"pdf/ko", "pdf", "ko"},
		{"html/ko", "html", "ko"},
	} {
		b.Run(c.name, func(b *testing.B) {
			out := b.TempDir()
			b.ReportAllocs()
			for b.Loop() {
				if code := run([]string{"report", seedCase.path, "--format", c.formats, "--lang", c.lang, "--out", out},
					io.Discard, io.Discard); code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}
