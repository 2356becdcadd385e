package planner_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/scenarios"
)

// smallWith is the built-in small scenario's text with extra appended, parsed as plan.yaml.
func smallWith(t testing.TB, extra string) (string, *scenarios.Scenario, error) {
	t.Helper()
	base, ok := scenarios.BuiltinSource("small")
	if !ok {
		t.Fatal("no built-in small")
	}
	text := string(base) + "\n" + extra
	s, err := scenarios.Parse("plan.yaml", []byte(text))
	return text, s, err
}

// TestFileSweepEqualsFlags: a sweep read from a file is the axes the same sweep gives as
// --sweep flags, key order and value types included.
func TestFileSweepEqualsFlags(t *testing.T) {
	cases := []struct {
		name  string
		yaml  string
		flags []string
	}{
		{"one key", "sweep: {farm_share: [0, 0.25, 1]}", []string{"farm_share=0,0.25,1"}},
		{"keys in file order", "sweep:\n  policy: [easy, fifo]\n  load_growth: [1, 1.5]\n  cap_mode: queue\n",
			[]string{"policy=easy,fifo", "load_growth=1,1.5", "cap_mode=queue"}},
		{"numbers as YAML writes them", "sweep: {power_cap_kw: [1e3, 0x1p-2, '12', 0.0], farm_gpus: [16]}",
			[]string{"power_cap_kw=1e3,0x1p-2,12,0.0", "farm_gpus=16"}},
		{"no sweep", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, s, err := smallWith(t, tc.yaml)
			if err != nil {
				t.Fatal(err)
			}
			got, err := planner.FileSweep(s)
			if err != nil {
				t.Fatal(err)
			}
			want := []planner.Axis{}
			for _, f := range tc.flags {
				a, err := planner.ParseAxis(f)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, a)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("file sweep %+v, flags give %+v", got, want)
			}
		})
	}
}

// TestFileSweepBadEntries: every bad entry is reported at once, each at its file, line and
// field, as invalid input; the message is the one --sweep gives for the same value.
func TestFileSweepBadEntries(t *testing.T) {
	text, s, err := smallWith(t, `sweep:
  colour: [red]
  farm_share: [0, 2, half]
  policy: fragmented
  estimate_factor:
    - 1
    - 0.5
`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = planner.FileSweep(s)
	if !errors.Is(err, scenarios.ErrInvalid) {
		t.Fatalf("got %v, want scenarios.ErrInvalid", err)
	}
	lines := strings.Split(text, "\n")
	lineOf := func(marker string) int {
		for i := len(lines) - 1; i >= 0; i-- { // the sweep is at the end
			if strings.Contains(lines[i], marker) {
				return i + 1
			}
		}
		t.Fatalf("no %q", marker)
		return 0
	}
	want := []struct {
		path, marker, msg string
	}{
		{"sweep.colour", "colour:", "unknown sweep key (have farm_share, farm_gpus"},
		{"sweep.farm_share[1]", "farm_share:", "want a share in [0, 1], got 2"},
		{"sweep.farm_share[2]", "farm_share:", `"half" is not a number`},
		{"sweep.policy", "policy: fragmented", "want a farm policy"},
		{"sweep.estimate_factor[1]", "- 0.5", "want a factor >= 1, got 0.5"},
	}
	var fes []*scenarios.FieldError
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *scenarios.FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("%v is no FieldError", e)
		}
		fes = append(fes, fe)
	}
	if len(fes) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(fes), len(want), err)
	}
	for i, w := range want {
		fe := fes[i]
		if fe.File != "plan.yaml" || fe.Path != w.path || fe.Line != lineOf(w.marker) || !strings.HasPrefix(fe.Msg, w.msg) {
			t.Errorf("problem %d: %v, want plan.yaml:%d: %s: %s...", i, fe, lineOf(w.marker), w.path, w.msg)
		}
	}
	// The same value on the command line says the same thing.
	_, cli := planner.ParseAxis("farm_share=0,2")
	if !strings.HasSuffix(cli.Error(), fes[1].Msg) {
		t.Errorf("--sweep says %q, the file %q", cli, fes[1].Msg)
	}
}

// FuzzFileSweep: whatever follows a valid scenario, FileSweep never panics; it either reports
// located problems or gives axes that --sweep gives for the same values, written as flags.
func FuzzFileSweep(f *testing.F) {
	f.Add("sweep: {farm_share: [0, 0.5, 1], policy: [fifo, easy]}")
	f.Add("sweep: {farm_gpus: [8.0, 1e1], cap_mode: [queue, throttle]}")
	f.Add("sweep: {load_growth: [.nan, .inf, -1, 0x10, 1_0]}")
	f.Add("sweep: {estimate_factor: ['1', \" 2 \"], power_cap_kw: [-0]}")
	f.Add("sweep: {farm_share: [0, 0], x: 1}")
	f.Fuzz(func(t *testing.T, extra string) {
		_, s, err := smallWith(t, extra)
		if err != nil {
			return
		}
		axes, err := planner.FileSweep(s)
		if err != nil {
			var fe *scenarios.FieldError
			if !errors.Is(err, scenarios.ErrInvalid) || !errors.As(err, &fe) || fe.File != "plan.yaml" {
				t.Fatalf("unlocated problem: %v", err)
			}
			return
		}
		for i, a := range axes {
			raw := s.Sweep[i].Values
			if strings.ContainsAny(strings.Join(raw, ""), ",=") {
				continue // a value --sweep cannot write
			}
			cli, err := planner.ParseAxis(a.Key + "=" + strings.Join(raw, ","))
			if err != nil || !reflect.DeepEqual(cli, a) {
				t.Fatalf("file gives %+v, --sweep %+v (%v)", a, cli, err)
			}
		}
	})
}
