package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/scenarios"
)

// smallDemoBrief swaps in a sweep of 2 points x 2 seeds for the test's run of the demo: the brief
// is made the same way, in a fraction of the time.
func smallDemoBrief(t *testing.T) {
	t.Helper()
	saved := demoBrief
	demoBrief = demoBriefPlan{axes: []planner.Axis{
		{Key: planner.KeyLoadGrowth, Values: []any{1.5}},
		{Key: planner.KeyFarmGPUs, Values: []any{2000.0}},
		{Key: planner.KeyPolicy, Values: []any{"fifo", "easy"}},
	}, reps: 2}
	t.Cleanup(func() { demoBrief = saved })
}

// checkDemoBrief reads back the brief a demo run wrote into out: every file named on stdout, the
// HTML well-formed with its charts, the PDF's text holding the headline numbers (and Hangul in
// Korean), and the plan behind it holding the swept points with intervals.
func checkDemoBrief(t *testing.T, out, stdout string) {
	t.Helper()
	for _, want := range []string{"4. Policy brief", "load_growth 1.5; farm_gpus 2000; policy fifo, easy", "2 points x 2 seeds"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	data, err := os.ReadFile(filepath.Join(out, "plan", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var plan struct {
		Kind         string `json:"kind"`
		ScenarioHash string `json:"scenario_hash"`
		Points       []struct {
			Metrics map[string]planner.Stat `json:"metrics"`
		} `json:"points"`
		Run struct {
			Policies []struct {
				Name string `json:"name"`
				Jobs struct{ Submitted int }
			} `json:"policies"`
			Comparisons []struct{ Better, Worse, Unchanged int } `json:"comparisons"`
		} `json:"run"`
	}
	if err := json.Unmarshal(data, &plan); err != nil {
		t.Fatal(err)
	}
	if plan.Kind != "plan" || len(plan.Points) != 2 || len(plan.Run.Policies) == 0 || len(plan.Run.Comparisons) == 0 {
		t.Fatalf("plan: kind %q, %d points, %d policies, %d comparisons", plan.Kind, len(plan.Points),
			len(plan.Run.Policies), len(plan.Run.Comparisons))
	}
	for i, p := range plan.Points {
		st := p.Metrics[planner.MetricWaitP95]
		if st.N != 2 || !(st.Lo <= st.Mean && st.Mean <= st.Hi) {
			t.Errorf("point %d: p95 wait %+v, want 2 runs and the mean inside its interval", i, st)
		}
	}
	// At 1.5 times the load on 2,000 GPUs the farm waits: the sweep shows what today's load cannot.
	if w := plan.Points[0].Metrics[planner.MetricWaitP95].Mean; !(w > 0) {
		t.Errorf("p95 wait at load 1.5 on 2,000 GPUs = %g, want > 0", w)
	}
	c := plan.Run.Comparisons[0]
	headline := []string{
		thousands(float64(plan.Run.Policies[0].Jobs.Submitted), 0), // jobs submitted, in the key numbers
		thousands(float64(c.Better+c.Worse+c.Unchanged), 0),        // researchers compared, in the findings
		plan.ScenarioHash[len("sha256:") : len("sha256:")+12],      // the reproducibility footer
	}

	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext (poppler-utils) is needed to read the brief back; .ci/run installs it")
	}
	for _, lang := range []string{"en", "ko"} {
		html := filepath.Join(out, "brief", "brief-"+lang+".html")
		pdf := filepath.Join(out, "brief", "brief-"+lang+".pdf")
		for _, p := range []string{html, pdf} {
			if !strings.Contains(stdout, "brief: "+p+"\n") {
				t.Errorf("demo output does not name %s", p)
			}
		}
		page, err := os.ReadFile(html)
		if err != nil {
			t.Fatal(err)
		}
		text, svgs := readHTML(t, page)
		if svgs < 4 || !strings.Contains(string(page), `data-chart="sweep-wait_p95_s"`) {
			t.Errorf("%s: %d inline SVG charts, sweep chart present %v", html, svgs, strings.Contains(string(page), "sweep-wait_p95_s"))
		}
		got, err := exec.Command(tool, "-enc", "UTF-8", pdf, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext %s: %v", pdf, err)
		}
		for _, want := range headline {
			if !strings.Contains(string(got), want) {
				t.Errorf("%s: PDF text lacks %q", pdf, want)
			}
			if !strings.Contains(text, want) {
				t.Errorf("%s: HTML text lacks %q", html, want)
			}
		}
		// The English brief may quote a Korean source, so only the Korean one is checked for Hangul:
		// its own headings, which a PDF without the embedded font would lose.
		if lang == "ko" {
			if !strings.ContainsFunc(string(got), func(r rune) bool { return unicode.Is(unicode.Hangul, r) }) ||
				!strings.Contains(string(got), "주요 결과") {
				t.Errorf("%s: PDF text lacks Hangul or the heading 주요 결과", pdf)
			}
		}
	}
}

// readHTML parses a brief with the standard library's XML decoder in HTML mode: it fails on a page
// that does not parse, and returns the text and the number of inline SVG charts.
func readHTML(t *testing.T, page []byte) (string, int) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(page))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	var text strings.Builder
	svgs := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return text.String(), svgs
		}
		if err != nil {
			t.Fatalf("HTML does not parse: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "svg" {
				svgs++
			}
		case xml.CharData:
			text.Write(tok)
		}
	}
}

// The demo's default folder is new: a second run in the same second gets its own.
func TestNewDemoDir(t *testing.T) {
	parent := t.TempDir()
	now := time.Date(2026, 12, 7, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name string
		want string
	}{
		{"first", "gpuplan-demo-20261207-030405"},
		{"same second", "gpuplan-demo-20261207-030405-2"},
		{"and again", "gpuplan-demo-20261207-030405-3"},
	}
	for _, c := range cases {
		dir, err := newDemoDir(parent, now)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if dir != filepath.Join(parent, c.want) {
			t.Fatalf("%s: %s, want %s", c.name, dir, c.want)
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			t.Fatalf("%s: %s not made: %v", c.name, dir, err)
		}
		// Something already in the folder would be overwritten by a reuse: mark it.
		if err := os.WriteFile(filepath.Join(dir, "results.json"), []byte(c.name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := newDemoDir(filepath.Join(parent, "missing", "deeper"), now); err == nil {
		t.Fatal("a folder under a missing parent was reported made")
	}
}

// BenchmarkDemoBrief times the demo's last step with its real sweep (demoBrief): the sweep, the
// plan's files and the brief in both languages, HTML and PDF. The seed case's run that the brief
// also shows is made once, untimed.
func BenchmarkDemoBrief(b *testing.B) {
	s, err := scenarios.Builtin(demoScenario)
	if err != nil {
		b.Fatal(err)
	}
	seed, err := s.Build()
	if err != nil {
		b.Fatal(err)
	}
	res, err := simulateBuilt(seed, io.Discard, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := writeDemoBrief(io.Discard, io.Discard, s, seed, res, b.TempDir(), 4); err != nil {
			b.Fatal(err)
		}
	}
}
