package scenarios_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gpuplan/gpuplan"
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

// Pools in memory give the scenario that their CSV in a file gives: same hash, same results; bad
// pools are refused as a bad file is, and pools cannot come from both places.
func TestFromWorkloadPoolsInMemory(t *testing.T) {
	w, err := traces.ReadFile("testdata/workload.csv", traces.CSV, traces.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pools, err := traces.ReadPoolsFile("testdata/pools.csv")
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := traces.WritePools(&csv, pools); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "pools.csv")
	if err := os.WriteFile(file, csv.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	fromFile, err := scenarios.FromWorkload(w, "workload.csv", file, scenarios.FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fromMem, err := scenarios.FromWorkload(w, "workload.csv", "", scenarios.FileOptions{Pools: pools})
	if err != nil {
		t.Fatal(err)
	}
	if fromMem.Hash != fromFile.Hash || fromMem.Hash == "" {
		t.Errorf("hash %q in memory, %q from the file", fromMem.Hash, fromFile.Hash)
	}
	if a, b := runJSON(t, fromFile), runJSON(t, fromMem); !bytes.Equal(a, b) {
		t.Errorf("results differ:\n%s\n%s", a, b)
	}

	cases := []struct {
		name  string
		path  string
		pools []gpuplan.Pool
	}{
		{"not a whole number of nodes", "", []gpuplan.Pool{{Owner: "alice", GPUs: 3, GPUsPerNode: 2}}},
		{"both in memory and a file", file, pools},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := scenarios.FromWorkload(w, "workload.csv", c.path, scenarios.FileOptions{Pools: c.pools}); err == nil {
				t.Error("no error")
			}
		})
	}
}
