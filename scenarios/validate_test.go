package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateBounds: every number past its upper bound is refused at its file, line and field
// with the exact message, the rest of the scenario being valid (baseYAML).
func TestValidateBounds(t *testing.T) {
	const ownersList = "owners:\n  - {name: a, gpus: 4, site: lab}\n  - {name: b, gpus: 8, site: lab}"
	cases := []struct {
		name, old, new, marker, path, msg string
	}{
		{"tdp 1e300", "    tdp_w: 300\n", "    tdp_w: 1e300\n", "tdp_w: 1e300", "gpu_types[0].tdp_w", "must be at most 10000 W, got 1e+300"},
		{"busy draw", "    tdp_w: 300\n", "    tdp_w: 300\n    idle_w: 20000\n", "idle_w: 20000", "gpu_types[0].idle_w", "must lie in [0, busy_w = 213], got 20000"},
		{"pue", "pue: 1.3", "pue: 1e9", "pue: 1e9", "sites[1].pue", "must be at most 10, got 1e+09"},
		{"power cap", "power_cap_kw: 10", "power_cap_kw: 1e12", "power_cap_kw", "sites[1].power_cap_kw", "must be at most 10000000 kW, got 1e+12"},
		{"horizon", "horizon: 2d", "horizon: 200000d", "horizon:", "horizon", "must be at most 100 years (3155760000 s), got 1.728e+10"},
		{"farm gpus", "  gpus_per_node: 8", "  gpus_per_node: 8\n  gpus: 2000000000", "gpus: 2000000000", "farm.gpus", "must be at most 10000000, got 2000000000"},
		{"farm gpus per node", "  gpus_per_node: 8", "  gpus_per_node: 1000000", "gpus_per_node: 1000000", "farm.gpus_per_node", "must be at most 100000, got 1000000"},
		{"farm node_w", "  gpus_per_node: 8", "  gpus_per_node: 8\n  node_w: 1e15", "node_w", "farm.node_w", "must be at most 1000000 W, got 1e+15"},
		{"farm overhead", "  gpus_per_node: 8", "  gpus_per_node: 8\n  node_overhead: 50", "node_overhead", "farm.node_overhead", "must be at most 10, got 50"},
		{"farm boot", "  gpus_per_node: 8", "  gpus_per_node: 8\n  boot: 1e12", "boot", "farm.boot", "must be at most 100 years (3155760000 s), got 1e+12"},
		{"owner gpus", "{name: b, gpus: 8", "{name: b, gpus: 2000000000", "gpus: 2000000000", "owners[1].gpus", "must be at most 10000000, got 2000000000"},
		{"owners together", ownersList, "owners:\n  - {name: a, gpus: 6000000, site: lab}\n  - {name: b, gpus: 6000000, site: lab}", "{name: a, gpus: 6000000", "owners", "owners hold 12000000 GPUs together, more than the limit of 10000000"},
		{"generate total", ownersList, "owners:\n  generate: {count: 1000000, gpus_per_owner: 1000, site: lab}", "generate:", "owners.generate.gpus_per_owner", "count x gpus_per_owner must be at most 10000000 GPUs, got 1e+09"},
		{"load", "    load: 0.5", "    load: 1e9\n    max_owner_load: .inf", "load: 1e9", "workload.synthetic.load", "must be at most 100, got 1e+09"},
		{"skew", "    load: 0.5", "    load: 0.5\n    skew: 1e6", "skew", "workload.synthetic.skew", "must be at most 10, got 1e+06"},
		{"job GPUs", "    load: 0.5", "    load: 0.5\n    gpus: {2000000: 1}", "gpus: {", "workload.synthetic.gpus.2000000", "must be at most 100000, got 2000000"},
		{"duration median", "    load: 0.5", "    load: 0.5\n    duration: {median: 1e300, sigma: 1}", "duration:", "workload.synthetic.duration.median", "must be at most 100 years (3155760000 s), got 1e+300"},
		{"max duration", "    load: 0.5", "    load: 0.5\n    max_duration: 1e20", "max_duration", "workload.synthetic.max_duration", "must be at most 100 years (3155760000 s), got 1e+20"},
		{"latent GPUs", "    load: 0.5", "    load: 0.5\n    latent_large: {rate_per_week: 1, gpus: 1000000000, duration: 1d}", "latent_large", "workload.synthetic.latent_large.gpus", "must be at most 100000, got 1000000000"},
		{"quota grace", "", "quota: {grace: 1e15}", "quota:", "quota.grace", "must be at most 100 years (3155760000 s), got 1e+15"},
		{"quota GPUs", "", "quota: {quotas: {a: 2000000000}}", "quota:", "quota.quotas.a", "must be at most 10000000, got 2000000000"},
		{"half-life", "", "fairshare: {half_life: 1e12}", "fairshare:", "fairshare.half_life", "must be at most 100 years (3155760000 s), got 1e+12"},
		{"estimate factor", "", "estimate_factor: 1e9", "estimate_factor", "estimate_factor", "must be at most 1000, got 1e+09"},
		{"price", "krw_per_kwh: 182.7", "krw_per_kwh: 1e300", "krw_per_kwh", "prices.krw_per_kwh", "must be at most 1000000, got 1e+300"},
		{"emissions", "krw_per_kwh: 182.7", "krw_per_kwh: 182.7\n  kg_co2_per_kwh: 1e5", "kg_co2", "prices.kg_co2_per_kwh", "must be at most 100, got 100000"},
		{"demand charge", "krw_per_kwh: 182.7", "krw_per_kwh: 182.7\n  krw_per_kw_month: 1e12", "krw_per_kw_month", "prices.krw_per_kw_month", "must be at most 100000000, got 1e+12"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := baseYAML + tc.new + "\n"
			if tc.old != "" {
				text = replaceOnce(t, baseYAML, tc.old, tc.new)
			}
			wantLine := lineOf(t, text, tc.marker)
			_, err := Parse("t.yaml", []byte(text))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid, for:\n%s", err, text)
			}
			fes := fieldErrors(err)
			if len(fes) != 1 {
				t.Fatalf("%d problems, want 1: %v", len(fes), err)
			}
			want := FieldError{File: "t.yaml", Line: wantLine, Path: tc.path, Msg: tc.msg}
			if *fes[0] != want {
				t.Errorf("got  %v\nwant %v", fes[0], &want)
			}
		})
	}
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("old text %q not in base", old)
	}
	return strings.Replace(s, old, new, 1)
}

// TestPoolsFileBounds: a pools-file holding past the bound is refused, naming the file and owner.
func TestPoolsFileBounds(t *testing.T) {
	dir := t.TempDir()
	pools := filepath.Join(dir, "pools.csv")
	if err := os.WriteFile(pools, []byte("owner,gpus\na,4\nb,2000000000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(baseYAML, "owners:\n  - {name: a, gpus: 4, site: lab}\n  - {name: b, gpus: 8, site: lab}",
		"owners:\n  pools_file: pools.csv\n  defaults: {site: lab}", 1)
	path := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Build()
	want := pools + ": owner[b].gpus: must be at most 10000000, got 2000000000"
	if err == nil || err.Error() != want || !errors.Is(err, ErrInvalid) {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
