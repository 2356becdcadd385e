package main

import (
	"io"
	"os"
	"sync"
	"testing"

	"github.com/gpuplan/gpuplan/internal/benchload"
)

var benchFiles struct {
	once        sync.Once
	jobs, pools string
	err         error
}

// BenchmarkSimulateCSV times what `gpuplan simulate` does for one policy on the 1M-job
// workload, CSV reading and JSON writing included (process start-up is not: see BENCHMARKS.md).
func BenchmarkSimulateCSV(b *testing.B) {
	benchFiles.once.Do(func() {
		dir, err := os.MkdirTemp("", "gpuplan-bench-")
		if err != nil {
			benchFiles.err = err
			return
		}
		benchFiles.jobs, benchFiles.pools, benchFiles.err = benchload.WriteFiles(dir, 1_000_000, 20240601)
	})
	if benchFiles.err != nil {
		b.Fatal(benchFiles.err)
	}
	for _, policy := range []string{"fragmented", "fifo", "easy"} {
		b.Run(policy+"/pool/1M", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				code := run([]string{"simulate", "--workload", benchFiles.jobs, "--pools", benchFiles.pools,
					"--policy", policy, "--placement", "pool", "--json", os.DevNull}, io.Discard, io.Discard)
				if code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
			b.ReportMetric(1e6*float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
		})
	}
}
