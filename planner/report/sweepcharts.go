package report

import (
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// sweepMetrics are the metrics a sweep chart shows, in the order a planner asks about them.
var sweepMetrics = []string{MetricWaitP95, MetricWaitMean, MetricUtilization, MetricEnergyFac}

// sweepLayout arranges a plan's points as lines: x is the first numeric swept key (or the first
// key, by position, when none is numeric) and each combination of the other keys is one line.
type sweepLayout struct {
	xKey    string
	numeric bool
	xs      []Value // the x key's values in sweep order
	series  []sweepSeries
}

type sweepSeries struct {
	label  string  // the other keys' values, as the reader sees them
	id     string  // the same as key=value tokens, for data and tests
	points []Point // ordered by x
	x      []float64
}

func layoutSweep(w words, p *Plan) *sweepLayout {
	if len(p.Sweep) == 0 || len(p.Points) == 0 {
		return nil
	}
	l := &sweepLayout{xKey: p.Sweep[0].Key, xs: p.Sweep[0].Values}
	for _, s := range p.Sweep {
		if !slices.ContainsFunc(s.Values, func(v Value) bool { return !v.IsNum }) {
			l.xKey, l.xs, l.numeric = s.Key, s.Values, true
			break
		}
	}
	xpos := func(v Value) (float64, bool) {
		if l.numeric {
			return v.Num, v.IsNum
		}
		i := slices.Index(l.xs, v)
		return float64(i), i >= 0
	}
	byID := map[string]int{}
	for _, pt := range p.Points {
		xv, ok := pt.Params[l.xKey]
		if !ok {
			continue
		}
		x, ok := xpos(xv)
		if !ok {
			continue
		}
		var ids, labels []string
		for _, s := range p.Sweep {
			if s.Key == l.xKey {
				continue
			}
			v, ok := pt.Params[s.Key]
			if !ok {
				continue
			}
			ids = append(ids, s.Key+"="+v.String())
			labels = append(labels, w.key(s.Key)+" "+w.value(s.Key, v))
		}
		id := strings.Join(ids, ",")
		k, ok := byID[id]
		if !ok {
			k = len(l.series)
			byID[id] = k
			l.series = append(l.series, sweepSeries{id: id, label: strings.Join(labels, ", ")})
		}
		s := &l.series[k]
		s.points = append(s.points, pt)
		s.x = append(s.x, x)
	}
	for i := range l.series {
		s := &l.series[i]
		idx := make([]int, len(s.x))
		for k := range idx {
			idx[k] = k
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmpFloat(s.x[a], s.x[b]) })
		pts, xs := make([]Point, len(idx)), make([]float64, len(idx))
		for k, j := range idx {
			pts[k], xs[k] = s.points[j], s.x[j]
		}
		s.points, s.x = pts, xs
	}
	return l
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sweepCharts draws one chart per headline metric: the mean over seeds as a line and its 95%
// interval as a band.
func sweepCharts(w words, p *Plan) ([]*Chart, error) {
	l := layoutSweep(w, p)
	if l == nil {
		return nil, nil
	}
	var out []*Chart
	for _, m := range sweepMetrics {
		maxv, any := 0.0, false
		for _, s := range l.series {
			for _, pt := range s.points {
				if st, ok := pt.Metrics[m]; ok {
					maxv, any = math.Max(maxv, math.Max(math.Abs(st.Upper()), math.Abs(st.Mean))), true
				}
			}
		}
		if !any {
			continue
		}
		scale, unit := axisUnit(w, m, maxv)
		title := w.t("chart.sweep", w.metricName(m), w.key(l.xKey))
		pl := newPlot(title, w.key(l.xKey), axisLabel(w, m, unit))
		pl.Y.Tick.Marker = numTicks(w)
		ch := &Chart{ID: "sweep-" + m, Title: title, Caption: w.t("chart.sweep.caption"), plot: pl}
		for i, s := range l.series {
			var ser Series
			ser.Name = s.id
			for k, pt := range s.points {
				st, ok := pt.Metrics[m]
				if !ok {
					continue
				}
				ser.X = append(ser.X, s.x[k])
				ser.Y = append(ser.Y, st.Mean)
				ser.addInterval(st)
			}
			if len(ser.X) == 0 {
				continue
			}
			ser.dropPartialBand()
			ch.Data.Series = append(ch.Data.Series, ser)
			if err := band(pl, ser.X, ser.Lo, ser.Hi, scale, colour(i+1)); err != nil {
				return nil, err
			}
			pts := xys(ser.X, ser.Y, scale)
			if err := addLine(pl, s.label, pts, colour(i+1), false); err != nil {
				return nil, err
			}
			if err := addMarks(pl, pts, i+1); err != nil {
				return nil, err
			}
		}
		if !l.numeric {
			names := make([]string, len(l.xs))
			for i, v := range l.xs {
				names[i] = w.value(l.xKey, v)
			}
			pl.NominalX(names...)
		} else {
			pl.X.Tick.Marker = numTicks(w)
			if l.xKey == "farm_share" {
				pl.X.Tick.Marker = pctTicks(w)
			}
		}
		pl.Y.Min = math.Min(pl.Y.Min, 0)
		if m == MetricUtilization {
			pl.Y.Max = math.Max(pl.Y.Max, 100)
		}
		headroom(pl, len(l.series))
		out = append(out, ch)
	}
	return out, nil
}

func addMarks(p *plot.Plot, pts plotter.XYs, ci int) error {
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	sc.Color = colour(ci)
	sc.Radius = vg.Points(2)
	p.Add(sc)
	return nil
}

// sizingChart draws the searched curve of the target metric with its band, the target and the answer.
func sizingChart(w words, s *Sizing) (*Chart, error) {
	if s == nil || len(s.Curve) == 0 {
		return nil, nil
	}
	m := s.Target.Metric
	curve := slices.Clone(s.Curve)
	slices.SortStableFunc(curve, func(a, b SizingPoint) int { return cmpFloat(a.X, b.X) })
	var ser Series
	ser.Name = m
	maxv := math.Abs(s.Target.Value)
	for _, c := range curve {
		st, ok := c.Metrics[m]
		if !ok {
			continue
		}
		ser.X = append(ser.X, c.X)
		ser.Y = append(ser.Y, st.Mean)
		ser.addInterval(st)
		maxv = math.Max(maxv, math.Max(math.Abs(st.Upper()), math.Abs(st.Mean)))
	}
	if len(ser.X) == 0 {
		return nil, nil
	}
	ser.dropPartialBand()
	xkey := "farm_gpus"
	if s.Kind == "cap" {
		xkey = "power_cap_kw"
	}
	scale, unit := axisUnit(w, m, maxv)
	title := w.t("chart.sizing", w.metricName(m), w.key(xkey))
	pl := newPlot(title, w.key(xkey), axisLabel(w, m, unit))
	pl.X.Tick.Marker = numTicks(w)
	pl.Y.Tick.Marker = numTicks(w)
	ch := &Chart{ID: "sizing", Title: title, Caption: w.t("chart.sizing.caption"), plot: pl,
		Data: ChartData{Series: []Series{ser}, Lines: map[string]float64{"target": s.Target.Value}}}
	if err := band(pl, ser.X, ser.Lo, ser.Hi, scale, colour(1)); err != nil {
		return nil, err
	}
	pts := xys(ser.X, ser.Y, scale)
	if err := addLine(pl, w.metricName(m), pts, colour(1), false); err != nil {
		return nil, err
	}
	if err := addMarks(pl, pts, 1); err != nil {
		return nil, err
	}
	x0, x1 := ser.X[0], ser.X[len(ser.X)-1]
	if err := hline(pl, w.t("target"), s.Target.Value*scale, x0, x1, capColour,
		[]vg.Length{vg.Points(5), vg.Points(3)}); err != nil {
		return nil, err
	}
	pl.Y.Min = math.Min(pl.Y.Min, 0)
	headroom(pl, 3)
	if s.Answer != nil {
		ch.Data.Lines["answer"] = *s.Answer
		if err := vline(pl, w.t("answer"), *s.Answer, pl.Y.Min, pl.Y.Max, grey); err != nil {
			return nil, err
		}
	}
	return ch, nil
}

// addInterval appends a point's interval to the band; a point without one (one run) leaves a gap
// that dropPartialBand turns into no band at all.
func (s *Series) addInterval(st Stat) {
	if !st.HasInterval() {
		s.noBand = true
		return
	}
	s.Lo = append(s.Lo, st.Lo)
	s.Hi = append(s.Hi, st.Hi)
}

// dropPartialBand removes the band of a line some of whose points have no interval: a band with
// holes would draw an interval the results do not have.
func (s *Series) dropPartialBand() {
	if s.noBand {
		s.Lo, s.Hi = nil, nil
	}
}
