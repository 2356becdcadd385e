package traces

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	bench1MOnce sync.Once
	bench1MDir  string
	bench1MPath string
	bench1MErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if bench1MDir != "" {
		os.RemoveAll(bench1MDir)
	}
	os.Exit(code)
}

// bench1M writes, once per test binary, a canonical CSV of 1,000,000 jobs shaped like the traces:
// hex IDs, ~200 owners, second-resolution submits, some fractional durations, mostly 1-GPU jobs.
func bench1M(b *testing.B) string {
	bench1MOnce.Do(func() {
		dir, err := os.MkdirTemp("", "traces-bench")
		if err != nil {
			bench1MErr = err
			return
		}
		bench1MDir = dir
		bench1MPath = filepath.Join(dir, "jobs1m.csv")
		f, err := os.Create(bench1MPath)
		if err != nil {
			bench1MErr = err
			return
		}
		defer f.Close()
		w := bufio.NewWriter(f)
		rng := rand.New(rand.NewPCG(1, 2))
		gpus := []int{1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 8, 8, 16}
		fmt.Fprintln(w, "id,owner,submit_s,gpus,duration_s")
		submit := 0.0
		for i := range 1_000_000 {
			submit += float64(rng.IntN(30))
			dur := rng.ExpFloat64() * 3600
			if i%3 == 0 {
				fmt.Fprintf(w, "job-%08x,user%03d,%.0f,%d,%.1f\n", i, rng.IntN(200), submit, gpus[rng.IntN(len(gpus))], dur)
			} else {
				fmt.Fprintf(w, "job-%08x,user%03d,%.0f,%d,%.0f\n", i, rng.IntN(200), submit, gpus[rng.IntN(len(gpus))], dur)
			}
		}
		bench1MErr = w.Flush()
	})
	if bench1MErr != nil {
		b.Fatal(bench1MErr)
	}
	return bench1MPath
}

// reportCPU adds cpu-ns/op, the process's CPU time per iteration since start: on a machine shared
// with other work, wall time measures the neighbours as much as the code, CPU time much less.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

func BenchmarkReadCSV1M(b *testing.B) {
	path := bench1M(b)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		w, err := ReadFile(path, CSV, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(w.Jobs) != 1_000_000 {
			b.Fatalf("read %d jobs", len(w.Jobs))
		}
	}
}

// BenchmarkReadITPAll reads all ten microsoft-itp cluster files (69,351 jobs).
func BenchmarkReadITPAll(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(sharedTraces(b), "microsoft-itp", "cluster*.csv"))
	if len(files) == 0 {
		b.Skip("no ITP files")
	}
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		for _, f := range files {
			if _, err := ReadFile(f, ITP, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkReadCSV1MStream reads the same file through Read (one goroutine, bufio).
func BenchmarkReadCSV1MStream(b *testing.B) {
	path := bench1M(b)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		w, err := Read(f, path, CSV, Options{})
		f.Close()
		if err != nil || len(w.Jobs) != 1_000_000 {
			b.Fatalf("%v, %d jobs", err, len(w.Jobs))
		}
	}
}
