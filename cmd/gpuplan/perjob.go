package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/planner"
	"github.com/gpuplan/gpuplan/sim"
)

// writePerJobTo writes the per-job rows to stdout when path is "-", else to the file.
func writePerJobTo(path string, stdout io.Writer, w *gpuplan.Workload, res []*sim.Result) error {
	if path == "-" {
		return planner.WritePerJob(stdout, w, res)
	}
	return writePerJobFile(path, w, res)
}

// writePerJobFile writes one row per job and policy (the columns of --per-job), in workload order
// per policy.
func writePerJobFile(path string, w *gpuplan.Workload, res []*sim.Result) error {
	err := writeOutput(path, func(fh io.Writer) error { return planner.WritePerJob(fh, w, res) })
	if err != nil {
		return fmt.Errorf("--per-job: %w", err)
	}
	return nil
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
