package main

import (
	"io"

	"github.com/gpuplan/gpuplan/scenarios"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

// stdinName labels a workload read from standard input in errors and the scenario's name.
const stdinName = "stdin"

// workloadFromStdin builds the scenario FromFiles would for a file, from a workload on stdin
// (--workload -), gzip or not.
func workloadFromStdin(stdin io.Reader, format traces.Format, pools string) (*scenarios.Built, error) {
	w, err := traces.Read(stdin, stdinName, format, traces.Options{})
	if err != nil {
		return nil, err
	}
	return scenarios.FromWorkload(w, stdinName, pools, scenarios.FileOptions{})
}
