package report

import (
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Chart is one figure of the brief: a gonum plot drawn as SVG (HTML) or as vector paths (PDF), and
// the numbers it shows, which the HTML also carries as a data attribute.
type Chart struct {
	ID      string
	Title   string
	Caption string
	Data    ChartData
	plot    *plot.Plot
}

// ChartData is what a chart plots, in the results' own units (seconds, kW, shares).
type ChartData struct {
	Series []Series `json:"series"`
	// Lines are reference levels such as a power cap or a sizing target.
	Lines map[string]float64 `json:"lines,omitempty"`
}

// Series is one line, band or bar group; Lo and Hi are an interval band when present.
type Series struct {
	Name string    `json:"name"`
	X    []float64 `json:"x"`
	Y    []float64 `json:"y"`
	Lo   []float64 `json:"lo,omitempty"`
	Hi   []float64 `json:"hi,omitempty"`
	// noBand marks a series some of whose points have no interval (one run).
	noBand bool
}

// Chart size, shared by SVG and PDF: the width of an A4 page's text block.
const (
	chartW = vg.Length(498) // points, about 176 mm
	chartH = vg.Length(250)
)

// palette holds colours a reader with common colour-vision deficiencies can tell apart (Okabe-Ito).
var palette = []color.RGBA{
	{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	{0x00, 0x72, 0xB2, 0xFF}, // blue
	{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	{0xE6, 0x9F, 0x00, 0xFF}, // orange
	{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	{0x00, 0x00, 0x00, 0xFF},
}

var (
	grey      = color.RGBA{0x88, 0x88, 0x88, 0xFF}
	capColour = color.RGBA{0xB0, 0x00, 0x20, 0xFF}
)

func colour(i int) color.RGBA { return palette[i%len(palette)] }

func withAlpha(c color.RGBA, a uint8) color.NRGBA { return color.NRGBA{c.R, c.G, c.B, a} }

// newPlot makes a plot whose every text uses the embedded fonts.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	h := textHandler()
	p.TextHandler = h
	set := func(s *font.Font, f font.Font, size vg.Length) { *s = font.From(f, size) }
	p.Title.Text = ""
	_ = title // the renderers print titles as headings, outside the chart
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	for _, st := range []*struct {
		f    *font.Font
		size vg.Length
	}{{&p.Title.TextStyle.Font, 11}, {&p.X.Label.TextStyle.Font, 9}, {&p.Y.Label.TextStyle.Font, 9},
		{&p.X.Tick.Label.Font, 8}, {&p.Y.Tick.Label.Font, 8}, {&p.Legend.TextStyle.Font, 8}} {
		set(st.f, regularFont, st.size)
	}
	p.Title.TextStyle.Handler = h
	p.X.Label.TextStyle.Handler = h
	p.Y.Label.TextStyle.Handler = h
	p.X.Tick.Label.Handler = h
	p.Y.Tick.Label.Handler = h
	p.Legend.TextStyle.Handler = h
	p.Legend.Top = true
	p.Legend.YOffs = -vg.Points(2)
	p.Legend.Padding = vg.Points(1.5)
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = color.Gray{0xE0}, color.Gray{0xE0}
	g.Vertical.Width, g.Horizontal.Width = vg.Points(0.5), vg.Points(0.5)
	p.Add(g)
	return p
}

// headroom raises the y-axis top so the legend, drawn in the top right, clears the data.
func headroom(p *plot.Plot, lines int) {
	p.Y.Max += (p.Y.Max - p.Y.Min) * (0.06 + 0.06*float64(lines))
}

func xys(x, y []float64, scale float64) plotter.XYs {
	pts := make(plotter.XYs, len(x))
	for i := range x {
		pts[i] = plotter.XY{X: x[i], Y: y[i] * scale}
	}
	return pts
}

func addLine(p *plot.Plot, name string, pts plotter.XYs, c color.Color, dashed bool) error {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	l.Color = c
	l.Width = vg.Points(1.2)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	}
	p.Add(l)
	if name != "" {
		p.Legend.Add(name, l)
	}
	return nil
}

// hline draws a horizontal reference line across the data's x range.
func hline(p *plot.Plot, name string, y, x0, x1 float64, c color.Color, dashes []vg.Length) error {
	l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}})
	if err != nil {
		return err
	}
	l.Color, l.Width, l.Dashes = c, vg.Points(1.2), dashes
	p.Add(l)
	if name != "" {
		p.Legend.Add(name, l)
	}
	return nil
}

func vline(p *plot.Plot, name string, x, y0, y1 float64, c color.Color) error {
	l, err := plotter.NewLine(plotter.XYs{{X: x, Y: y0}, {X: x, Y: y1}})
	if err != nil {
		return err
	}
	l.Color, l.Width, l.Dashes = c, vg.Points(1), []vg.Length{vg.Points(1.5), vg.Points(2)}
	p.Add(l)
	if name != "" {
		p.Legend.Add(name, l)
	}
	return nil
}

// band shades the area between lo and hi.
func band(p *plot.Plot, x, lo, hi []float64, scale float64, c color.RGBA) error {
	if len(x) < 2 || len(lo) != len(x) || len(hi) != len(x) {
		return nil
	}
	ring := make(plotter.XYs, 0, 2*len(x))
	for i := range x {
		ring = append(ring, plotter.XY{X: x[i], Y: hi[i] * scale})
	}
	for i := len(x) - 1; i >= 0; i-- {
		ring = append(ring, plotter.XY{X: x[i], Y: lo[i] * scale})
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return err
	}
	poly.Color = withAlpha(c, 0x40)
	poly.LineStyle.Width = 0
	p.Add(poly)
	return nil
}

// waitScale is log(1 + minutes): waits of zero stay on the axis and minutes, hours and weeks all
// get room, which a linear axis cannot give a farm's minutes next to a lab's weeks.
type waitScale struct{}

func waitT(s float64) float64 { return math.Log1p(math.Max(s, 0) / 60) }

func (waitScale) Normalize(min, max, x float64) float64 {
	lo, hi := waitT(min), waitT(max)
	if hi == lo {
		return 0
	}
	return (waitT(x) - lo) / (hi - lo)
}

// waitTicks marks round durations in the language of the brief.
func waitTicks(w words) plot.Ticker {
	marks := []float64{0, 60, 600, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400, 180 * 86400}
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		var ts []plot.Tick
		for _, m := range marks {
			if m >= min && m <= max*1.0001 {
				ts = append(ts, plot.Tick{Value: m, Label: w.durTick(m)})
			}
		}
		return ts
	})
}

// pctTicks labels a 0..1 axis in percent.
func pctTicks(w words) plot.Ticker {
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		var ts []plot.Tick
		for _, t := range (plot.DefaultTicks{}).Ticks(min, max) {
			if t.Value > 1+1e-9 {
				continue // headroom above 100% is for the legend, not a share
			}
			if t.Label != "" {
				t.Label = w.inUnit("unit.pctn", 100*t.Value)
			}
			ts = append(ts, t)
		}
		return ts
	})
}

// numTicks labels an axis with numbers grouped as the language writes them.
func numTicks(w words) plot.Ticker {
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		ts := plot.DefaultTicks{}.Ticks(min, max)
		for i := range ts {
			if ts[i].Label != "" {
				ts[i].Label = w.p.Sprint(ts[i].Value)
			}
		}
		return ts
	})
}

// cdfChart plots each policy's wait distribution. A policy without wait_cdf_s shows only its
// reported percentiles, marked, rather than an invented curve.
func cdfChart(w words, r *Run) (*Chart, error) {
	p := newPlot(w.t("chart.cdf"), w.t("chart.cdf.x"), w.t("chart.cdf.y"))
	p.X.Scale = waitScale{}
	p.X.Tick.Marker = waitTicks(w)
	p.Y.Tick.Marker = pctTicks(w)
	p.Y.Min, p.Y.Max = 0, 1
	ch := &Chart{ID: "wait-cdf", Title: w.t("chart.cdf"), Caption: w.t("chart.cdf.caption"), plot: p}
	partial := false
	for i, pol := range r.Policies {
		var s Series
		s.Name = pol.Name
		name := w.policyShort(pol.Name)
		if len(pol.WaitCDFS) == cdfPoints {
			s.X = slices.Clone(pol.WaitCDFS)
			s.Y = make([]float64, cdfPoints)
			for k := range s.Y {
				s.Y[k] = float64(k) / 100
			}
		} else {
			partial = true
			name += " *"
			ws := pol.WaitS
			s.X = []float64{ws.P50, ws.P95, ws.P99, ws.Max}
			s.Y = []float64{0.50, 0.95, 0.99, 1}
		}
		ch.Data.Series = append(ch.Data.Series, s)
		pts := xys(s.X, s.Y, 1)
		if err := addLine(p, name, pts, colour(i), len(pol.WaitCDFS) != cdfPoints); err != nil {
			return nil, err
		}
		if len(pol.WaitCDFS) != cdfPoints {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			sc.Color = colour(i)
			p.Add(sc)
		}
	}
	if partial {
		ch.Caption += w.t("chart.cdf.partial")
	}
	p.X.Min = 0
	p.X.Max = math.Max(p.X.Max, 60)
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.YOffs = vg.Points(6)
	return ch, nil
}

// timelineCharts plots utilization and facility power over time, with the cap and the window.
func timelineCharts(w words, r *Run) ([]*Chart, error) {
	util := newPlot(w.t("chart.util"), w.t("chart.time.x"), w.t("chart.util.y"))
	util.Y.Tick.Marker = pctTicks(w)
	util.Y.Min, util.Y.Max = 0, 1
	power := newPlot(w.t("chart.power"), w.t("chart.time.x"), w.t("chart.power.y"))
	power.Y.Tick.Marker = numTicks(w)
	power.Y.Min = 0
	cu := &Chart{ID: "utilization", Title: w.t("chart.util"), Caption: w.t("chart.util.caption"), plot: util}
	cp := &Chart{ID: "power", Title: w.t("chart.power"), Caption: w.t("chart.power.nocap"), plot: power}
	for _, p := range r.Policies {
		if !p.CapGiven && p.PowerCapKW == nil {
			cp.Caption = w.t("chart.power.capunknown") // older results: a cap may exist, its level is not given
		}
	}
	xmax := 0.0
	for i, pol := range r.Policies {
		t := pol.Timeline
		if len(t.TS) == 0 {
			continue
		}
		days := make([]float64, len(t.TS))
		for k, s := range t.TS {
			days[k] = s / 86400
		}
		xmax = math.Max(xmax, days[len(days)-1])
		name := w.policyShort(pol.Name)
		if len(t.Utilization) == len(t.TS) {
			cu.Data.Series = append(cu.Data.Series, Series{Name: pol.Name, X: t.TS, Y: t.Utilization})
			if err := addLine(util, name, xys(days, t.Utilization, 1), colour(i), false); err != nil {
				return nil, err
			}
		}
		if len(t.PowerKW) == len(t.TS) {
			cp.Data.Series = append(cp.Data.Series, Series{Name: pol.Name, X: t.TS, Y: t.PowerKW})
			if err := addLine(power, name, xys(days, t.PowerKW, 1), colour(i), false); err != nil {
				return nil, err
			}
		}
	}
	drawn := map[float64]bool{}
	for _, pol := range r.Policies {
		if pol.PowerCapKW == nil {
			continue
		}
		if cp.Data.Lines == nil {
			cp.Data.Lines = map[string]float64{}
		}
		c := *pol.PowerCapKW
		cp.Data.Lines["cap:"+pol.Name] = c
		if drawn[c] {
			continue // worlds sharing a cap share its line
		}
		drawn[c] = true
		if err := hline(power, w.t("chart.cap", w.kw(c)), c, 0, xmax, capColour,
			[]vg.Length{vg.Points(5), vg.Points(3)}); err != nil {
			return nil, err
		}
		cp.Caption = w.t("chart.power.caption")
	}
	if m := r.Measure; m != nil {
		cu.Caption += w.t("chart.util.window")
		for _, s := range []float64{m.FromS, m.ToS} {
			if err := vline(util, "", s/86400, 0, 1, grey); err != nil {
				return nil, err
			}
		}
	}
	headroom(util, len(r.Policies))
	headroom(power, len(r.Policies)+len(drawn))
	var out []*Chart
	if len(cu.Data.Series) > 0 {
		out = append(out, cu)
	}
	if len(cp.Data.Series) > 0 {
		out = append(out, cp)
	}
	return out, nil
}

// ownersChart shows, per compared policy, how many researchers are better, unchanged and worse off.
func ownersChart(w words, r *Run) (*Chart, error) {
	if len(r.Comparisons) == 0 {
		return nil, nil
	}
	base := r.Comparisons[0].Baseline
	title := w.t("chart.owners", w.policyShort(base))
	p := newPlot(title, "", w.t("chart.owners.y"))
	ch := &Chart{ID: "owners", Title: title, Caption: w.t("chart.owners.caption"), plot: p}
	var names []string
	groups := []struct {
		id  string
		c   color.RGBA
		get func(Comparison) int
	}{
		{"better", palette[2], func(c Comparison) int { return c.Better }},
		{"unchanged", grey, func(c Comparison) int { return c.Unchanged }},
		{"worse", palette[0], func(c Comparison) int { return c.Worse }},
	}
	for _, c := range r.Comparisons {
		names = append(names, w.policyShort(c.Policy))
	}
	width := vg.Points(18)
	for gi, g := range groups {
		vals := make(plotter.Values, len(r.Comparisons))
		s := Series{Name: g.id}
		for i, c := range r.Comparisons {
			vals[i] = float64(g.get(c))
			s.X = append(s.X, float64(i))
			s.Y = append(s.Y, vals[i])
		}
		ch.Data.Series = append(ch.Data.Series, s)
		b, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return nil, err
		}
		b.Color = g.c
		b.LineStyle.Width = 0
		b.Offset = vg.Length(gi-1) * (width + vg.Points(2))
		p.Add(b)
		p.Legend.Add(w.t(g.id), b)
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
	p.Y.Min = 0
	headroom(p, len(groups))
	p.Y.Tick.Marker = numTicks(w)
	return ch, nil
}

// axisUnit scales a metric for an axis and names the unit, so ticks read "2, 4, 6 h" rather than
// "7200, 14400 s".
func axisUnit(w words, metric string, maxv float64) (scale float64, unit string) {
	switch metric {
	case MetricWaitMean, MetricWaitP50, MetricWaitP95, MetricWaitP99:
		switch {
		case maxv < 90:
			return 1, w.t("u.s")
		case maxv < 90*60:
			return 1.0 / 60, w.t("u.min")
		case maxv < 48*3600:
			return 1.0 / 3600, w.t("u.h")
		default:
			return 1.0 / 86400, w.t("u.d")
		}
	case MetricUtilization, MetricCapShare:
		return 100, "%"
	case MetricEnergyFac, MetricEnergyIT:
		if maxv >= 10000 {
			return 1.0 / 1000, "MWh"
		}
		return 1, "kWh"
	case MetricCost:
		if maxv >= 1e6 {
			return 1e-6, w.t("u.mkrw")
		}
		return 1, w.t("u.krw")
	case MetricPeakPower:
		return 1, "kW"
	default:
		return 1, ""
	}
}

func axisLabel(w words, metric string, unit string) string {
	if unit == "" {
		return w.metricName(metric)
	}
	return w.metricName(metric) + " (" + unit + ")"
}
