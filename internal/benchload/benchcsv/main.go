// Command benchcsv writes the benchmark workload as jobs.csv and pools.csv, for timing the whole
// gpuplan process (see BENCHMARKS.md).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gpuplan/gpuplan/internal/benchload"
)

func main() {
	n := flag.Int("n", 1_000_000, "jobs")
	seed := flag.Uint64("seed", 20240601, "seed")
	out := flag.String("out", ".", "directory")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "benchcsv:", err)
		os.Exit(1)
	}
	jobs, pools, err := benchload.WriteFiles(*out, *n, *seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcsv:", err)
		os.Exit(1)
	}
	fmt.Println(jobs, pools)
}
