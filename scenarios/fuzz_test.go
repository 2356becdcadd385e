package scenarios

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add(baseYAML)
	for _, info := range Builtins() {
		data, _ := builtinFS.ReadFile(builtinDir + "/" + info.Name + ".yaml")
		f.Add(string(data))
	}
	f.Add("name: x\nowners: [{name: a, gpus: 2}]\nworkload: {trace: {file: w.csv}}\n")
	f.Add("a: &a [*a]\n")
	f.Add("- 1\n- 2\n")
	f.Add("name: [\n")
	f.Add("horizon: 1d2h\nsites: [{name: s, pue: .inf}]\nfarm: {site: s, idle_off: 1e400}\n")
	f.Add(strings.Replace(baseYAML, "tdp_w: 300", "tdp_w: 1e300", 1))
	f.Add(strings.Replace(baseYAML, "krw_per_kwh: 182.7", "krw_per_kwh: 182.7\n  krw_per_kw_month: 1e12", 1))
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse("f.yaml", []byte(text))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not ErrInvalid: %v", err)
			}
			for _, fe := range fieldErrors(err) {
				if fe.File != "f.yaml" || fe.Line < 0 {
					t.Fatalf("bad location %+v", fe)
				}
			}
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("message without file: %v", err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("parsed scenario fails Validate: %v", err)
		}
		checkBounds(t, s)
		if _, err := s.Clone().hash(map[string]string{}); err != nil {
			t.Fatalf("hash: %v", err)
		}
	})
}

// checkBounds asserts the upper bounds Validate promises on a scenario it accepted.
func checkBounds(t *testing.T, s *Scenario) {
	t.Helper()
	bad := func(what string, v any) { t.Fatalf("accepted %s = %v", what, v) }
	if s.Horizon > maxSeconds || s.Farm.IdleOff > maxSeconds || s.Farm.Boot > maxSeconds {
		bad("a duration", []Duration{s.Horizon, s.Farm.IdleOff, s.Farm.Boot})
	}
	for _, g := range s.GPUTypes {
		if t := resolveGPUType(g); t.TDPW > maxGPUWatts || t.BusyW > maxGPUWatts || t.IdleW > maxGPUWatts {
			bad("a GPU draw", t)
		}
	}
	for _, x := range s.Sites {
		if x.PUE > maxPUE || x.PowerCapKW > maxPowerCapKW {
			bad("a site", x)
		}
	}
	if s.Farm.GPUs > maxFleetGPUs || s.Farm.GPUsPerNode > maxNodeGPUs || s.Farm.NodeW > maxNodeWatts {
		bad("a farm", s.Farm)
	}
	total := 0
	for _, o := range s.Owners.List {
		total += o.GPUs
		if o.GPUsPerNode > maxNodeGPUs || o.NodeW > maxNodeWatts {
			bad("an owner", o)
		}
	}
	if total > maxFleetGPUs {
		bad("owners' GPUs", total)
	}
	if p := s.Prices; p.KRWPerKWh > maxKRWPerKWh || p.KgCO2PerKWh > maxKgCO2PerKWh || p.KRWPerKWMonth > maxKRWPerKWMon {
		bad("prices", p)
	}
	if s.EstimateFactor > maxEstimate {
		bad("estimate_factor", s.EstimateFactor)
	}
	if w := s.Workload.Synthetic; w != nil && (w.Load > maxLoad || w.MaxDuration > maxSeconds || w.Duration.Median > maxSeconds) {
		bad("a synthetic workload", *w)
	}
}
