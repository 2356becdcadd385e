package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/planner/report"
)

// figure is one chart as the HTML carries it.
type figure struct {
	id   string
	data report.ChartData
	svg  string
}

// parseHTML reads the brief with the standard library's XML decoder in its HTML mode and returns
// the figures; the inline SVG of each must also be well-formed XML on its own.
func parseHTML(t *testing.T, page []byte) (map[string]figure, string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(page))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	figs := map[string]figure{}
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("HTML does not parse: %v", err)
		}
		switch el := tok.(type) {
		case xml.CharData:
			text.Write(el)
		case xml.StartElement:
			if el.Name.Local != "figure" {
				continue
			}
			var f figure
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "data-chart":
					f.id = a.Value
				case "data-series":
					if err := json.Unmarshal([]byte(a.Value), &f.data); err != nil {
						t.Fatalf("figure data: %v", err)
					}
				}
			}
			figs[f.id] = f
		}
	}
	// The SVG elements, cut from the page and decoded strictly.
	re := regexp.MustCompile(`(?s)<figure class="chart" id="chart-([^"]+)".*?(<svg.*?</svg>)`)
	for _, m := range re.FindAllSubmatch(page, -1) {
		id, svg := string(m[1]), string(m[2])
		d := xml.NewDecoder(strings.NewReader(svg))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("chart %s: SVG is not well-formed: %v", id, err)
			}
		}
		f := figs[id]
		f.svg = svg
		figs[id] = f
	}
	return figs, text.String()
}

func renderHTML(t *testing.T, doc *report.Document, lang report.Lang) []byte {
	t.Helper()
	b, err := report.New(doc, lang)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := b.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHTMLCharts(t *testing.T) {
	cases := []struct {
		fixture string
		want    []string // chart ids
		absent  []string
	}{
		{"simulate-small.json", []string{"wait-cdf", "utilization", "power", "owners"},
			[]string{"sizing", "sweep-wait_p95_s"}},
		{"plan-small.json", []string{"wait-cdf", "utilization", "power", "owners", "sweep-wait_p95_s",
			"sweep-wait_mean_s", "sweep-utilization", "sweep-energy_facility_kwh", "sizing"}, nil},
	}
	for _, c := range cases {
		for _, lang := range report.Langs {
			t.Run(c.fixture+"/"+string(lang), func(t *testing.T) {
				doc := decodeFixture(t, c.fixture)
				page := renderHTML(t, doc, lang)
				figs, _ := parseHTML(t, page)
				for _, id := range c.want {
					f, ok := figs[id]
					if !ok {
						t.Fatalf("chart %s missing (have %d charts)", id, len(figs))
					}
					if !strings.Contains(f.svg, "<path") || len(f.data.Series) == 0 {
						t.Fatalf("chart %s has no drawing or no data", id)
					}
				}
				for _, id := range c.absent {
					if _, ok := figs[id]; ok {
						t.Fatalf("chart %s must not appear for %s", id, c.fixture)
					}
				}
				if bytes.Contains(page, []byte("<script")) || bytes.Contains(page, []byte("src=\"http")) ||
					bytes.Contains(page, []byte("href=\"http")) {
					t.Fatal("the HTML must be self-contained")
				}
			})
		}
	}
}

// TestChartDataEqualResults checks that what each chart plots is the results' numbers, and that the
// drawn CDF line is those numbers on the chart's scales.
func TestChartDataEqualResults(t *testing.T) {
	doc := decodeFixture(t, "plan-small.json")
	figs, _ := parseHTML(t, renderHTML(t, doc, report.English))
	const tol = 1e-12

	cdf := figs["wait-cdf"]
	for i, p := range doc.Policies {
		s := cdf.data.Series[i]
		if s.Name != p.Name || !equal(s.X, p.WaitCDFS, tol) || len(s.Y) != 101 || s.Y[95] != 0.95 {
			t.Fatalf("CDF series %d (%s) differs from wait_cdf_s", i, s.Name)
		}
	}
	util, power := figs["utilization"], figs["power"]
	for i, p := range doc.Policies {
		if !equal(util.data.Series[i].Y, p.Timeline.Utilization, tol) || !equal(util.data.Series[i].X, p.Timeline.TS, tol) {
			t.Fatalf("utilization series %s differs from the timeline", p.Name)
		}
		if !equal(power.data.Series[i].Y, p.Timeline.PowerKW, tol) {
			t.Fatalf("power series %s differs from the timeline", p.Name)
		}
	}
	if got := power.data.Lines["cap:fifo"]; got != 9.5 {
		t.Fatalf("power chart cap = %v, want 9.5", got)
	}
	own := figs["owners"]
	for i, c := range doc.Comparisons {
		if own.data.Series[0].Y[i] != float64(c.Better) || own.data.Series[2].Y[i] != float64(c.Worse) ||
			own.data.Series[1].Y[i] != float64(c.Unchanged) {
			t.Fatalf("owners chart for %s differs from the comparison", c.Policy)
		}
	}
	sweep := figs["sweep-wait_p95_s"]
	if len(sweep.data.Series) != 2 {
		t.Fatalf("sweep series = %d, want one per policy", len(sweep.data.Series))
	}
	for _, s := range sweep.data.Series {
		pol := strings.TrimPrefix(s.Name, "policy=")
		for k, x := range s.X {
			var want report.Stat
			for _, pt := range doc.Plan.Points {
				if pt.Params["policy"].Str == pol && pt.Params["farm_share"].Num == x {
					want = pt.Metrics["wait_p95_s"]
				}
			}
			if s.Y[k] != want.Mean || s.Lo[k] != want.Lo || s.Hi[k] != want.Hi {
				t.Fatalf("sweep %s at %v = %v [%v, %v], want %+v", pol, x, s.Y[k], s.Lo[k], s.Hi[k], want)
			}
		}
	}
	sz := figs["sizing"]
	if sz.data.Lines["target"] != 5000 || sz.data.Lines["answer"] != 22 || len(sz.data.Series[0].X) != 7 {
		t.Fatalf("sizing chart lines %v, %d points", sz.data.Lines, len(sz.data.Series[0].X))
	}

	// The drawn CDF of the first policy: the longest path in its colour has 101 points, whose
	// heights are the percentiles and whose horizontal positions follow log(1 + wait/60 s).
	pts := longestPath(cdf.svg, "#D55E00")
	if len(pts) != 101 {
		t.Fatalf("drawn CDF has %d points, want 101", len(pts))
	}
	q := doc.Policies[0].WaitCDFS
	tr := func(s float64) float64 { return math.Log1p(s / 60) }
	for k, pt := range pts {
		fy := (pt[1] - pts[0][1]) / (pts[100][1] - pts[0][1])
		fx := (pt[0] - pts[0][0]) / (pts[100][0] - pts[0][0])
		wx := (tr(q[k]) - tr(q[0])) / (tr(q[100]) - tr(q[0]))
		// SVG coordinates are printed with 5 significant digits: 0.1 pt on a 500 pt chart.
		if math.Abs(fy-float64(k)/100) > 2e-3 || math.Abs(fx-wx) > 2e-3 {
			t.Fatalf("point %d drawn at (%.4f, %.4f), want (%.4f, %.4f)", k, fx, fy, wx, float64(k)/100)
		}
	}
}

func equal(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return true
}

var pathRE = regexp.MustCompile(`<path d="([^"]+)"\s*style="fill:none;stroke:([^;]+);stroke-width:1.2"`)

// longestPath returns the points of the longest stroked data line of one colour.
func longestPath(svg, colour string) [][2]float64 {
	var best [][2]float64
	for _, m := range pathRE.FindAllStringSubmatch(svg, -1) {
		if !strings.EqualFold(m[2], colour) {
			continue
		}
		var pts [][2]float64
		for _, seg := range regexp.MustCompile(`[ML]([-0-9.e]+),([-0-9.e]+)`).FindAllStringSubmatch(m[1], -1) {
			x, _ := strconv.ParseFloat(seg[1], 64)
			y, _ := strconv.ParseFloat(seg[2], 64)
			pts = append(pts, [2]float64{x, y})
		}
		if len(pts) > len(best) {
			best = pts
		}
	}
	return best
}

func TestHTMLText(t *testing.T) {
	doc := decodeFixture(t, "simulate-small.json")
	cases := []struct {
		lang report.Lang
		want []string
	}{
		{report.English, []string{"Findings", "17.6 min", "3.1 days", "Caution: this results file measures each policy over its own window",
			"Reproducibility", doc.ScenarioHash, "415,033 KRW"}},
		{report.Korean, []string{"주요 결과", "17.6분", "3.1일", "주의", "재현 정보", doc.ScenarioHash, "415,033원"}},
	}
	for _, c := range cases {
		_, text := parseHTML(t, renderHTML(t, doc, c.lang))
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: text lacks %q", c.lang, w)
			}
		}
	}
}
