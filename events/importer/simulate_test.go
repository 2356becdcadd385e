package importer_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events/importer"
	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/scenarios/traces"
	"github.com/gpuplan/gpuplan/sim"
)

// What gpuplan replay promises: the simulator's results on the replayed workload are the bytes
// gpuplan simulate gets from the trace file, under every policy.
func TestReplaySimulatesLikeTheFile(t *testing.T) {
	cases := []traceCase{
		{"csv", filepath.Join(fixtureDir, "jobs.csv"), traces.CSV, traces.Options{}},
		{"itp", filepath.Join(fixtureDir, "itp_cluster10.csv"), traces.ITP, traces.Options{}},
		{"genpw", filepath.Join(fixtureDir, "philly_head.csv"), traces.GenPW, traces.Options{}},
		{"openb", filepath.Join(fixtureDir, "openb_sample.csv"), traces.OpenB, traces.Options{}},
	}
	if !testing.Short() {
		if dir := sharedDir(t); dir != "" {
			cases = append(cases, traceCase{"itp cluster01", filepath.Join(dir, "microsoft-itp", "cluster01.csv"), traces.ITP, traces.Options{}})
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// As gpuplan simulate --workload FILE --format F builds it.
			b, err := scenarios.FromFiles(tc.path, tc.format, "", scenarios.FileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			s, _ := importFile(t, tc.path, importer.Options{Format: tc.format, Trace: tc.opt})
			replayed, _ := replayAll(t, s)
			replayed.Skipped = b.Workload.Skipped // counted by the reader, not carried by events
			if len(b.Policies) < 3 || len(replayed.Jobs) == 0 {
				t.Fatalf("policies %v, %d jobs: nothing compared", b.Policies, len(replayed.Jobs))
			}
			want := results(t, b, b.Workload)
			got := results(t, b, replayed)
			if !bytes.Equal(got, want) {
				t.Fatalf("results differ:\n replay   %.400s\n simulate %.400s", got, want)
			}
		})
	}
}

func results(t *testing.T, b *scenarios.Built, w *gpuplan.Workload) []byte {
	t.Helper()
	res, err := sim.RunAll(b.Cluster, w, b.Policies, b.Options)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
