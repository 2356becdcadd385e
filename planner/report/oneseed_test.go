package report_test

import (
	"errors"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/planner/report"
)

// oneSeedPlan is the plan fixture as a one-seed plan writes it: every interval and sd null, n 1.
func oneSeedPlan(t *testing.T) string {
	t.Helper()
	s := string(readFixture(t, "plan-small.json"))
	for _, f := range []string{"lo", "hi", "sd"} {
		s = regexp.MustCompile(`"`+f+`": [-0-9.eE+]+`).ReplaceAllString(s, `"`+f+`": null`)
	}
	s = regexp.MustCompile(`"n": [0-9]+`).ReplaceAllString(s, `"n": 1`)
	if !strings.Contains(s, `"lo": null`) || strings.Contains(s, `"n": 5`) {
		t.Fatal("fixture rewrite did not apply")
	}
	return s
}

// A one-seed plan (the planner library allows it) has no intervals: the brief shows the means and
// says there is no interval, instead of reading null as 0 and rejecting the mean as outside [0, 0].
func TestOneSeedPlanHasNoInterval(t *testing.T) {
	doc, err := report.Decode("one-seed.json", []byte(oneSeedPlan(t)))
	if err != nil {
		t.Fatalf("one-seed plan rejected: %v", err)
	}
	st := doc.Plan.Points[0].Metrics["wait_p95_s"]
	if !math.IsNaN(st.Lo) || !math.IsNaN(st.Hi) || st.HasInterval() || st.N != 1 || st.Upper() != st.Mean || st.Mean <= 0 {
		t.Fatalf("wait_p95_s = %+v, want a positive mean, NaN bounds, n 1", st)
	}
	cases := []struct {
		lang report.Lang
		want string
	}{
		{report.English, "one seed, no interval"},
		{report.Korean, "시드 하나"},
	}
	for _, c := range cases {
		figs, text := parseHTML(t, renderHTML(t, doc, c.lang))
		if !strings.Contains(text, c.want) {
			t.Errorf("%s: brief lacks %q", c.lang, c.want)
		}
		if strings.Contains(text, "NaN") {
			t.Errorf("%s: brief prints NaN", c.lang)
		}
		sw, ok := figs["sweep-wait_p95_s"]
		if !ok {
			t.Fatalf("%s: no sweep chart", c.lang)
		}
		for _, s := range sw.data.Series {
			if len(s.Y) == 0 || s.Lo != nil || s.Hi != nil {
				t.Errorf("%s: series %s: %d means, band %v/%v; want means and no band", c.lang, s.Name, len(s.Y), s.Lo, s.Hi)
			}
		}
	}
	dir := t.TempDir()
	if _, err := report.WriteCSV(doc, dir); err != nil {
		t.Fatal(err)
	}
	for i, r := range readCSV(t, filepath.Join(dir, "brief-points.csv")) {
		want := doc.Plan.Points[i].Metrics["wait_p95_s"].Mean
		if r["wait_p95_s_lo"] != "" || r["wait_p95_s_hi"] != "" || math.Abs(float(t, r["wait_p95_s_mean"])-want) > 0 {
			t.Fatalf("point row %d = %v, want mean %g and empty bounds", i, r, want)
		}
	}
}

func TestNullBoundsRejectedWhereWrong(t *testing.T) {
	plan := string(readFixture(t, "plan-small.json"))
	cases := []struct {
		name, doc, msg string
	}{
		{"one bound null", strings.Replace(plan, `"hi": 247.0`, `"hi": null`, 1), "both or neither"},
		{"no interval over several runs", regexp.MustCompile(`"hi": 247.0`).ReplaceAllString(
			strings.Replace(plan, `"lo": 247.0`, `"lo": null`, 1), `"hi": null`), "only one run"},
		{"null mean", regexp.MustCompile(`"mean": [0-9.]+`).ReplaceAllLiteralString(plan, `"mean": null`), "mean is null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := report.Decode("in.json", []byte(c.doc))
			var de *report.DecodeError
			if err == nil || !errors.As(err, &de) || !strings.Contains(err.Error(), c.msg) || de.Field == "" {
				t.Fatalf("err = %v, want a DecodeError naming the field and %q", err, c.msg)
			}
		})
	}
}

// The sweep table shows the time at the power cap only where the cap binds at some point.
func TestSweepTableCapColumn(t *testing.T) {
	plan := string(readFixture(t, "plan-small.json"))
	capped := strings.Replace(plan, `"metrics": {`, `"metrics": {
      "cap_time_share": {"mean": 0.25, "lo": 0.2, "hi": 0.3, "sd": 0.04, "n": 5},`, 1)
	if capped == plan {
		t.Fatal("fixture rewrite did not apply")
	}
	cases := []struct {
		name, doc string
		want      bool
	}{
		{"no cap share", plan, false},
		{"cap binds at one point", capped, true},
	}
	for _, c := range cases {
		doc, err := report.Decode("in.json", []byte(c.doc))
		if err != nil {
			t.Fatal(err)
		}
		b, err := report.New(doc, report.English)
		if err != nil {
			t.Fatal(err)
		}
		if b.Sweep == nil {
			t.Fatalf("%s: no sweep table", c.name)
		}
		head := strings.Join(b.Sweep.Head, "|")
		if got := strings.Contains(head, "time at the power cap"); got != c.want {
			t.Errorf("%s: cap column %v, want %v (head %s)", c.name, got, c.want, head)
		}
		if c.want && !strings.Contains(strings.Join(b.Sweep.Rows[0], "|"), "25") {
			t.Errorf("%s: first row %v lacks the cap share 25%%", c.name, b.Sweep.Rows[0])
		}
	}
}
