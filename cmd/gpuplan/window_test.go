package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// policyDoc is the part of a policy object the window tests read.
type policyDoc struct {
	Name          string    `json:"name"`
	WindowS       float64   `json:"window_s"`
	MakespanS     float64   `json:"makespan_s"`
	WaitCDFS      []float64 `json:"wait_cdf_s"`
	KWhPerGPUHour *float64  `json:"kwh_per_gpu_hour"`
	KRWPerGPUHour *float64  `json:"krw_per_gpu_hour"`
	PowerCapKW    *float64  `json:"power_cap_kw"`
	Emissions     *float64  `json:"emissions_kg_co2"`
	Cost          *float64  `json:"cost_krw"`
	Energy        struct {
		Facility float64 `json:"facility"`
	} `json:"energy_kwh"`
}

type windowDoc struct {
	WindowS float64 `json:"window_s"`
	Measure struct {
		FromS       float64 `json:"from_s"`
		ToS         float64 `json:"to_s"`
		SteadyState bool    `json:"steady_state"`
	} `json:"measure"`
	Policies []policyDoc `json:"policies"`
}

// TestSeedCaseOneWindow: the seed case's table and JSON show one window, its steady state from
// week 1 to the 8-week horizon, for every policy.
func TestSeedCaseOneWindow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	code, out, errOut := runCLI(t, "simulate", "--scenario", "institute-3000", "--json", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "\nmeasured "); n != 1 || !strings.Contains(out, "measured in steady state, the same window for every policy: day 7.0 to 56.0 after the first submit (49.0 d)") {
		t.Errorf("table states its window %d times, want once, as the steady state of day 7 to 56:\n%s", n, out)
	}
	for _, row := range []string{"facility kWh per GPU-h", "cost per GPU-h (KRW)", "facility energy (MWh)", "electricity cost (M KRW)", "emissions (t CO2)", "last job done after (d)"} {
		if !strings.Contains(out, row) {
			t.Errorf("table lacks %q", row)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc windowDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	const week = 7 * 86400.0
	m := doc.Measure
	if m.FromS != week || m.ToS != 8*week || !m.SteadyState || doc.WindowS != 7*week {
		t.Errorf("window %g s, measure %+v; want 7 weeks from week 1, steady state", doc.WindowS, m)
	}
	if len(doc.Policies) != 3 {
		t.Fatalf("%d policies", len(doc.Policies))
	}
	for _, p := range doc.Policies {
		if p.WindowS != doc.WindowS || !(p.MakespanS > 8*week) || len(p.WaitCDFS) != 101 || p.KWhPerGPUHour == nil || p.KRWPerGPUHour == nil || p.Emissions == nil || p.Cost == nil {
			t.Errorf("%s: window %g, makespan %g, %d percentiles, kWh/GPU-h %v, KRW/GPU-h %v", p.Name, p.WindowS, p.MakespanS, len(p.WaitCDFS), p.KWhPerGPUHour, p.KRWPerGPUHour)
		}
		if farm := p.Name != "fragmented"; farm != (p.PowerCapKW != nil) || farm && *p.PowerCapKW != 1240 {
			t.Errorf("%s: power_cap_kw %v, want 1240 on the farm and null for the labs", p.Name, p.PowerCapKW)
		}
	}
}

func TestMeasureFlag(t *testing.T) {
	pools := writeFile(t, "pools.csv", "owner,gpus\na,2\nb,2\n")
	jobs := writeFile(t, "jobs.csv", "id,owner,submit_s,gpus,duration_s\n1,a,0,2,3600\n2,a,0,2,3600\n3,b,600,1,3600\n4,a,7200,1,600\n")
	cases := []struct {
		name    string
		args    []string
		code    int
		from    float64
		to      float64
		steady  bool
		errText string
	}{
		{"scenario window", []string{"--scenario", "small", "--measure", "2d..5d"}, 0, 2 * 86400, 5 * 86400, true, ""},
		{"open end", []string{"--workload", jobs, "--pools", pools, "--measure", "10m.."}, 0, 600, 7800, true, ""},
		{"whole run", []string{"--workload", jobs, "--pools", pools, "--measure", "all"}, 0, 0, 7800, false, ""},
		{"default", []string{"--workload", jobs, "--pools", pools}, 0, 0, 7800, false, ""},
		{"no horizon", []string{"--workload", jobs, "--pools", pools, "--measure", "1m..horizon"}, 2, 0, 0, false, "--measure: to: horizon needs a horizon"},
		{"not a window", []string{"--scenario", "small", "--measure", "2d"}, 2, 0, 0, false, "--measure: want FROM..TO"},
		{"backwards", []string{"--scenario", "small", "--measure", "5d..2d"}, 2, 0, 0, false, "--measure: to: must be after from (5d), got 2d"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"simulate", "--json", "-"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.errText) {
				t.Fatalf("exit %d (want %d): %s", code, tc.code, errOut)
			}
			if code != 0 {
				return
			}
			var doc windowDoc
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			m := doc.Measure
			if m.FromS != tc.from || m.ToS != tc.to || m.SteadyState != tc.steady || doc.WindowS != tc.to-tc.from {
				t.Errorf("window %g, measure %+v; want [%g, %g] steady %v", doc.WindowS, m, tc.from, tc.to, tc.steady)
			}
			for _, p := range doc.Policies {
				if p.WindowS != doc.WindowS {
					t.Errorf("%s: window_s %g, top level %g", p.Name, p.WindowS, doc.WindowS)
				}
			}
		})
	}
}

// TestTableUnitsAndNA: small figures get small units, figures without input read n/a (and null
// in JSON), and quota's preemptions get rows.
func TestTableUnitsAndNA(t *testing.T) {
	pools := writeFile(t, "pools.csv", "owner,gpus\na,2\nb,2\n")
	jobs := writeFile(t, "jobs.csv", "id,owner,submit_s,gpus,duration_s\n1,a,0,2,3600\n2,a,0,2,3600\n3,b,600,1,3600\n4,a,7200,1,600\n")
	code, out, errOut := runCLI(t, "simulate", "--workload", jobs, "--pools", pools, "--policy", "fragmented,quota")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"facility energy (kWh)", "IT energy (kWh)", "emissions (kg CO2)", "preemptions", "GPU-h lost to preemption",
		"measured over the same 0.1 d for every policy"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "emissions") && strings.Count(line, "n/a") != 2 {
			t.Errorf("emissions without a grid factor: %q, want n/a for both policies", line)
		}
		if strings.Contains(line, "preemptions") && !strings.Contains(line, " - ") {
			t.Errorf("preemptions row %q: want - for fragmented", line)
		}
	}
	code, js, errOut := runCLI(t, "simulate", "--workload", jobs, "--pools", pools, "--json", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc windowDoc
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range doc.Policies {
		if p.Emissions != nil || p.KWhPerGPUHour == nil {
			t.Errorf("%s: emissions %v (want null without a grid factor), kWh per GPU-h %v", p.Name, p.Emissions, p.KWhPerGPUHour)
		}
	}
}
