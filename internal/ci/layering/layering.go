package layering

import "strings"

// Module is the module path every rule is written relative to.
const Module = "github.com/gpuplan/gpuplan"

// Rule forbids the packages matched by Pattern (a go list pattern relative to Module, "..." allowed)
// from depending on the packages in Banned (each relative to Module; a banned package bans its
// subpackages too). With StdOnly, every non-standard dependency except the package itself, other
// packages matched by Pattern and those in Allowed is banned as well.
type Rule struct {
	Pattern string
	Banned  []string
	StdOnly bool
	Allowed []string
}

// Rules are the module's import rules (see the package doc).
var Rules = []Rule{
	{Pattern: "", StdOnly: true},
	{Pattern: "events", Banned: []string{"sim", "scenarios", "planner"}},
	{Pattern: "events/jetstream", Banned: []string{"sim", "scenarios", "planner"}},
	{Pattern: "events/natsserver", Banned: []string{"sim", "scenarios", "planner"}},
	{Pattern: "sim", StdOnly: true, Allowed: []string{""}},
	{Pattern: "events/...", Banned: []string{"sim", "planner"}},
	{Pattern: "events/projection", Banned: []string{"sim", "scenarios", "planner"}},
	{Pattern: "events/fleet", Banned: []string{"sim", "scenarios", "planner"}},
	{Pattern: "scenarios/traces", Banned: []string{"sim", "planner"}},
	{Pattern: "internal/simtest", Banned: []string{"sim"}},
	{Pattern: "internal/benchload", Banned: []string{"sim"}},
	{Pattern: "collectors/...", Banned: []string{"sim", "scenarios", "planner",
		"events/projection", "events/fleet", "events/importer", "scenarios/traces"}},
}

// Violations returns the dependencies in deps that r forbids, in input order. nonStd holds the
// dependencies that are not in the standard library (go list's .Standard is false); it is used only
// by StdOnly rules.
func Violations(r Rule, deps []string, nonStd map[string]bool) []string {
	var bad []string
	for _, d := range deps {
		if r.forbids(d, nonStd) {
			bad = append(bad, d)
		}
	}
	return bad
}

func (r Rule) forbids(dep string, nonStd map[string]bool) bool {
	for _, b := range r.Banned {
		if under(dep, b) {
			return true
		}
	}
	if !r.StdOnly || !nonStd[dep] || matches(dep, r.Pattern) {
		return false
	}
	for _, a := range r.Allowed {
		if dep == join(a) {
			return false
		}
	}
	return true
}

// under reports whether dep is the module package rel or one of its subpackages.
func under(dep, rel string) bool {
	p := join(rel)
	return dep == p || strings.HasPrefix(dep, p+"/")
}

// matches reports whether dep is matched by the go list pattern rel.
func matches(dep, rel string) bool {
	if rel == "" {
		return dep == Module
	}
	if base, ok := strings.CutSuffix(rel, "/..."); ok {
		return under(dep, base)
	}
	return dep == join(rel)
}

func join(rel string) string {
	if rel == "" {
		return Module
	}
	return Module + "/" + rel
}
