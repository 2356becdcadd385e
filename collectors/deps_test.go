package collectors_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoSimulatorDependency: a node agent carries no simulator, scenarios or planner.
func TestNoSimulatorDependency(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/gpuplan/gpuplan/collectors/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps gave %d packages: %s", len(deps), out)
	}
	for _, d := range deps {
		for _, banned := range []string{"sim", "scenarios", "planner", "events/projection", "events/fleet", "events/importer", "traces"} {
			if d == "github.com/gpuplan/gpuplan/"+banned || strings.HasPrefix(d, "github.com/gpuplan/gpuplan/"+banned+"/") {
				t.Errorf("collectors depend on %s", d)
			}
		}
	}
}
