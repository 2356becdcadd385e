package scenarios_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/scenarios/traces"
	"github.com/gpuplan/gpuplan/sim"
)

// FromWorkload must give the simulator exactly what FromFiles gives it, so that a replay from
// the event log reproduces a simulation of the file byte for byte.
func TestFromWorkloadMatchesFromFiles(t *testing.T) {
	for _, pools := range []string{"", "testdata/pools.csv"} {
		fromFile, err := scenarios.FromFiles("testdata/workload.csv", traces.CSV, pools, scenarios.FileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		w, err := traces.ReadFile("testdata/workload.csv", traces.CSV, traces.Options{})
		if err != nil {
			t.Fatal(err)
		}
		fromMem, err := scenarios.FromWorkload(w, "testdata/workload.csv", pools, scenarios.FileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if fromMem.Name != fromFile.Name {
			t.Errorf("pools %q: name %s, want %s", pools, fromMem.Name, fromFile.Name)
		}
		a, b := runJSON(t, fromFile), runJSON(t, fromMem)
		if !bytes.Equal(a, b) {
			t.Errorf("pools %q: results differ:\n%s\n%s", pools, a, b)
		}
		// The caller's workload is not changed by building.
		if len(w.Jobs) != len(fromMem.Workload.Jobs) || &w.Jobs[0] == &fromMem.Workload.Jobs[0] {
			t.Errorf("pools %q: built workload shares or lost the caller's jobs", pools)
		}
	}
}

func runJSON(t *testing.T, b *scenarios.Built) []byte {
	t.Helper()
	res, err := sim.RunAll(b.Cluster, b.Workload, b.Policies, b.Options)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
