package report

import (
	"regexp"
	"slices"
	"testing"
	"unicode"
)

var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*(\*|\d+)?(\.(\*|\d+))?[a-zA-Z%]`)

// verbs lists a message's printf verbs by argument: with explicit indexes, the order of words may
// differ between languages but each argument must be printed the same way.
func verbs(s string) []string {
	var out []string
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(s, -1) {
		v := m[0]
		if v == "%%" {
			continue
		}
		idx := next
		if m[1] != "" {
			idx = int(m[1][1] - '0')
			if len(m[1]) > 3 {
				idx = idx*10 + int(m[1][2]-'0')
			}
			v = "%" + v[len(m[1])+1:]
		}
		out = append(out, string(rune('0'+idx))+v)
		next = idx + 1
		if m[2] == "*" || m[4] == "*" {
			next++
		}
	}
	slices.Sort(out)
	return out
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range messages {
		if seen[m.id] {
			t.Errorf("message %s defined twice", m.id)
		}
		seen[m.id] = true
		if m.en == "" || m.ko == "" {
			t.Errorf("message %s lacks a language", m.id)
		}
		if a, b := verbs(m.en), verbs(m.ko); !slices.Equal(a, b) {
			t.Errorf("message %s: English verbs %v, Korean %v", m.id, a, b)
		}
		letters := false
		for _, r := range m.en {
			letters = letters || unicode.IsLetter(r)
		}
		hangul := false
		for _, r := range m.ko {
			hangul = hangul || unicode.Is(unicode.Hangul, r)
		}
		// Units and symbols (kWh, %) are the same in both languages; words are not.
		if letters && !hangul && m.en != m.ko && !slices.Contains([]string{"unit.kwh", "unit.mwh", "unit.kw",
			"unit.kw1", "unit.kgco2", "unit.tco2", "unit.num", "ci.short"}, m.id) {
			t.Errorf("message %s has no Korean words: %q", m.id, m.ko)
		}
	}
}

func TestWords(t *testing.T) {
	en, ko := newWords(English), newWords(Korean)
	cases := []struct {
		name   string
		en, ko string
		got    func(w words) string
	}{
		{"seconds", "45 s", "45초", func(w words) string { return w.dur(45) }},
		{"minutes", "17.6 min", "17.6분", func(w words) string { return w.dur(1055.2) }},
		{"whole hours", "24 h", "24시간", func(w words) string { return w.dur(86400) }},
		{"days", "3.1 days", "3.1일", func(w words) string { return w.dur(270355) }},
		{"tick days", "7 d", "7일", func(w words) string { return w.durTick(7 * 86400) }},
		{"energy", "2,091 kWh", "2,091 kWh", func(w words) string { return w.energy(2091.2) }},
		{"large energy", "1,672.1 MWh", "1,672.1 MWh", func(w words) string { return w.energy(1672123) }},
		{"money", "415,033 KRW", "415,033원", func(w words) string { return w.krw(415033.4) }},
		{"millions", "540.6 million KRW", "540.6백만 원", func(w words) string { return w.krw(540.6e6) }},
		{"share", "43.7%", "43.7%", func(w words) string { return w.pct(0.43707) }},
		{"small power", "9.5 kW", "9.5 kW", func(w words) string { return w.kw(9.5) }},
		{"interval", "3.1 days (95% CI 2.7 days–3.5 days)", "3.1일 (95% 신뢰구간 2.7일–3.5일)",
			func(w words) string { return w.stat(MetricWaitP95, Stat{Mean: 270000, Lo: 235000, Hi: 305000}) }},
		{"interval one unit", "66 min [54 min–78 min]", "66분 [54분–78분]",
			func(w words) string { return w.statShort(MetricWaitP95, Stat{Mean: 3960, Lo: 3240, Hi: 4680}) }},
		{"policy", "farm EASY", "팜 EASY", func(w words) string { return w.policyShort("easy") }},
		{"unknown policy", "gang", "gang", func(w words) string { return w.policyShort("gang") }},
		{"share value", "50%", "50%", func(w words) string { return w.value("farm_share", Value{Num: 0.5, IsNum: true}) }},
	}
	for _, c := range cases {
		if got := c.got(en); got != c.en {
			t.Errorf("%s en = %q, want %q", c.name, got, c.en)
		}
		if got := c.got(ko); got != c.ko {
			t.Errorf("%s ko = %q, want %q", c.name, got, c.ko)
		}
	}
}
