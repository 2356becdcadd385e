package report_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/planner/report"
)

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func float(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCSVEqualResults reads the tables back: every number is the results' own, exactly.
func TestCSVEqualResults(t *testing.T) {
	doc := decodeFixture(t, "plan-small.json")
	dir := t.TempDir()
	paths, err := report.WriteCSV(doc, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 4 { // policies, owners, points, sizing (no assumptions in the fixture)
		t.Fatalf("wrote %v", paths)
	}
	pol := readCSV(t, filepath.Join(dir, "brief-policies.csv"))
	for i, p := range doc.Policies {
		r := pol[i]
		if r["policy"] != p.Name || float(t, r["wait_p95_s"]) != p.WaitS.P95 ||
			float(t, r["energy_facility_kwh"]) != p.EnergyKWh.Facility || float(t, r["utilization"]) != p.Utilization {
			t.Fatalf("policy row %d = %v", i, r)
		}
		if (p.PowerCapKW == nil) != (r["power_cap_kw"] == "") || r["emissions_kg_co2"] != "" {
			t.Fatalf("optional cells of %s: cap %q emissions %q", p.Name, r["power_cap_kw"], r["emissions_kg_co2"])
		}
	}
	pts := readCSV(t, filepath.Join(dir, "brief-points.csv"))
	for i, pt := range doc.Plan.Points {
		st := pt.Metrics["wait_p95_s"]
		r := pts[i]
		if r["farm_share"] != pt.Params["farm_share"].String() || r["policy"] != pt.Params["policy"].Str ||
			float(t, r["wait_p95_s_mean"]) != st.Mean || float(t, r["wait_p95_s_lo"]) != st.Lo || float(t, r["wait_p95_s_hi"]) != st.Hi {
			t.Fatalf("point row %d = %v", i, r)
		}
	}
	sz := readCSV(t, filepath.Join(dir, "brief-sizing.csv"))
	if len(sz) != len(doc.Plan.Sizing.Curve) || sz[0]["answer"] != "22" || sz[0]["target"] != "5000" {
		t.Fatalf("sizing rows %v", sz[0])
	}
	own := readCSV(t, filepath.Join(dir, "brief-owners.csv"))
	if n := len(doc.Comparisons[0].Owners) + len(doc.Comparisons[1].Owners); len(own) != n {
		t.Fatalf("owner rows = %d, want %d", len(own), n)
	}
}

func TestMarkdown(t *testing.T) {
	doc := decodeFixture(t, "plan-small.json")
	doc.Policies[0].Owners = nil
	doc.Scenario = "a|b_c" // markup in a name prints as written
	for _, lang := range report.Langs {
		b, err := report.New(doc, lang)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := b.WriteMarkdown(&buf); err != nil {
			t.Fatal(err)
		}
		md := buf.String()
		if !strings.Contains(md, `a\|b\_c`) {
			t.Fatalf("%s: scenario name not escaped", lang)
		}
		for _, f := range b.Findings {
			if !strings.Contains(md, "- "+strings.NewReplacer("*", `\*`, "_", `\_`, "|", `\|`, "[", `\[`, "]", `\]`).Replace(f)) {
				t.Fatalf("%s: finding missing: %s", lang, f)
			}
		}
		// Each table row has as many cells as its header.
		for _, line := range strings.Split(md, "\n") {
			if strings.HasPrefix(line, "| ") {
				cells := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") - 1
				if cells < 2 {
					t.Fatalf("%s: broken table row %q", lang, line)
				}
			}
		}
	}
}
