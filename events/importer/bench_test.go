package importer_test

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/importer"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

// itpFiles are the ten microsoft-itp clusters, 69,351 jobs with GPUs.
func itpFiles(b *testing.B) []string {
	dir := filepath.Join(sharedTraces(b), "microsoft-itp")
	paths, err := filepath.Glob(filepath.Join(dir, "cluster*.csv"))
	if err != nil || len(paths) != 10 {
		b.Skipf("want the 10 microsoft-itp clusters in %s, found %d (%v)", dir, len(paths), err)
	}
	return paths
}

// The target: import the whole microsoft-itp trace in under 1 s. This is the importer's
// part (read, hash, convert, batch); the JetStream adapter's publishing is measured there.
func BenchmarkImportITP(b *testing.B) {
	paths := itpFiles(b)
	opt := importer.Options{Format: traces.ITP}
	run := func(b *testing.B, sink func() (events.Appender, func() error)) {
		var jobs int
		for b.Loop() {
			a, done := sink()
			res, err := importer.Import(context.Background(), a, paths, opt)
			if err != nil {
				b.Fatal(err)
			}
			if err := done(); err != nil {
				b.Fatal(err)
			}
			jobs = res.Jobs
		}
		if jobs != 69351 {
			b.Fatalf("imported %d jobs, want 69,351", jobs)
		}
		b.ReportMetric(float64(jobs)*float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
	}
	b.Run("discard", func(b *testing.B) { // the importer's own work: read, hash, convert
		run(b, func() (events.Appender, func() error) { return discard{}, func() error { return nil } })
	})
	b.Run("memstore", func(b *testing.B) {
		run(b, func() (events.Appender, func() error) { return &events.MemStore{}, func() error { return nil } })
	})
	b.Run("jsonl", func(b *testing.B) {
		run(b, func() (events.Appender, func() error) {
			w := events.NewWriter(io.Discard)
			return importer.WriterAppender{W: w}, w.Flush
		})
	})
}

// Rebuilding the 69,351-job workload from a store (decoding every payload).
func BenchmarkWorkloadITP(b *testing.B) {
	paths := itpFiles(b)
	var s events.MemStore
	if _, err := importer.Import(context.Background(), &s, paths, importer.Options{Format: traces.ITP}); err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime()
	for b.Loop() {
		w, _, err := importer.Workload(context.Background(), &s, time.Time{}, time.Time{})
		if err != nil || len(w.Jobs) != 69351 {
			b.Fatalf("%d jobs, %v", len(w.Jobs), err)
		}
	}
	cpu = cpuTime() - cpu // on a shared machine steadier than jobs/s
	b.ReportMetric(69351*float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/(69351*float64(b.N)), "cpu-ns/job")
}

type discard struct{}

func (discard) Append(context.Context, ...events.Event) error { return nil }
