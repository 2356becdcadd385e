package report_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/gpuplan/gpuplan/planner/report"
	"github.com/gpuplan/gpuplan/scenarios"
)

func renderPDF(t *testing.T, doc *report.Document, lang report.Lang) []byte {
	t.Helper()
	b, err := report.New(doc, lang)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.WritePDF(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pdfText reads a PDF back with poppler's pdftotext, as a reader's tools would. CI installs
// poppler-utils (.ci/run); a machine without it fails here rather than skipping the check.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext not found: install poppler-utils (apt-get install -y poppler-utils)")
	}
	path := filepath.Join(t.TempDir(), "brief.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

var spaces = regexp.MustCompile(`\s+`)

func TestPDFReadBack(t *testing.T) {
	plan := decodeFixture(t, "plan-small.json")
	sim := decodeFixture(t, "simulate-small.json")
	sim.Assumptions = smallAssumptions(t)
	cases := []struct {
		name string
		doc  *report.Document
		lang report.Lang
		want []string
	}{
		{"simulate en", sim, report.English, []string{"GPU consolidation brief: small", "Findings",
			"17.6 min", "3.1 days", "21.9 h", "2,091 kWh", "1,264 kWh", "415,033 KRW", "Key numbers",
			"Assumptions and sources", "Korean industrial tariff B", sim.ScenarioHash}},
		{"simulate ko", sim, report.Korean, []string{"GPU 통합 정책 브리프: small", "주요 결과", "17.6분", "3.1일",
			"21.9시간", "2,091 kWh", "415,033원", "핵심 수치", "가정과 출처", sim.ScenarioHash}},
		{"plan en", plan, report.English, []string{"What-if sweep", "Sizing", "22 GPUs", "95% CI",
			"40.8 min", "9.5 kW", "window days 1.0–11.0, steady state", "mean of 5 seeds"}},
		{"plan ko", plan, report.Korean, []string{"가정 변화 분석", "규모 산정", "GPU 22개", "95% 신뢰구간",
			"40.8분", "9.5 kW", "측정 구간 1.0–11.0일차, 정상 상태", "시드 5개 평균"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pdf := renderPDF(t, c.doc, c.lang)
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatal("not a PDF")
			}
			text := pdfText(t, pdf)
			flat := spaces.ReplaceAllString(text, " ")
			for _, w := range c.want {
				if !strings.Contains(flat, w) {
					t.Errorf("PDF text lacks %q", w)
				}
			}
			hangul := 0
			for _, r := range text {
				if unicode.Is(unicode.Hangul, r) {
					hangul++
				}
			}
			if c.lang == report.Korean && hangul < 200 {
				t.Errorf("only %d Hangul letters in the Korean PDF", hangul)
			}
			// Every page has its footer with the page count filled in.
			if n := strings.Count(text, "sha256 b2c4ddc26f4d"); n < 3 || strings.Contains(text, "{nb}") {
				t.Errorf("footers: %d, placeholder left: %v", n, strings.Contains(text, "{nb}"))
			}
		})
	}
}

// TestPDFVectorCharts checks that charts are drawn as paths, not pasted as images, and that the
// fonts are embedded so no system font is needed.
func smallAssumptions(t *testing.T) []report.Assumption {
	t.Helper()
	src, ok := scenarios.BuiltinSource("small")
	if !ok {
		t.Fatal("no built-in small")
	}
	as, err := report.AssumptionsFromYAML("small", src)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func TestPDFVectorCharts(t *testing.T) {
	pdf := renderPDF(t, decodeFixture(t, "plan-small.json"), report.Korean)
	if bytes.Contains(pdf, []byte("/Subtype /Image")) {
		t.Fatal("the PDF holds raster images")
	}
	if !bytes.Contains(pdf, []byte("/FontFile2")) {
		t.Fatal("the fonts are not embedded")
	}
	bin, err := exec.LookPath("pdffonts")
	if err != nil {
		t.Fatal("pdffonts not found: install poppler-utils")
	}
	path := filepath.Join(t.TempDir(), "b.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, path).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n")[2:] {
		if f := strings.Fields(line); len(f) >= 5 && !strings.Contains(line, " yes ") {
			t.Fatalf("font not embedded: %s", line)
		}
	}
}

func TestDeterministic(t *testing.T) {
	doc := decodeFixture(t, "plan-small.json")
	render := func() [][]byte {
		b, err := report.New(doc, report.Korean)
		if err != nil {
			t.Fatal(err)
		}
		var h, m bytes.Buffer
		if err := b.WriteHTML(&h); err != nil {
			t.Fatal(err)
		}
		if err := b.WriteMarkdown(&m); err != nil {
			t.Fatal(err)
		}
		return [][]byte{renderPDF(t, doc, report.Korean), h.Bytes(), m.Bytes()}
	}
	a, b := render(), render()
	for i, name := range []string{"PDF", "HTML", "Markdown"} {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("the same results gave different %s bytes", name)
		}
	}
}
