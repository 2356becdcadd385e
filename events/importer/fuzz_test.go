package importer_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/importer"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

// FuzzImportJSONL feeds arbitrary bytes through the JSON Lines import and the workload replay:
// neither may panic, every event read is accounted for, and the workload's indexes are in range.
func FuzzImportJSONL(f *testing.F) {
	f.Add([]byte(jsonlFile))
	f.Add([]byte(""))
	f.Add([]byte("\n\n{}\n[1]\nnull\n"))
	f.Add([]byte(`{"v":1,"id":"x","kind":"job.finished","source":"s","time":"2020-01-01T00:00:00Z","data":{"job_id":"j","owner":"","gpus":3,"start":"2020-01-01T00:00:00Z","end":"2019-01-01T00:00:00Z","source":"import","trace":{"seq":-5,"owner_index":2147483647,"group_index":-1,"submit_s":1e308,"duration_s":-0}}}`))
	f.Add([]byte(`{"v":1,"id":"r","kind":"job.retracted","source":"s","time":"2020-01-01T00:00:00Z","data":{"job_id":"j"}}` + "\n" +
		`{"v":1,"id":"x","kind":"job.finished","source":"s","time":"2020-01-01T00:00:00Z","data":{"job_id":"j","gpus":1,"start":"2020-01-01T00:00:00Z","end":"2020-01-01T01:00:00Z","mean_power_w":1e308}}`))
	f.Add([]byte(`{"v":1,"id":"y","kind":"job.finished","source":"s","time":"0001-01-01T00:00:01Z","data":{"job_id":"j","gpus":9999999999,"start":"9999-12-31T23:59:59Z","end":"9999-12-31T23:59:59.9Z","source":"projection","trace":null}}`))
	if data, err := os.ReadFile(filepath.Join(fixtureDir, "jobs.csv")); err == nil {
		dir := f.TempDir()
		p := filepath.Join(dir, "jobs.csv")
		if err := os.WriteFile(p, data, 0o644); err == nil {
			var buf bytes.Buffer
			w := events.NewWriter(&buf)
			if _, err := importer.Import(context.Background(), importer.WriterAppender{W: w}, []string{p}, importer.Options{Format: traces.CSV}); err == nil && w.Flush() == nil {
				f.Add(buf.Bytes())
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opt := range []importer.JSONLOptions{{SkipBad: true, KeepUnknown: true, Batch: 3}, {}} {
			var s events.MemStore
			res, err := importer.ImportJSONL(context.Background(), &s, bytes.NewReader(data), "fuzz.jsonl", opt)
			if err != nil && !opt.SkipBad && s.Len() != 0 {
				t.Fatalf("failed import stored %d events: %v", s.Len(), err)
			}
			if err == nil && s.Len() > res.Events {
				t.Fatalf("store holds %d events, import handed over %d", s.Len(), res.Events)
			}
			w, st, err := importer.Workload(context.Background(), &s, time.Time{}, time.Time{})
			if err != nil {
				t.Fatalf("workload: %v", err)
			}
			if st.Events != st.Jobs+st.Duplicates+st.NoGPU+st.Malformed+st.Retracted || w.Skipped != st.NoGPU+st.Malformed {
				t.Fatalf("stats do not add up: %+v, skipped %d", st, w.Skipped)
			}
			for i, j := range w.Jobs {
				if j.Owner < 0 || int(j.Owner) >= len(w.Owners) || j.Group < -1 || int(j.Group) >= len(w.Groups) || j.GPUs <= 0 ||
					j.GPUs > gpuplan.MaxGPUs || !(j.PowerW >= 0 && j.PowerW <= gpuplan.MaxPowerW) || !(j.Util >= 0 && j.Util <= 1) ||
					!(j.Duration >= 0 && j.Duration <= gpuplan.MaxSeconds) {
					t.Fatalf("job %d %+v out of range (%d owners, %d groups)", i, j, len(w.Owners), len(w.Groups))
				}
			}
		}
	})
}
