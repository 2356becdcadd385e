package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// baseYAML is a small valid scenario; the cases below break it one way at a time.
const baseYAML = `name: t
seed: 3
horizon: 2d
gpu_types:
  - name: g1
    tdp_w: 300
    perf: [[1, 1], [0.5, 0.7]]
sites:
  - name: lab
    pue: 1.8
  - name: farm
    pue: 1.3
    power_cap_kw: 10
    cap_mode: throttle
farm:
  site: farm
  gpus_per_node: 8
owners:
  - {name: a, gpus: 4, site: lab}
  - {name: b, gpus: 8, site: lab}
workload:
  synthetic:
    load: 0.5
policies: [fragmented, fifo, easy]
prices:
  krw_per_kwh: 182.7
`

// lineOf is the 1-based line of the first line containing marker: the expected position, found
// from the text itself rather than from the parser.
func lineOf(t *testing.T, text, marker string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	t.Fatalf("marker %q not in text", marker)
	return 0
}

func fieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(e error) {
		var fe *FieldError
		if errors.As(e, &fe) && fe == e {
			out = append(out, fe)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}

func TestParseBaseIsValid(t *testing.T) {
	s, err := Parse("t.yaml", []byte(baseYAML))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "t" || s.Seed != 3 || s.Horizon != 2*86400 || len(s.Owners.List) != 2 || s.Sites[1].PowerCapKW != 10 {
		t.Fatalf("decoded %+v", s)
	}
}

func TestParseMistakes(t *testing.T) {
	cases := []struct {
		name     string
		old, new string // replace old with new in baseYAML (old "" appends new)
		marker   string // the expected line contains this
		path     string
		msg      string // prefix of the message
	}{
		{"pue below 1", "pue: 1.3", "pue: 0.9", "pue: 0.9", "sites[1].pue", "must be at least 1, got 0.9"},
		{"typo in key", "    pue: 1.8", "    peu: 1.8", "peu:", "sites[0].peu", "unknown key; did you mean pue?"},
		{"typo top level", "policies:", "polices:", "polices", "polices", "unknown key; did you mean policies?"},
		{"key in wrong place", "  gpus_per_node: 8", "  placement: pool", "placement: pool", "farm.placement", "unknown key; placement is a top-level key"},
		{"bad cap mode", "cap_mode: throttle", "cap_mode: slow", "cap_mode: slow", "sites[1].cap_mode", `must be queue or throttle, got "slow"`},
		{"cap without mode", "    cap_mode: throttle\n", "", "  - name: farm", "sites[1].cap_mode", "required with power_cap_kw"},
		{"unknown farm site", "  site: farm", "  site: hall", "site: hall", "farm.site", `unknown site "hall"`},
		{"unknown owner type", "{name: a, gpus: 4, site: lab}", "{name: a, gpus: 4, site: lab, gpu_type: g9}", "name: a,", "owners[0].gpu_type", `unknown GPU type "g9"`},
		{"owner at farm", "{name: b, gpus: 8, site: lab}", "{name: b, gpus: 8, site: farm}", "name: b,", "owners[1].site", `"farm" is the farm's site`},
		{"duplicate owner", "{name: b, gpus: 8", "{name: a, gpus: 8", "name: a, gpus: 8", "owners[1].name", `owner "a" listed twice`},
		{"negative gpus", "{name: b, gpus: 8", "{name: b, gpus: -8", "gpus: -8", "owners[1].gpus", "must be at least 0, got -8"},
		{"unknown policy", "[fragmented, fifo, easy]", "[fragmented, fifoo]", "policies:", "policies[1]", `unknown policy "fifoo"`},
		{"repeated policy", "[fragmented, fifo, easy]", "[fifo, fifo]", "policies:", "policies[1]", `policy "fifo" listed twice`},
		{"repeated key", "seed: 3", "seed: 3\nseed: 4", "seed: 4", "seed", "repeated key"},
		{"negative seed", "seed: 3", "seed: -3", "seed: -3", "seed", `want a whole number >= 0, got "-3"`},
		{"text for number", "tdp_w: 300", "tdp_w: lots", "tdp_w: lots", "gpu_types[0].tdp_w", `want a number, got "lots"`},
		{"list for number", "tdp_w: 300", "tdp_w: [300]", "tdp_w: [300]", "gpu_types[0].tdp_w", "want a number, got a list"},
		{"bad horizon", "horizon: 2d", "horizon: 2 days", "horizon:", "horizon", "want seconds or number-unit terms"},
		{"negative horizon", "horizon: 2d", "horizon: -5", "horizon:", "horizon", "must be at least 0, got -5"},
		{"perf without full limit", "[[1, 1], [0.5, 0.7]]", "[[0.9, 1], [0.5, 0.7]]", "perf:", "gpu_types[0].perf", "must contain [1, 1]"},
		{"perf not covering min", "[[1, 1], [0.5, 0.7]]", "[[1, 1], [0.6, 0.8]]", "perf:", "gpu_types[0].perf", "must cover min_limit 0.5"},
		{"perf falling", "[[1, 1], [0.5, 0.7]]", "[[1, 1], [0.7, 0.6], [0.5, 0.7]]", "perf:", "gpu_types[0].perf", "perf must not fall"},
		{"perf not a pair", "[[1, 1], [0.5, 0.7]]", "[[1, 1], [0.5]]", "perf:", "gpu_types[0].perf[1]", "want a pair [f, perf]"},
		{"busy above tdp", "    tdp_w: 300\n", "    tdp_w: 300\n    busy_w: 400\n", "busy_w: 400", "gpu_types[0].busy_w", "must lie in (0, tdp_w = 300], got 400"},
		{"type without tdp", "    tdp_w: 300\n", "", "  - name: g1", "gpu_types[0].tdp_w", "required for a GPU type outside the catalogue"},
		{"load above owner cap", "load: 0.5", "load: 0.85", "load: 0.85", "workload.synthetic.load", "must not exceed max_owner_load (0.8), got 0.85"},
		{"median only", "    load: 0.5", "    load: 0.5\n    duration: {median: 100}", "duration:", "workload.synthetic.duration", "give median and exactly one of p95, mean and sigma"},
		{"p95 below median", "    load: 0.5", "    load: 0.5\n    duration: {median: 1h, p95: 30m}", "duration:", "workload.synthetic.duration", "p95 (1800) must exceed median (3600)"},
		{"GPU mix key", "    load: 0.5", "    load: 0.5\n    gpus: {one: 1}", "    gpus: {", "workload.synthetic.gpus.one", `a key must be a whole number of GPUs, got "one"`},
		{"GPU mix zero", "    load: 0.5", "    load: 0.5\n    gpus: {0: 1}", "    gpus: {", "workload.synthetic.gpus.0", "GPUs per job must be at least 1, got 0"},
		{"no workload", "workload:\n  synthetic:\n    load: 0.5\n", "", "name: t", "workload", "required: synthetic or trace"},
		{"both workloads", "    load: 0.5", "    load: 0.5\n  trace: {file: x.csv}", "trace:", "workload.trace", "give synthetic or trace, not both"},
		{"trace format", "  synthetic:\n    load: 0.5", "  trace: {file: x.csv, format: parquet}", "trace:", "workload.trace.format", `traces: unknown format "parquet"`},
		{"bad placement", "", "placement: nodez", "placement: nodez", "placement", `must be pool or nodes, got "nodez"`},
		{"estimate factor", "", "estimate_factor: 0.5", "estimate_factor", "estimate_factor", "must be at least 1, got 0.5"},
		{"negative price", "krw_per_kwh: 182.7", "krw_per_kwh: -1", "krw_per_kwh", "prices.krw_per_kwh", "must be at least 0, got -1"},
		{"idle off needs nodes", "  gpus_per_node: 8", "  gpus_per_node: 8\n  idle_off: 30m\nplacement: pool", "idle_off", "farm.idle_off", "needs node placement"},
		{"node_w and overhead", "  gpus_per_node: 8", "  gpus_per_node: 8\n  node_w: 500\n  node_overhead: 0.4", "node_overhead", "farm.node_overhead", "give node_w or node_overhead, not both"},
		{"missing name", "name: t\n", "", "seed: 3", "name", "required"},
		{"generate count", "owners:\n  - {name: a, gpus: 4, site: lab}\n  - {name: b, gpus: 8, site: lab}",
			"owners:\n  generate: {count: 0, gpus_per_owner: 10, site: lab}", "generate:", "owners.generate.count", "must lie in [1, 1000000], got 0"},
		{"generate type", "owners:\n  - {name: a, gpus: 4, site: lab}\n  - {name: b, gpus: 8, site: lab}",
			"owners:\n  generate:\n    count: 3\n    gpus_per_owner: 10\n    gpu_types: {g1: 1, g7: 2}", "g7", "owners.generate.gpu_types.g7", `unknown GPU type "g7"`},
		{"derive without trace", "owners:\n  - {name: a, gpus: 4, site: lab}\n  - {name: b, gpus: 8, site: lab}",
			"owners:\n  derive: {gpus: 10}", "derive:", "owners.derive", "needs a trace workload"},
		{"sites not a list", "sites:\n  - name: lab\n    pue: 1.8\n  - name: farm\n    pue: 1.3\n    power_cap_kw: 10\n    cap_mode: throttle",
			"sites: {lab: 1.8}", "sites:", "sites", "want a list, got a mapping"},
		{"yaml syntax", "  site: farm", "\tsite: farm", "\tsite", "", "line %d: found character that cannot start any token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := baseYAML + tc.new + "\n"
			if tc.old != "" {
				if !strings.Contains(baseYAML, tc.old) {
					t.Fatalf("old text %q not in base", tc.old)
				}
				text = strings.Replace(baseYAML, tc.old, tc.new, 1)
			}
			wantLine := lineOf(t, text, tc.marker)
			_, err := Parse("t.yaml", []byte(text))
			if err == nil {
				t.Fatalf("no error for:\n%s", text)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			for _, fe := range fieldErrors(err) {
				if fe.Path == tc.path && strings.HasPrefix(fe.Msg, strings.ReplaceAll(tc.msg, "%d", fmt.Sprint(wantLine))) {
					if fe.Line != wantLine || fe.File != "t.yaml" {
						t.Errorf("%s at %s:%d, want t.yaml:%d", tc.path, fe.File, fe.Line, wantLine)
					}
					return
				}
			}
			t.Errorf("want %d: %s: %s..., got:\n%v", wantLine, tc.path, tc.msg, err)
		})
	}
}

func TestParseListsEveryMistakeSortedByLine(t *testing.T) {
	text := strings.NewReplacer("pue: 1.3", "pue: 0.9", "seed: 3", "seed: x", "fifo, easy", "fifo, esay").Replace(baseYAML)
	_, err := Parse("institute.yaml", []byte(text))
	want := []string{
		fmt.Sprintf(`institute.yaml:%d: seed: want a whole number >= 0, got "x"`, lineOf(t, text, "seed: x")),
		fmt.Sprintf("institute.yaml:%d: sites[1].pue: must be at least 1, got 0.9", lineOf(t, text, "pue: 0.9")),
		fmt.Sprintf(`institute.yaml:%d: policies[2]: unknown policy "esay" (valid: %s)`, lineOf(t, text, "esay"), strings.Join(policyNames(), ", ")),
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Fatalf("got:\n%v\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

func TestParseOwnersForms(t *testing.T) {
	mapping := strings.Replace(baseYAML, "owners:\n", "owners:\n  defaults: {site: lab}\n  list:\n", 1)
	mapping = strings.ReplaceAll(mapping, ", site: lab}", "}")
	mapping = strings.ReplaceAll(mapping, "  - {name:", "    - {name:")
	s, err := Parse("m.yaml", []byte(mapping))
	if err != nil {
		t.Fatalf("%v\n%s", err, mapping)
	}
	if len(s.Owners.List) != 2 || s.fillOwner(s.Owners.List[1]).Site != "lab" || s.fillOwner(s.Owners.List[1]).GPUType != "g1" {
		t.Fatalf("owners %+v", s.Owners)
	}
	// In the mapping form an entry is owners.list[i].
	bad := strings.Replace(mapping, "{name: b, gpus: 8}", "{name: b, gpus: 8, gpu_type: zz}", 1)
	_, err = Parse("m.yaml", []byte(bad))
	fes := fieldErrors(err)
	if len(fes) != 1 || fes[0].Path != "owners.list[1].gpu_type" || fes[0].Line != lineOf(t, bad, "gpu_type: zz") {
		t.Fatalf("got %v", err)
	}
}

func TestParseAliasesAndCatalogue(t *testing.T) {
	text := strings.ReplaceAll(baseYAML, "site: lab}", "site: lab, gpu_type: g1}")
	text = strings.Replace(text, "    perf: [[1, 1], [0.5, 0.7]]", "    perf: &p [[1, 1], [0.5, 0.7]]\n  - name: g2\n    tdp_w: 400\n    perf: *p\n  - name: h100-sxm", 1)
	s, err := Parse("a.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.GPUTypes[1].Perf) != 2 || s.GPUTypes[1].Perf[1].F != 0.5 {
		t.Fatalf("alias not followed: %+v", s.GPUTypes[1])
	}
	h := resolveGPUType(s.GPUTypes[2])
	if h.TDPW != 700 || h.BusyW != 0.71*700 || h.IdleW != 0.12*700 || h.MinLimit != 0.5 || len(h.Perf) != 8 {
		t.Fatalf("catalogue type not filled: %+v", h)
	}
	g2 := resolveGPUType(s.GPUTypes[1])
	if g2.BusyW != 0.71*400 || g2.IdleW != 0.12*400 {
		t.Fatalf("defaults not applied: %+v", g2)
	}
}

func TestParseBillionLaughs(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	b.WriteString("name: x\n")
	_, err := Parse("bomb.yaml", []byte(b.String()))
	if err == nil {
		t.Fatal("want an error")
	}
}

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"90d", 90 * 86400, true},
		{"36h", 36 * 3600, true},
		{"1.5h", 5400, true},
		{"1d12h", 36 * 3600, true},
		{"2w", 14 * 86400, true},
		{"30m", 1800, true},
		{"45s", 45, true},
		{"3600", 3600, true},
		{"1e3", 1000, true},
		{"", 0, false},
		{"d", 0, false},
		{"5x", 0, false},
		{"5", 5, true},
		{"1h 30m", 5400, true},
		{"NaN", 0, false},
	}
	for _, tc := range cases {
		got, err := ParseDuration(tc.in)
		if (err == nil) != tc.ok || float64(got) != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v ok=%v", tc.in, float64(got), err, tc.want, tc.ok)
		}
	}
	for _, d := range []Duration{56 * 86400, 3600, 90, 1.5} {
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Errorf("%v -> %q -> %v, %v", float64(d), d.String(), float64(back), err)
		}
	}
}

func TestSuggest(t *testing.T) {
	if got := suggest("gpu_typ", "farm", []string{"site", "gpu_type"}); got != "; did you mean gpu_type?" {
		t.Errorf("got %q", got)
	}
	if got := suggest("zzzzzz", "farm", []string{"site", "gpu_type"}); got != " (valid: site, gpu_type)" {
		t.Errorf("got %q", got)
	}
}
