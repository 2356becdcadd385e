package scenarios

import (
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const sweepYAML = `sweep:
  farm_share: [0, 0.5, 1]
  policy: easy
  load_growth:
    - 1
    - 1.5
reps: 7
`

func TestSweepDecodes(t *testing.T) {
	s, err := Parse("t.yaml", []byte(baseYAML+sweepYAML))
	if err != nil {
		t.Fatal(err)
	}
	want := Sweep{
		{Key: "farm_share", Values: []string{"0", "0.5", "1"}, list: true, tags: []string{"!!int", "!!float", "!!int"}},
		{Key: "policy", Values: []string{"easy"}, tags: []string{"!!str"}},
		{Key: "load_growth", Values: []string{"1", "1.5"}, list: true, tags: []string{"!!int", "!!float"}},
	}
	if !reflect.DeepEqual(s.Sweep, want) || s.Reps != 7 {
		t.Fatalf("decoded sweep %+v reps %d, want %+v reps 7", s.Sweep, s.Reps, want)
	}
	text := baseYAML + sweepYAML
	for _, tc := range []struct {
		path, marker string
	}{
		{s.Sweep[0].Path(2), "farm_share: [0"},
		{s.Sweep[1].Path(0), "policy: easy"},
		{s.Sweep[2].Path(-1), "load_growth:"},
		{s.Sweep[2].Path(1), "- 1.5"},
	} {
		fe := s.FieldError(tc.path, "x")
		if fe.File != "t.yaml" || fe.Line != lineOf(t, text, tc.marker) {
			t.Errorf("%s: at %s:%d, want t.yaml:%d", tc.path, fe.File, fe.Line, lineOf(t, text, tc.marker))
		}
	}
	if s.Sweep[1].Path(0) != "sweep.policy" || s.Sweep[0].Path(2) != "sweep.farm_share[2]" {
		t.Errorf("paths %q %q", s.Sweep[1].Path(0), s.Sweep[0].Path(2))
	}
}

// TestSweepShapeErrors: a sweep that is not a mapping of values, and reps out of range, are
// reported at their file, line and field; the values' meaning is the planner's to check.
func TestSweepShapeErrors(t *testing.T) {
	cases := []struct {
		name, extra, path, marker, msg string
	}{
		{"not a mapping", "sweep: [farm_share, 0]\n", "sweep", "sweep:", "want a mapping"},
		{"no values", "sweep:\n  farm_share: []\n", "sweep.farm_share", "farm_share", "no values"},
		{"nested list", "sweep:\n  farm_share: [0, [1]]\n", "sweep.farm_share[1]", "farm_share", "want a value"},
		{"null value", "sweep:\n  policy:\n    - fifo\n    - ~\n", "sweep.policy[1]", "- ~", "want a value"},
		{"mapping value", "sweep:\n  policy: {a: 1}\n", "sweep.policy", "policy:", "want a value"},
		{"repeated key", "sweep:\n  policy: [fifo]\n  policy: [easy]\n", "sweep.policy", "policy: [easy]", "repeated key"},
		{"one rep", "reps: 1\n", "reps", "reps:", "want 2 to 10000"},
		{"too many reps", "reps: 10001\n", "reps", "reps:", "want 2 to 10000"},
		{"reps not a number", "reps: many\n", "reps", "reps:", "want a whole number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := baseYAML + tc.extra
			_, err := Parse("t.yaml", []byte(text))
			if err == nil {
				t.Fatal("accepted")
			}
			fes := fieldErrors(err)
			if len(fes) != 1 {
				t.Fatalf("want one problem, got %v", err)
			}
			fe := fes[0]
			if fe.File != "t.yaml" || fe.Path != tc.path || fe.Line != lineOf(t, text, tc.marker) || !strings.Contains(fe.Msg, tc.msg) {
				t.Errorf("got %v, want t.yaml:%d: %s: %s", fe, lineOf(t, text, tc.marker), tc.path, tc.msg)
			}
		})
	}
}

// TestSweepLeftOutOfHash: a sweep and reps change no run, so a scenario keeps its hash with or
// without them (a plan cites the same scenario whether its sweep came from the file or from
// flags); the canonical form of a file without them has no trace of the keys.
func TestSweepLeftOutOfHash(t *testing.T) {
	hash := func(text string) string {
		t.Helper()
		s, err := Parse("t.yaml", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Build()
		if err != nil {
			t.Fatal(err)
		}
		return b.Hash
	}
	plain := hash(baseYAML)
	if h := hash(baseYAML + sweepYAML); h != plain {
		t.Errorf("a sweep changed the hash: %s, want %s", h, plain)
	}
	if h := hash(strings.Replace(baseYAML, "seed: 3", "seed: 4", 1)); h == plain {
		t.Error("the hash does not see the seed: the comparison above proves nothing")
	}
	s, err := Parse("t.yaml", []byte(baseYAML))
	if err != nil {
		t.Fatal(err)
	}
	data, err := yaml.Marshal(canonical{Version: 1, Scenario: s.Clone()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "allow_oversize") || strings.Contains(string(data), "sweep") || strings.Contains(string(data), "reps") {
		t.Errorf("canonical form:\n%s", data)
	}
}

// TestSweepRoundTripAndClone: a written scenario reads back with the same sweep; a clone's sweep
// is its own.
func TestSweepRoundTripAndClone(t *testing.T) {
	s, err := Parse("t.yaml", []byte(baseYAML+sweepYAML))
	if err != nil {
		t.Fatal(err)
	}
	checkSweepRoundTrip(t, s)
	odd, err := Parse("t.yaml", []byte(baseYAML+"sweep: {a: [\"null\", '', \"0,1\", '~', 1e3, .inf, true]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	checkSweepRoundTrip(t, odd)
	c := s.Clone()
	c.Sweep[0].Values[0] = "0.25"
	c.Sweep[1].Key = "x"
	if s.Sweep[0].Values[0] != "0" || s.Sweep[1].Key != "policy" {
		t.Errorf("changing a clone's sweep changed the original: %+v", s.Sweep)
	}
}

// checkSweepRoundTrip marshals s's sweep and reads it back.
func checkSweepRoundTrip(t *testing.T, s *Scenario) {
	t.Helper()
	data, err := yaml.Marshal(struct {
		Sweep Sweep `yaml:"sweep"`
	}{s.Sweep})
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("t.yaml", []byte(baseYAML+string(data)))
	if err != nil {
		t.Fatalf("written sweep does not read back: %v\n%s", err, data)
	}
	if len(back.Sweep) != len(s.Sweep) {
		t.Fatalf("read back %+v from\n%s, want %+v", back.Sweep, data, s.Sweep)
	}
	for i := range s.Sweep {
		if back.Sweep[i].Key != s.Sweep[i].Key || !reflect.DeepEqual(back.Sweep[i].Values, s.Sweep[i].Values) {
			t.Fatalf("read back %+v from\n%s, want %+v", back.Sweep, data, s.Sweep)
		}
	}
}

// FuzzSweep feeds the sweep decoder any text after a valid scenario: it never panics, reports
// only located problems, and a sweep it accepts has values on every axis and reads back as
// written.
func FuzzSweep(f *testing.F) {
	f.Add(sweepYAML)
	f.Add("sweep: {farm_share: [0, .5, 1e0], policy: fifo}\n")
	f.Add("sweep:\n  a: &x [1, 2]\n  b: *x\n")
	f.Add("sweep: {a: [\"0,1\", '', \"x: y\", '#', null]}\n")
	f.Add("sweep: {? [a]: 1}\n")
	f.Add("sweep:\n  farm_share: !!binary aGk=\nreps: 0x10\n")
	f.Fuzz(func(t *testing.T, extra string) {
		s, err := Parse("f.yaml", []byte(baseYAML+extra))
		if err != nil {
			for _, fe := range fieldErrors(err) {
				if fe.File != "f.yaml" || fe.Line < 0 {
					t.Fatalf("bad location %+v", fe)
				}
			}
			return
		}
		for _, a := range s.Sweep {
			if len(a.Values) == 0 {
				t.Fatalf("accepted an axis without values: %+v", a)
			}
		}
		if s.Reps != 0 && (s.Reps < 2 || s.Reps > maxReps) {
			t.Fatalf("accepted reps %d", s.Reps)
		}
		checkSweepRoundTrip(t, s)
	})
}
