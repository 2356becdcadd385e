package report_test

import (
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/planner/report"
	"github.com/gpuplan/gpuplan/scenarios"
)

func TestAssumptionsFromBuiltins(t *testing.T) {
	cases := []struct {
		scenario, key, value, source string
		estimate                     bool
	}{
		{"small", "prices.krw_per_kwh", "182.7", "Korean industrial tariff B", false},
		{"small", "sites[lab].pue", "1.8", "LBNL survey", true},
		{"small", "gpu_types[a100-pcie-80].busy_w", "213", "Zeus NSDI '23", false},
		{"small", "scenario", "", "teaching case", false},
		{"institute-3000", "prices.kg_co2_per_kwh", "0.4173", "0.4173 tCO2e/MWh", false},
		{"institute-3000", "sites[farm].power_cap_kw", "1240", "binds at peak", true},
		{"institute-3000", "owners.generate.gpus_per_owner", "10", "donga.com", false},
		{"institute-3000", "workload.synthetic.gpus", "{1: 0.83, 2: 0.021, 4: 0.034, 8: 0.10, 16: 0.011}", "ITP trace", false},
	}
	for _, c := range cases {
		src, ok := scenarios.BuiltinSource(c.scenario)
		if !ok {
			t.Fatalf("no built-in %s", c.scenario)
		}
		as, err := report.AssumptionsFromYAML(c.scenario, src)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range as {
			if a.Key == c.key {
				found = true
				if a.Value != c.value || !strings.Contains(a.Source, c.source) || a.Estimate != c.estimate {
					t.Errorf("%s %s = %+v, want value %q, source with %q, estimate %v", c.scenario, c.key, a, c.value, c.source, c.estimate)
				}
			}
		}
		if !found {
			t.Errorf("%s: no row %s", c.scenario, c.key)
		}
	}
}

func TestAssumptionsBadYAML(t *testing.T) {
	if _, err := report.AssumptionsFromYAML("x.yaml", []byte("a: [")); err == nil || !strings.Contains(err.Error(), "x.yaml") {
		t.Fatalf("err = %v, want the file named", err)
	}
	as, err := report.AssumptionsFromYAML("x.yaml", []byte("a: 1\nb: 2 # cited\n"))
	if err != nil || len(as) != 1 || as[0].Key != "b" || as[0].Source != "cited" {
		t.Fatalf("rows %+v, err %v", as, err)
	}
}
