package scenarios_test

import (
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/scenarios"
)

func TestBuiltinSourceAndQuickHash(t *testing.T) {
	for _, info := range scenarios.Builtins() {
		src, ok := scenarios.BuiltinSource(info.Name)
		if !ok || !strings.Contains(string(src), "name: "+info.Name) {
			t.Fatalf("%s: source not found", info.Name)
		}
		s, err := scenarios.Builtin(info.Name)
		if err != nil {
			t.Fatal(err)
		}
		quick, ok, err := s.QuickHash()
		if err != nil || !ok {
			t.Fatalf("%s: quick hash: ok %v, %v", info.Name, ok, err)
		}
		b, err := s.Build()
		if err != nil {
			t.Fatal(err)
		}
		if quick != b.Hash {
			t.Fatalf("%s: quick hash %s, Build's %s", info.Name, quick, b.Hash)
		}
	}
	if _, ok := scenarios.BuiltinSource("../small"); ok {
		t.Fatal("a path must not resolve to a built-in")
	}
}
