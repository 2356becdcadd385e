package report_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/planner/report"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func decodeFixture(t testing.TB, name string) *report.Document {
	t.Helper()
	d, err := report.Decode(name, readFixture(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDecodeFixtures(t *testing.T) {
	sim := decodeFixture(t, "simulate-small.json")
	if sim.Kind != "simulate" || sim.Plan != nil {
		t.Fatalf("simulate result decoded as kind %q plan %v", sim.Kind, sim.Plan != nil)
	}
	if got := len(sim.Policies); got != 3 {
		t.Fatalf("policies = %d, want 3", got)
	}
	if p := sim.Policy("fragmented"); p == nil || p.WaitS.P95 != 270355.53047244 || p.EmissionsKgCO2 == nil {
		t.Fatalf("fragmented policy not decoded as written: %+v", p)
	}
	if sim.Policies[0].PowerCapKW != nil || sim.Policies[0].WaitCDFS != nil || sim.Policies[1].CapGiven {
		t.Fatal("absent optional fields must stay absent")
	}

	plan := decodeFixture(t, "plan-small.json")
	if plan.Kind != "plan" || plan.Plan == nil {
		t.Fatalf("plan decoded as kind %q", plan.Kind)
	}
	if got := len(plan.Plan.Points); got != 6 {
		t.Fatalf("points = %d, want 6", got)
	}
	fs := plan.Plan.Points[2].Params["farm_share"]
	pol := plan.Plan.Points[1].Params["policy"]
	if !fs.IsNum || fs.Num != 0.5 || pol.IsNum || pol.Str != "easy" {
		t.Fatalf("params decoded wrong: farm_share %+v policy %+v", fs, pol)
	}
	if a := plan.Plan.Sizing.Answer; a == nil || *a != 22 {
		t.Fatalf("sizing answer = %v, want 22", a)
	}
	if plan.Measure == nil || !plan.Measure.SteadyState || plan.Policies[1].PowerCapKW == nil ||
		*plan.Policies[1].PowerCapKW != 9.5 || plan.Policies[0].EmissionsKgCO2 != nil {
		t.Fatal("the plan's run lost its optional fields")
	}
	// null (uncapped) and absent (unknown) are told apart.
	if !plan.Policies[0].CapGiven || plan.Policies[0].PowerCapKW != nil || !plan.Policies[1].CapGiven {
		t.Fatalf("power_cap_kw null not recognised: %+v", plan.Policies[0].CapGiven)
	}
	if got := plan.Seeds(); len(got) != 5 || got[4] != 5 {
		t.Fatalf("seeds = %v", got)
	}
}

// TestDecodeErrors checks that every kind of bad input is refused with the file, the line and the
// field named.
func TestDecodeErrors(t *testing.T) {
	good := string(readFixture(t, "simulate-small.json"))
	plan := string(readFixture(t, "plan-small.json"))
	cases := []struct {
		name, doc string
		line      int // 0: any
		field     string
		msg       string
	}{
		{"syntax", "{\n  \"policies\": [\n  }", 3, "", "invalid JSON"},
		{"empty", "", 1, "", "JSON"},
		{"trailing", `{"policies": [{"name": "a"}]} x`, 1, "", "invalid JSON"},
		{"type", "{\n\"scenario\": 3}", 2, "scenario", "want string"},
		{"nested type", `{"policies": [{"name": "a", "wait_s": {"p95": "long"}}]}`, 1, "policies.wait_s.p95", "want float64"},
		{"no policies", "\n{\"scenario\": \"s\"}", 2, "policies", "no policies"},
		{"unknown kind", "{\n\"kind\": \"sweep\"}", 2, "kind", `"sweep"`},
		{"plan without run", `{"kind": "plan"}`, 1, "run", "missing"},
		{"duplicate policy", strings.Replace(good, `"name": "fifo"`, `"name": "fragmented"`, 1), 0, "policies[1].name", "twice"},
		{"negative wait", strings.Replace(good, `"p95": 1055.205269027576`, `"p95": -1`, 1), 0, "policies[1].wait_s.p95", "negative"},
		{"utilization above 1", strings.Replace(good, `"utilization": 0.2897334554049885`, `"utilization": 1.5`, 1), 0, "policies[0].utilization", "outside"},
		{"comparison to nothing", strings.Replace(good, `"baseline": "fragmented"`, `"baseline": "labs"`, 1), 0, "comparisons[0].baseline", "not among"},
		{"short timeline", `{"policies": [{"name": "a", "timeline": {"t_s": [1, 2], "utilization": [0.5]}}]}`, 1, "policies[0].timeline.utilization", "1 samples"},
		{"time backwards", `{"policies": [{"name": "a", "timeline": {"t_s": [2, 1]}}]}`, 1, "policies[0].timeline.t_s", "backwards"},
		{"short cdf", `{"policies": [{"name": "a",` + "\n" + `"wait_cdf_s": [0, 1]}]}`, 2, "policies[0].wait_cdf_s", "want 101"},
		{"interval", strings.Replace(plan, `"hi": 247.0`, `"hi": 1`, 1), 0, "points[0].metrics.completed", "outside its interval"},
		{"sizing kind", strings.Replace(plan, `"kind": "gpus"`, `"kind": "money"`, 1), 0, "sizing.kind", "money"},
		{"sweep value", strings.Replace(plan, `"values": [
    0,`, `"values": [
    true,`, 1), 0, "", "number or a string"},
		{"param not swept", strings.Replace(plan, `"policy": "fifo"`, `"load": 2`, 1), 0, "points[0].params.load", "not a swept key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := report.Decode("in.json", []byte(c.doc))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, report.ErrBadResults) {
				t.Fatalf("error %v does not wrap ErrBadResults", err)
			}
			var de *report.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "in.json") || !strings.Contains(msg, c.msg) {
				t.Fatalf("error %q: want file in.json and %q", msg, c.msg)
			}
			if de.Field != c.field {
				t.Fatalf("field = %q, want %q (%s)", de.Field, c.field, msg)
			}
			if c.line != 0 && de.Line != c.line {
				t.Fatalf("line = %d, want %d (%s)", de.Line, c.line, msg)
			}
			if c.field != "" && de.Line == 0 {
				t.Fatalf("no line for field %s (%s)", c.field, msg)
			}
		})
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := report.ReadFile(filepath.Join(t.TempDir(), "nope.json"))
	if err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Fatalf("err = %v, want the file named", err)
	}
}
