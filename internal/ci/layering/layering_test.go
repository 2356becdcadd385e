package layering_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/internal/ci/layering"
)

// TestModuleLayering runs go list -deps for every rule's packages and fails on a forbidden import.
func TestModuleLayering(t *testing.T) {
	for _, r := range layering.Rules {
		name := r.Pattern
		if name == "" {
			name = "root"
		}
		t.Run(name, func(t *testing.T) {
			pattern := strings.TrimSuffix(layering.Module+"/"+r.Pattern, "/")
			out, err := exec.Command("go", "list", "-deps", "-f",
				`{{.ImportPath}} {{.Standard}}`, pattern).CombinedOutput()
			if err != nil {
				t.Fatalf("go list %s: %v\n%s", pattern, err, out)
			}
			var deps []string
			nonStd := map[string]bool{}
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				path, std, ok := strings.Cut(line, " ")
				if !ok {
					t.Fatalf("go list line %q: want \"path standard\"", line)
				}
				deps = append(deps, path)
				nonStd[path] = std != "true"
			}
			// A pattern that matched nothing would pass every rule: insist the package itself is listed.
			if !slices.ContainsFunc(deps, func(d string) bool { return strings.HasPrefix(d, layering.Module) }) {
				t.Fatalf("go list -deps %s listed no module package:\n%s", pattern, out)
			}
			for _, d := range layering.Violations(r, deps, nonStd) {
				t.Errorf("%s depends on %s", r.Pattern, d)
			}
		})
	}
}

// TestViolations checks the matcher itself on made-up dependency lists, so that a rule that can
// never fire is caught.
func TestViolations(t *testing.T) {
	const m = layering.Module
	std := map[string]bool{} // nothing non-standard unless set
	nonStd := map[string]bool{m + "/sim": true, m: true, "github.com/nats-io/nats.go": true,
		m + "/events": true, m + "/sim/x": true}
	cases := []struct {
		name string
		rule layering.Rule
		deps []string
		ns   map[string]bool
		want []string
	}{
		{"events importing sim", layering.Rule{Pattern: "events", Banned: []string{"sim"}},
			[]string{"fmt", m + "/sim", m + "/events"}, std, []string{m + "/sim"}},
		{"banned subpackage", layering.Rule{Pattern: "events", Banned: []string{"scenarios"}},
			[]string{m + "/scenarios/traces"}, std, []string{m + "/scenarios/traces"}},
		{"prefix is not a subpackage", layering.Rule{Pattern: "events", Banned: []string{"sim"}},
			[]string{m + "/simx"}, std, nil},
		{"std only: third party", layering.Rule{Pattern: "sim", StdOnly: true, Allowed: []string{""}},
			[]string{"fmt", "github.com/nats-io/nats.go", m + "/sim", m}, nonStd,
			[]string{"github.com/nats-io/nats.go"}},
		{"std only: module package", layering.Rule{Pattern: "sim", StdOnly: true},
			[]string{m + "/events", m + "/sim"}, nonStd, []string{m + "/events"}},
		{"std only: own subpackage by pattern", layering.Rule{Pattern: "sim/...", StdOnly: true},
			[]string{m + "/sim/x", m + "/sim"}, nonStd, nil},
		{"root: any module package", layering.Rule{Pattern: "", StdOnly: true},
			[]string{"fmt", m + "/sim", m}, nonStd, []string{m + "/sim"}},
		{"root: itself only", layering.Rule{Pattern: "", StdOnly: true},
			[]string{"errors", m}, nonStd, nil},
		{"clean", layering.Rule{Pattern: "collectors/...", Banned: []string{"planner"}},
			[]string{"fmt", m + "/events"}, std, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := layering.Violations(c.rule, c.deps, c.ns)
			if !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}
