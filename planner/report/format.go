package report

import (
	"math"
	"strings"

	"golang.org/x/text/message"
)

// words formats text and numbers in one language; every string the renderers print goes through it.
type words struct {
	lang Lang
	p    *message.Printer
}

func newWords(l Lang) words { return words{lang: l, p: printer(l)} }

// t looks up a message and formats its arguments in the brief's language.
func (w words) t(id string, a ...any) string { return w.p.Sprintf(id, a...) }

// dur picks a unit a reader takes in at a glance: seconds, minutes, hours or days.
func (w words) dur(s float64) string { return w.durIn(s, s) }

// durIn formats s in the unit that suits ref, so both ends of an interval share one unit.
func (w words) durIn(s, ref float64) string {
	switch a := math.Abs(ref); {
	case a < 90:
		return w.t("unit.s", s)
	case a < 90*60:
		return w.inUnit("unit.min", s/60)
	case a < 48*3600:
		return w.inUnit("unit.h", s/3600)
	default:
		return w.inUnit("unit.d", s/86400)
	}
}

// durTick labels a round duration of an axis in its natural unit: 1 min, 6 h, 7 days.
func (w words) durTick(s float64) string {
	switch {
	case s < 60:
		return w.t("unit.s", s)
	case s < 3600:
		return w.inUnit("unit.min", s/60)
	case s < 86400:
		return w.inUnit("unit.h", s/3600)
	default:
		return w.inUnit("unit.dshort", s/86400)
	}
}

// inUnit prints one decimal, or none for a whole number ("24 h", not "24.0 h").
func (w words) inUnit(id string, v float64) string {
	prec := 1
	if math.Abs(v-math.Round(v)) < 0.05 {
		prec = 0
	}
	return w.t(id, prec, v)
}

func (w words) pct(x float64) string { return w.t("unit.pct", 100*x) }

func (w words) energy(kwh float64) string {
	if math.Abs(kwh) >= 10000 {
		return w.t("unit.mwh", kwh/1000)
	}
	return w.t("unit.kwh", kwh)
}

func (w words) krw(x float64) string {
	if math.Abs(x) >= 1e6 {
		return w.t("unit.mkrw", x/1e6)
	}
	return w.t("unit.krw", x)
}

func (w words) co2(kg float64) string {
	if math.Abs(kg) >= 10000 {
		return w.t("unit.tco2", kg/1000)
	}
	return w.t("unit.kgco2", kg)
}

func (w words) kw(x float64) string {
	if math.Abs(x) < 100 {
		return w.t("unit.kw1", x)
	}
	return w.t("unit.kw", x)
}

// metric formats a value of a plan metric in its unit.
func (w words) metric(name string, v float64) string {
	return w.metricIn(name, v, v)
}

func (w words) metricIn(name string, v, ref float64) string {
	switch name {
	case MetricWaitMean, MetricWaitP50, MetricWaitP95, MetricWaitP99, "wait_max_s", "makespan_s":
		return w.durIn(v, ref)
	case MetricUtilization, MetricCapShare:
		return w.pct(v)
	case MetricEnergyFac, MetricEnergyIT:
		if math.Abs(ref) >= 10000 {
			return w.t("unit.mwh", v/1000)
		}
		return w.t("unit.kwh", v)
	case MetricPeakPower, "power_cap_kw":
		return w.kw(v)
	case MetricCost:
		if math.Abs(ref) >= 1e6 {
			return w.t("unit.mkrw", v/1e6)
		}
		return w.t("unit.krw", v)
	case MetricEmissions:
		if math.Abs(ref) >= 10000 {
			return w.t("unit.tco2", v/1000)
		}
		return w.t("unit.kgco2", v)
	case "gpus":
		return w.t("unit.gpus", v)
	default:
		return w.t("unit.num", v)
	}
}

// stat formats a mean with its 95% interval, both ends in the mean's unit; one run has none, and
// the text says so rather than print a made-up interval.
func (w words) stat(name string, s Stat) string {
	if !s.HasInterval() {
		return w.t("ci.none", w.metric(name, s.Mean))
	}
	ref := math.Max(math.Abs(s.Hi), math.Abs(s.Mean))
	return w.t("ci", w.metricIn(name, s.Mean, ref), w.metricIn(name, s.Lo, ref), w.metricIn(name, s.Hi, ref))
}

// statShort is stat for table cells: mean [lo–hi].
func (w words) statShort(name string, s Stat) string {
	if !s.HasInterval() {
		return w.t("ci.none.short", w.metric(name, s.Mean))
	}
	ref := math.Max(math.Abs(s.Hi), math.Abs(s.Mean))
	return w.t("ci.short", w.metricIn(name, s.Mean, ref), w.metricIn(name, s.Lo, ref), w.metricIn(name, s.Hi, ref))
}

// label is a message that may be missing (an unknown policy or sweep key): the raw name then.
func (w words) label(prefix, name string) string {
	id := prefix + name
	for _, m := range messages {
		if m.id == id {
			return w.t(id)
		}
	}
	return name
}

func (w words) policy(name string) string      { return w.label("policy.", name) }
func (w words) policyShort(name string) string { return w.label("policy.short.", name) }
func (w words) key(name string) string         { return w.label("key.", name) }
func (w words) metricName(name string) string  { return w.label("metric.", name) }

// value formats a sweep value: a policy name, a share, or a plain number.
func (w words) value(key string, v Value) string {
	if !v.IsNum {
		if key == "policy" {
			return w.policyShort(v.Str)
		}
		return v.Str
	}
	switch key {
	case "farm_share":
		return w.inUnit("unit.pctn", 100*v.Num)
	case "power_cap_kw":
		return w.kw(v.Num)
	default:
		return w.t("unit.num", v.Num)
	}
}

func (w words) list(items []string) string { return strings.Join(items, w.t("list.sep")) }
