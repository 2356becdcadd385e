package report

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Brief is a results document laid out once, in one language, for every output format: the
// renderers only place its text, tables and charts.
type Brief struct {
	Lang     Lang
	Title    string
	Subtitle string
	// Window is the measurement window in full; every finding repeats it in short.
	Window   string
	Findings []string
	Numbers  Table
	Sweep    *Table
	Sizing   *Table
	// CINote explains the interval cells of the sweep and sizing tables.
	CINote string
	Charts []*Chart
	// Assumptions lists the scenario's inputs with their sources; AssumptionsNote replaces it when
	// none are known.
	Assumptions     Table
	AssumptionsNote string
	Repro           Table

	w   words
	doc *Document
}

// Table is a grid of already formatted cells.
type Table struct {
	Head []string
	Rows [][]string
}

// New lays out the brief of doc in one language.
func New(doc *Document, lang Lang) (*Brief, error) {
	if !slices.Contains(Langs, lang) {
		return nil, fmt.Errorf("%w: %q", ErrLang, lang)
	}
	w := newWords(lang)
	b := &Brief{Lang: lang, w: w, doc: doc}
	r := &doc.Run
	names := make([]string, len(r.Policies))
	for i, p := range r.Policies {
		names[i] = w.policyShort(p.Name)
	}
	b.Title = w.t("title", doc.Scenario)
	if doc.Plan != nil {
		b.Subtitle = w.t("subtitle.plan", doc.Scenario, len(doc.Plan.Seeds), w.list(names))
	} else {
		b.Subtitle = w.t("subtitle.run", doc.Scenario, strconv.FormatUint(doc.Seed, 10), w.list(names))
	}
	b.Window = b.windowText()
	b.findings()
	b.numbers()
	if doc.Plan != nil {
		b.CINote = w.t("ci.note")
		b.sweepTable()
		b.sizingTable()
	}
	if err := b.charts(); err != nil {
		return nil, fmt.Errorf("report: chart: %w", err)
	}
	b.assumptions()
	b.repro()
	return b, nil
}

func (b *Brief) windowText() string {
	w, r := b.w, &b.doc.Run
	if m := r.Measure; m != nil && m.SteadyState {
		return w.t("window.steady", w.t("unit.day", m.FromS/86400), w.t("unit.day", m.ToS/86400))
	}
	if win, ok := b.uniformWindow(); ok {
		return w.t("window.whole", w.dur(win))
	}
	return w.t("window.each", b.eachWindow(nil))
}

// uniformWindow is the one window every policy was measured over. Results written before the
// shared window existed carry one window per policy; then ok is false and the brief says so.
func (b *Brief) uniformWindow() (float64, bool) {
	r := &b.doc.Run
	switch {
	case r.Measure != nil:
		return r.Measure.ToS - r.Measure.FromS, true
	case r.WindowS != nil:
		return *r.WindowS, true
	}
	w0 := r.Policies[0].WindowS
	for _, p := range r.Policies[1:] {
		if math.Abs(p.WindowS-w0) > 1e-9*math.Max(1, w0) {
			return 0, false
		}
	}
	return w0, true
}

// eachWindow lists the named policies' own windows (all policies for nil).
func (b *Brief) eachWindow(names []string) string {
	var parts []string
	for _, p := range b.doc.Policies {
		if names == nil || slices.Contains(names, p.Name) {
			parts = append(parts, b.w.policyShort(p.Name)+" "+b.w.dur(p.WindowS))
		}
	}
	return b.w.list(parts)
}

// tag is the short basis and window every finding ends with; names are the policies it speaks of.
func (b *Brief) tag(fromPlan bool, names ...string) string {
	w, r := b.w, &b.doc.Run
	basis := w.t("basis.run", strconv.FormatUint(r.Seed, 10))
	if fromPlan {
		basis = w.t("basis.plan", len(b.doc.Plan.Seeds))
	}
	var win string
	if m := r.Measure; m != nil && m.SteadyState {
		win = w.t("window.tag.steady", m.FromS/86400, m.ToS/86400)
	} else if s, ok := b.uniformWindow(); ok {
		win = w.t("window.tag.whole", w.dur(s))
	} else {
		win = w.t("window.tag.each", b.eachWindow(names))
	}
	return w.t("tag", basis, win)
}

// baseline is the policy the others are compared with: the comparisons' baseline, else fragmented,
// else the first.
func baseline(r *Run) *Policy {
	if len(r.Comparisons) > 0 {
		if p := r.Policy(r.Comparisons[0].Baseline); p != nil {
			return p
		}
	}
	if p := r.Policy("fragmented"); p != nil {
		return p
	}
	return &r.Policies[0]
}

// planStat returns the interval of metric m for a policy when the plan swept the policy alone, so
// the run's headline numbers can carry the seeds' interval.
func (b *Brief) planStat(policy, m string) (Stat, bool) {
	p := b.doc.Plan
	if p == nil || len(p.Sweep) != 1 || p.Sweep[0].Key != "policy" {
		return Stat{}, false
	}
	for _, pt := range p.Points {
		if v, ok := pt.Params["policy"]; ok && !v.IsNum && v.Str == policy {
			s, ok := pt.Metrics[m]
			return s, ok
		}
	}
	return Stat{}, false
}

// num formats a run number, with the plan's interval when one exists for it.
func (b *Brief) num(policy, m string, v float64) (string, bool) {
	if s, ok := b.planStat(policy, m); ok {
		return b.w.stat(m, s), true
	}
	return b.w.metric(m, v), false
}

func (b *Brief) findings() {
	w, r := b.w, &b.doc.Run
	base := baseline(r)
	bn := w.policyShort(base.Name)
	add := func(fromPlan bool, s string, names ...string) {
		b.Findings = append(b.Findings, s+b.tag(fromPlan, names...))
	}
	if _, ok := b.uniformWindow(); !ok {
		b.Findings = append(b.Findings, w.t("find.windows.differ", b.eachWindow(nil)))
	}
	for i := range r.Policies {
		p := &r.Policies[i]
		if p.Name == base.Name {
			continue
		}
		p95, c1 := b.num(p.Name, MetricWaitP95, p.WaitS.P95)
		mean, c2 := b.num(p.Name, MetricWaitMean, p.WaitS.Mean)
		bp95, c3 := b.num(base.Name, MetricWaitP95, base.WaitS.P95)
		bmean, c4 := b.num(base.Name, MetricWaitMean, base.WaitS.Mean)
		add(c1 || c2 || c3 || c4, w.t("find.wait", w.policy(p.Name), p95, mean, bp95, bmean, bn), p.Name, base.Name)
		if p.WaitS.P95 > base.WaitS.P95 {
			add(false, w.t("find.wait.worse", w.policyShort(p.Name), bn, w.dur(p.WaitS.P95), w.dur(base.WaitS.P95)),
				p.Name, base.Name)
		}
	}
	for _, c := range r.Comparisons {
		n := c.Better + c.Worse + c.Unchanged
		s := w.t("find.owners", w.policyShort(c.Policy), c.Better, n, w.policyShort(c.Baseline), c.Worse, c.Unchanged)
		if c.Worse > 0 && len(c.Worst) > 0 {
			worst := c.Worst
			if len(worst) > 5 {
				worst = worst[:5]
			}
			s += w.t("find.owners.worst", w.list(worst))
		}
		add(false, s, c.Policy, c.Baseline)
	}
	var utils []string
	for _, p := range r.Policies {
		u, _ := b.num(p.Name, MetricUtilization, p.Utilization)
		utils = append(utils, w.policyShort(p.Name)+" "+u)
	}
	add(false, w.t("find.util", w.list(utils)))
	emissionsNoted := false
	for i := range r.Policies {
		p := &r.Policies[i]
		if p.Name == base.Name {
			continue
		}
		change := w.t("change.less", w.pct(1-p.EnergyKWh.Facility/base.EnergyKWh.Facility))
		if p.EnergyKWh.Facility > base.EnergyKWh.Facility {
			change = w.t("change.more", w.pct(p.EnergyKWh.Facility/base.EnergyKWh.Facility-1))
		}
		if base.EnergyKWh.Facility == 0 {
			change = w.t("na")
		}
		e, _ := b.num(p.Name, MetricEnergyFac, p.EnergyKWh.Facility)
		be, _ := b.num(base.Name, MetricEnergyFac, base.EnergyKWh.Facility)
		add(false, w.t("find.energy", e, w.policyShort(p.Name), be, bn, change, w.krw(p.CostKRW), w.krw(base.CostKRW)),
			p.Name, base.Name)
		pe, pok := emissions(p)
		be2, bok := emissions(base)
		switch {
		case pok && bok:
			add(false, w.t("find.emissions", w.co2(pe), w.policyShort(p.Name), w.co2(be2), bn), p.Name, base.Name)
		case !emissionsNoted:
			b.Findings = append(b.Findings, w.t("find.emissions.na"))
			emissionsNoted = true
		}
	}
	for _, p := range r.Policies {
		switch {
		case p.PowerCapKW != nil:
			add(false, w.t("find.cap", w.policyShort(p.Name), w.kw(*p.PowerCapKW), w.pct(p.CapTimeShare), w.kw(p.PeakPowerKW)), p.Name)
		case p.CapTimeShare > 0:
			add(false, w.t("find.cap.unknown", w.policyShort(p.Name), w.pct(p.CapTimeShare), w.kw(p.PeakPowerKW)), p.Name)
		}
	}
	for _, p := range r.Policies {
		if p.Jobs.Infeasible > 0 {
			add(false, w.t("find.infeasible", w.policyShort(p.Name), p.Jobs.Infeasible, w.p.Sprintf("%.0f", p.Jobs.InfeasibleGPUHours)), p.Name)
		}
	}
	if b.doc.Plan != nil {
		b.sweepFindings(add)
		b.sizingFinding(add)
	}
}

func (b *Brief) sweepFindings(add func(bool, string, ...string)) {
	w := b.w
	l := layoutSweep(w, b.doc.Plan)
	if l == nil {
		return
	}
	for _, s := range l.series {
		first, last := s.points[0], s.points[len(s.points)-1]
		fp, ok1 := first.Metrics[MetricWaitP95]
		lp, ok2 := last.Metrics[MetricWaitP95]
		fu, ok3 := first.Metrics[MetricUtilization]
		lu, ok4 := last.Metrics[MetricUtilization]
		if !ok1 || !ok2 || !ok3 || !ok4 || len(s.points) < 2 {
			continue
		}
		series := ""
		if s.label != "" {
			series = w.t("find.sweep.series", s.label)
		}
		add(true, w.t("find.sweep", w.key(l.xKey), w.value(l.xKey, first.Params[l.xKey]),
			w.value(l.xKey, last.Params[l.xKey]), series, w.stat(MetricWaitP95, fp), w.stat(MetricWaitP95, lp),
			w.stat(MetricUtilization, fu), w.stat(MetricUtilization, lu)))
	}
}

func (b *Brief) sizingFinding(add func(bool, string, ...string)) {
	w := b.w
	s := b.doc.Plan.Sizing
	if s == nil {
		return
	}
	m := s.Target.Metric
	target := w.metric(m, s.Target.Value)
	if s.Answer == nil {
		add(true, w.t("find.sizing.none", w.metricName(m), target))
		return
	}
	answer := w.t("unit.gpus", *s.Answer)
	if s.Kind == "cap" {
		answer = w.kw(*s.Answer)
	}
	there := w.t("na")
	for _, c := range s.Curve {
		if c.X == *s.Answer {
			if st, ok := c.Metrics[m]; ok {
				there = w.metricName(m) + " " + w.stat(m, st)
			}
		}
	}
	text := w.t("find.sizing."+s.Kind, w.metricName(m), target, answer, there) + " " + w.t("find.sizing.rule")
	if !s.Settled {
		text += w.t("find.sizing.unsettled")
	}
	add(true, text+".")
}

// numbers is the key-numbers table: one row per metric, one column per policy.
func (b *Brief) numbers() {
	w, r := b.w, &b.doc.Run
	t := Table{Head: []string{w.t("col.metric")}}
	for _, p := range r.Policies {
		t.Head = append(t.Head, w.policyShort(p.Name))
	}
	row := func(label string, cell func(p *Policy) string) {
		cells := []string{label}
		for i := range r.Policies {
			cells = append(cells, cell(&r.Policies[i]))
		}
		t.Rows = append(t.Rows, cells)
	}
	intf := func(n int) string { return w.p.Sprintf("%d", n) }
	stat := func(m string, v func(*Policy) float64) func(*Policy) string {
		return func(p *Policy) string { s, _ := b.num(p.Name, m, v(p)); return s }
	}
	row(w.metricName("gpus"), func(p *Policy) string { return intf(p.GPUs) })
	row(w.metricName("jobs"), func(p *Policy) string { return intf(p.Jobs.Submitted) })
	row(w.metricName(MetricCompleted), func(p *Policy) string { return intf(p.Jobs.Completed) })
	row(w.metricName(MetricInfeasible), func(p *Policy) string { return intf(p.Jobs.Infeasible) })
	row(w.metricName(MetricWaitMean), stat(MetricWaitMean, func(p *Policy) float64 { return p.WaitS.Mean }))
	row(w.metricName(MetricWaitP50), stat(MetricWaitP50, func(p *Policy) float64 { return p.WaitS.P50 }))
	row(w.metricName(MetricWaitP95), stat(MetricWaitP95, func(p *Policy) float64 { return p.WaitS.P95 }))
	row(w.metricName(MetricWaitP99), stat(MetricWaitP99, func(p *Policy) float64 { return p.WaitS.P99 }))
	row(w.metricName("wait_max_s"), func(p *Policy) string { return w.dur(p.WaitS.Max) })
	row(w.metricName(MetricSlowdown), func(p *Policy) string { return w.p.Sprintf("%.2f", p.MeanBoundedSlowdown) })
	row(w.metricName("jain"), func(p *Policy) string { return w.p.Sprintf("%.3f", p.JainSlowdown) })
	row(w.metricName(MetricUtilization), stat(MetricUtilization, func(p *Policy) float64 { return p.Utilization }))
	row(w.metricName(MetricEnergyFac), stat(MetricEnergyFac, func(p *Policy) float64 { return p.EnergyKWh.Facility }))
	row(w.metricName(MetricEnergyIT), func(p *Policy) string { return w.energy(p.EnergyKWh.IT) })
	row(w.metricName(MetricPeakPower), func(p *Policy) string { return w.kw(p.PeakPowerKW) })
	row(w.metricName("power_cap_kw"), func(p *Policy) string {
		switch {
		case p.PowerCapKW != nil:
			return w.kw(*p.PowerCapKW)
		case p.CapGiven:
			return w.t("uncapped")
		}
		return w.t("na")
	})
	row(w.metricName(MetricCapShare), func(p *Policy) string { return w.pct(p.CapTimeShare) })
	row(w.metricName(MetricCost), func(p *Policy) string { return w.krw(p.CostKRW) })
	row(w.metricName(MetricEmissions), func(p *Policy) string {
		if e, ok := emissions(p); ok {
			return w.co2(e)
		}
		return w.t("na")
	})
	optional := func(id string, get func(*Policy) *float64, f func(float64) string) {
		if slices.ContainsFunc(r.Policies, func(p Policy) bool { return get(&p) != nil }) {
			row(w.metricName(id), func(p *Policy) string {
				if v := get(p); v != nil {
					return f(*v)
				}
				return w.t("na")
			})
		}
	}
	optional(MetricKWhPerGPUH, func(p *Policy) *float64 { return p.KWhPerGPUHour }, func(v float64) string { return w.p.Sprintf("%.2f kWh", v) })
	optional("krw_per_gpu_hour", func(p *Policy) *float64 { return p.KRWPerGPUHour }, w.krw)
	optional("makespan_s", func(p *Policy) *float64 { return p.MakespanS }, w.dur)
	b.Numbers = t
}

func (b *Brief) sweepTable() {
	w, p := b.w, b.doc.Plan
	if len(p.Points) == 0 {
		return
	}
	t := &Table{}
	for _, s := range p.Sweep {
		t.Head = append(t.Head, w.key(s.Key))
	}
	t.Head = append(t.Head, w.t("col.runs"))
	var ms []string
	for _, m := range sweepMetrics {
		if slices.ContainsFunc(p.Points, func(pt Point) bool { _, ok := pt.Metrics[m]; return ok }) {
			ms = append(ms, m)
			t.Head = append(t.Head, w.metricName(m))
		}
	}
	// Where the cap binds at some point, its share of time is what tells the cap's cost from the
	// farm's size: a column of zeros would only crowd the table.
	if slices.ContainsFunc(p.Points, func(pt Point) bool { return pt.Metrics[MetricCapShare].Mean > 0 }) {
		ms = append(ms, MetricCapShare)
		t.Head = append(t.Head, w.metricName(MetricCapShare))
	}
	for _, pt := range p.Points {
		var row []string
		for _, s := range p.Sweep {
			if v, ok := pt.Params[s.Key]; ok {
				row = append(row, w.value(s.Key, v))
			} else {
				row = append(row, "")
			}
		}
		row = append(row, w.p.Sprintf("%d", pt.Runs))
		for _, m := range ms {
			if st, ok := pt.Metrics[m]; ok {
				row = append(row, w.statShort(m, st))
			} else {
				row = append(row, w.t("na"))
			}
		}
		t.Rows = append(t.Rows, row)
	}
	b.Sweep = t
}

func (b *Brief) sizingTable() {
	w, s := b.w, b.doc.Plan.Sizing
	if s == nil || len(s.Curve) == 0 {
		return
	}
	xkey := "farm_gpus"
	if s.Kind == "cap" {
		xkey = "power_cap_kw"
	}
	m := s.Target.Metric
	t := &Table{Head: []string{w.key(xkey), w.metricName(m), w.t("target")}}
	curve := slices.Clone(s.Curve)
	slices.SortStableFunc(curve, func(a, c SizingPoint) int { return cmpFloat(a.X, c.X) })
	for _, c := range curve {
		cell := w.t("na")
		meets := ""
		if st, ok := c.Metrics[m]; ok {
			cell = w.statShort(m, st)
			if st.Upper() <= s.Target.Value {
				meets = "✓ ≤ " + w.metric(m, s.Target.Value)
			}
		}
		x := w.p.Sprintf("%.0f", c.X)
		if s.Answer != nil && c.X == *s.Answer {
			x += " ← " + w.t("answer")
		}
		t.Rows = append(t.Rows, []string{x, cell, meets})
	}
	b.Sizing = t
}

func (b *Brief) charts() error {
	w, r := b.w, &b.doc.Run
	add := func(cs ...*Chart) {
		for _, c := range cs {
			if c != nil {
				b.Charts = append(b.Charts, c)
			}
		}
	}
	c, err := cdfChart(w, r)
	if err != nil {
		return err
	}
	add(c)
	tl, err := timelineCharts(w, r)
	if err != nil {
		return err
	}
	add(tl...)
	if c, err = ownersChart(w, r); err != nil {
		return err
	}
	add(c)
	if p := b.doc.Plan; p != nil {
		sw, err := sweepCharts(w, p)
		if err != nil {
			return err
		}
		add(sw...)
		if c, err = sizingChart(w, p.Sizing); err != nil {
			return err
		}
		add(c)
	}
	return nil
}

func (b *Brief) assumptions() {
	w, r := b.w, &b.doc.Run
	b.Assumptions = Table{Head: []string{w.t("col.key"), w.t("col.value"), w.t("col.source")}}
	for _, a := range r.Assumptions {
		src := a.Source
		if a.Estimate && !strings.Contains(strings.ToLower(src), "estimate") {
			src = w.t("estimate") + ": " + src
		}
		b.Assumptions.Rows = append(b.Assumptions.Rows, []string{a.Key, a.Value, src})
	}
	if len(r.Assumptions) == 0 {
		b.AssumptionsNote = w.t("assumptions.none", r.Scenario)
	}
}

func (b *Brief) repro() {
	w, d := b.w, b.doc
	seeds := seedList(d.Seeds())
	events := w.t("repro.events.none")
	if e := d.Events; e != nil {
		events = w.t("repro.events.range", e.Since, e.Until, e.FirstSeq, e.LastSeq)
	}
	hash := d.ScenarioHash
	if hash == "" {
		hash = w.t("na")
	}
	b.Repro = Table{Rows: [][]string{
		{w.t("repro.version"), d.Version},
		{w.t("repro.hash"), hash},
		{w.t("repro.seeds"), seeds},
		{w.t("repro.events"), events},
		{w.t("repro.window"), b.Window},
		{w.t("repro.input"), filepath.Base(d.File)},
	}}
}

// footer formats the page footer for page n of pages (pages may be a placeholder the PDF replaces).
func (b *Brief) footer(n int, pages string) string {
	d := b.doc
	short := d.ScenarioHash
	if len(short) > 12 {
		short = short[:12]
	}
	seeds := seedList(d.Seeds())
	if len(seeds) > 24 {
		seeds = seeds[:21] + "..."
	}
	return b.w.t("footer", d.Version, d.Scenario, short, seeds, n, pages)
}

func seedList(seeds []uint64) string {
	s := make([]string, len(seeds))
	for i, v := range seeds {
		s[i] = strconv.FormatUint(v, 10)
	}
	return strings.Join(s, ", ")
}

// emissions is a policy's emissions when known: null means no emission factor, and so does zero
// emissions from non-zero energy (older results wrote 0 for a missing factor).
func emissions(p *Policy) (float64, bool) {
	if p.EmissionsKgCO2 == nil || (*p.EmissionsKgCO2 == 0 && p.EnergyKWh.Facility > 0) {
		return 0, false
	}
	return *p.EmissionsKgCO2, true
}
