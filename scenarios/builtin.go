package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// Info describes a built-in scenario.
type Info struct {
	Name        string
	Description string
}

const builtinDir = "builtin"

func isBuiltinFile(file string) bool { return strings.HasPrefix(file, builtinDir+"/") }

func builtinFile(name string) (string, bool) {
	file := path.Join(builtinDir, name+".yaml")
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return "", false
	}
	if _, err := fs.Stat(builtinFS, file); err != nil {
		return "", false
	}
	return file, true
}

// Builtins lists the built-in scenarios, sorted by name.
func Builtins() []Info {
	entries, _ := fs.ReadDir(builtinFS, builtinDir)
	var out []Info
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".yaml")
		if !ok {
			continue
		}
		info := Info{Name: name}
		if s, err := Builtin(name); err == nil {
			info.Description = s.Description
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Builtin parses the built-in scenario with this name.
func Builtin(name string) (*Scenario, error) {
	file, ok := builtinFile(name)
	if !ok {
		return nil, fmt.Errorf("%w %q (built-ins: %s)", ErrUnknownScenario, name, builtinNames())
	}
	data, err := builtinFS.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	return Parse(file, data)
}

func builtinNames() string {
	entries, _ := fs.ReadDir(builtinFS, builtinDir)
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
