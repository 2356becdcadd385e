package scenarios

import (
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/sim"
)

func TestMeasureKey(t *testing.T) {
	const day = 86400.0
	cases := []struct {
		name    string
		yaml    string // appended to baseYAML (horizon 2d)
		want    sim.Measure
		path    string // "" when valid
		msg     string
		hashSet bool // the hash differs from the scenario without the key
	}{
		{"absent", "", sim.Measure{}, "", "", false},
		{"from and horizon", "measure: {from: 12h, to: horizon}", sim.Measure{FromS: day / 2, ToS: 2 * day}, "", "", true},
		{"from only", "measure: {from: 1d}", sim.Measure{FromS: day}, "", "", true},
		{"seconds", "measure: {from: 600, to: 7200}", sim.Measure{FromS: 600, ToS: 7200}, "", "", true},
		{"to before from", "measure: {from: 1d, to: 12h}", sim.Measure{}, "measure.to", "must be after from (1d), got 12h", false},
		{"from after horizon", "measure: {from: 3d, to: horizon}", sim.Measure{}, "measure.to", "must be after from (3d), got horizon", false},
		{"negative from", "measure: {from: -5}", sim.Measure{}, "measure.from", "must be at least 0, got -5", false},
		{"bad duration", "measure: {from: 1 week}", sim.Measure{}, "measure.from", "want seconds or number-unit terms", false},
		{"unknown key", "measure: {start: 1d}", sim.Measure{}, "measure.start", "unknown key", false},
	}
	plain, err := Parse("t.yaml", []byte(baseYAML))
	if err != nil {
		t.Fatal(err)
	}
	b0, err := plain.Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := baseYAML + tc.yaml + "\n"
			s, err := Parse("t.yaml", []byte(text))
			if tc.path != "" {
				fes := fieldErrors(err)
				if len(fes) != 1 || fes[0].Path != tc.path || !strings.HasPrefix(fes[0].Msg, tc.msg) || fes[0].Line != lineOf(t, text, "measure:") {
					t.Fatalf("error %v, want %s at line %d: %s", err, tc.path, lineOf(t, text, "measure:"), tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := s.Build()
			if err != nil {
				t.Fatal(err)
			}
			if b.Options.Measure != tc.want {
				t.Errorf("measure %+v, want %+v", b.Options.Measure, tc.want)
			}
			if (b.Hash != b0.Hash) != tc.hashSet {
				t.Errorf("hash changed %v, want %v", b.Hash != b0.Hash, tc.hashSet)
			}
			if c := s.Clone(); s.Measure != nil && (c.Measure == s.Measure || *c.Measure != *s.Measure) {
				t.Errorf("clone shares or changes measure")
			}
		})
	}
}

func TestParseMeasure(t *testing.T) {
	const week = 7 * 86400.0
	cases := []struct {
		in      string
		horizon float64
		want    sim.Measure
		err     string // prefix; "" when valid
	}{
		{"1w..horizon", 8 * week, sim.Measure{FromS: week, ToS: 8 * week}, ""},
		{"2d..6w", 0, sim.Measure{FromS: 2 * 86400, ToS: 6 * week}, ""},
		{"1w..", 0, sim.Measure{FromS: week}, ""},
		{"..3d", 0, sim.Measure{ToS: 3 * 86400}, ""},
		{" 1h .. 2h ", 0, sim.Measure{FromS: 3600, ToS: 7200}, ""},
		{"1w..horizon", 0, sim.Measure{}, "to: horizon needs a horizon"},
		{"1w", 0, sim.Measure{}, "want FROM..TO"},
		{"..", 0, sim.Measure{}, ""},
		{"all", 8 * week, sim.Measure{}, ""},
		{"0..0", 0, sim.Measure{}, ""},
		{"2w..1w", 0, sim.Measure{}, "to: must be after from (2w), got 1w"},
		{"x..1w", 0, sim.Measure{}, "from: want seconds"},
		{"1w..y", 0, sim.Measure{}, "to: want seconds"},
	}
	for _, tc := range cases {
		got, err := ParseMeasure(tc.in, tc.horizon)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%q: %+v, %v; want %+v", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
		}
	}
}

// TestInstituteMeasuresSteadyState: the seed case says it measures from week 1 to its horizon.
func TestInstituteMeasuresSteadyState(t *testing.T) {
	s, err := Builtin("institute-3000")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Measure.window(float64(s.Horizon))
	if err != nil || m != (sim.Measure{FromS: 7 * 86400, ToS: 8 * 7 * 86400}) {
		t.Errorf("institute-3000 measures %+v (%v), want week 1 to week 8", m, err)
	}
}

// FuzzParseMeasure: any text either fails or gives a window the simulator accepts.
func FuzzParseMeasure(f *testing.F) {
	for _, s := range []string{"1w..horizon", "2d..6w", "..", "all", "1e308..1e309", "-1..5", "1w1d..2w", "..nan", "3..3"} {
		f.Add(s, 8*7*86400.0)
	}
	f.Fuzz(func(t *testing.T, s string, horizon float64) {
		m, err := ParseMeasure(s, horizon)
		if err != nil {
			return
		}
		if !finite(m.FromS) || !finite(m.ToS) || m.FromS < 0 || m.ToS < 0 || m.ToS != 0 && m.ToS <= m.FromS {
			t.Fatalf("%q (horizon %v): accepted %+v", s, horizon, m)
		}
	})
}
