package importer_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/importer"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

// Export → ImportJSONL → Export gives the same bytes, and the second store replays to the same
// workload, for every trace format.
func TestExportImportRoundTrip(t *testing.T) {
	for _, tc := range fixtureCases() {
		t.Run(tc.name, func(t *testing.T) {
			s, res := importFile(t, tc.path, importer.Options{Format: tc.format, Trace: tc.opt})
			var first bytes.Buffer
			n, err := importer.Export(context.Background(), s, time.Time{}, time.Time{}, nil, &first)
			if err != nil || n != res.Jobs {
				t.Fatalf("export: %d events, %v; want %d", n, err, res.Jobs)
			}
			var s2 events.MemStore
			jr, err := importer.ImportJSONL(context.Background(), &s2, bytes.NewReader(first.Bytes()), "export.jsonl", importer.JSONLOptions{})
			if err != nil || jr.Events != n || jr.Malformed != 0 || len(jr.Skipped) != 0 {
				t.Fatalf("import: %+v, %v", jr, err)
			}
			var second bytes.Buffer
			if _, err := importer.Export(context.Background(), &s2, time.Time{}, time.Time{}, nil, &second); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first.Bytes(), second.Bytes()) {
				t.Fatal("second export differs from the first")
			}
			w1, _ := replayAll(t, s)
			w2, _ := replayAll(t, &s2)
			sameWorkload(t, tc.name, w2, w1)

			// Idempotent: importing the export again stores nothing new.
			if _, err := importer.ImportJSONL(context.Background(), &s2, bytes.NewReader(first.Bytes()), "export.jsonl", importer.JSONLOptions{}); err != nil || s2.Len() != n {
				t.Fatalf("re-import: store %d, want %d, %v", s2.Len(), n, err)
			}
		})
	}
}

// mixedLog holds one event of each of several kinds at known times, and one of a kind this
// binary does not know.
func mixedLog(t *testing.T) *events.MemStore {
	t.Helper()
	var s events.MemStore
	mk := func(k events.Kind, id string, tm time.Time, p events.Payload) events.Event {
		e, err := events.New(k, id, "node-a", tm, p)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	unknown, err := events.Unmarshal([]byte(`{"v":1,"id":"f1","kind":"gpu.fans","source":"node-a","time":"2020-01-01T00:00:30Z","data":{"pct":40}}`))
	if err != nil {
		t.Fatal(err)
	}
	evs := []events.Event{
		mk(events.KindGPUSampleBatch, "s1", at(10), events.GPUSampleBatch{Node: "node-a", IntervalS: 10}),
		mk(events.KindOwnershipAssigned, "o1", at(20), events.OwnershipAssigned{Owner: "kim", Node: "node-a"}),
		unknown,
		mk(events.KindJobFinished, "j1", at(40), events.JobFinished{JobID: "1", Owner: "kim", GPUs: 1, Start: at(30), End: at(40)}),
		mk(events.KindGPUSampleBatch, "s2", at(50), events.GPUSampleBatch{Node: "node-a", IntervalS: 10}),
		mk(events.KindJobFinished, "j2", at(60), events.JobFinished{JobID: "2", Owner: "kim", GPUs: 1, Start: at(45), End: at(60)}),
	}
	if err := s.Append(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
	return &s
}

func exportIDs(t *testing.T, s events.Replayer, since, until time.Time, kinds []events.Kind) []string {
	t.Helper()
	var buf bytes.Buffer
	n, err := importer.Export(context.Background(), s, since, until, kinds, &buf)
	if err != nil {
		t.Fatal(err)
	}
	r := events.NewReader(&buf, "export", events.ReaderOptions{KeepUnknown: true})
	var out []string
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e.ID)
	}
	if n != len(out) {
		t.Fatalf("export said %d events, wrote %d", n, len(out))
	}
	return out
}

func TestExportRangeAndKinds(t *testing.T) {
	s := mixedLog(t)
	for _, tc := range []struct {
		name         string
		since, until time.Time
		kinds        []events.Kind
		want         []string
	}{
		{"everything, unknown kinds too", time.Time{}, time.Time{}, nil, []string{"s1", "o1", "f1", "j1", "s2", "j2"}},
		{"jobs", time.Time{}, time.Time{}, []events.Kind{events.KindJobFinished}, []string{"j1", "j2"}},
		{"samples and ownership", time.Time{}, time.Time{}, []events.Kind{events.KindGPUSampleBatch, events.KindOwnershipAssigned}, []string{"s1", "o1", "s2"}},
		{"[20s, 50s)", at(20), at(50), nil, []string{"o1", "f1", "j1"}},
		{"jobs from 41s", at(41), time.Time{}, []events.Kind{events.KindJobFinished}, []string{"j2"}},
		{"until 10s excludes 10s", time.Time{}, at(10), nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := exportIDs(t, s, tc.since, tc.until, tc.kinds); !slices.Equal(got, tc.want) {
				t.Errorf("ids %v, want %v", got, tc.want)
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestExportWriteError(t *testing.T) {
	if _, err := importer.Export(context.Background(), mixedLog(t), time.Time{}, time.Time{}, nil, failingWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v, want disk full", err)
	}
}

// jsonlFile: good events on lines 1, 2 and 6, an unknown kind (3), a newer version (4) and
// malformed lines 5 (not JSON) and 7 (no id).
const jsonlFile = `{"v":1,"id":"a","kind":"ownership.assigned","source":"admin","time":"2020-01-01T00:00:01Z","data":{"owner":"kim","node":"n1"}}
{"v":1,"id":"b","kind":"job.finished","source":"import","time":"2020-01-01T00:00:02Z","data":{"job_id":"1","owner":"kim","gpus":1,"start":"2020-01-01T00:00:02Z","end":"2020-01-01T00:01:02Z","source":"import"}}
{"v":1,"id":"c","kind":"gpu.fans","source":"n1","time":"2020-01-01T00:00:03Z","data":{"pct":40}}
{"v":2,"id":"d","kind":"job.finished","source":"n1","time":"2020-01-01T00:00:04Z","data":{},"checksum":"x"}
{"v":1,"id":"e",
{"v":1,"id":"f","kind":"ownership.released","source":"admin","time":"2020-01-01T00:00:06Z","data":{"owner":"kim","node":"n1"}}
{"v":1,"kind":"ownership.released","source":"admin","time":"2020-01-01T00:00:07Z","data":{"owner":"kim","node":"n1"}}
`

func TestImportJSONL(t *testing.T) {
	ctx := context.Background()
	lineNumbers := func(ps []*events.LineError) []int {
		var out []int
		for _, p := range ps {
			out = append(out, p.Line)
		}
		return out
	}
	wantSkipped := []events.Skip{{Kind: "gpu.fans", V: 1, Count: 1}, {Kind: "job.finished", V: 2, Count: 1}}

	t.Run("file with malformed lines imports nothing", func(t *testing.T) {
		var s events.MemStore
		res, err := importer.ImportJSONL(ctx, &s, strings.NewReader(jsonlFile), "log.jsonl", importer.JSONLOptions{Batch: 1})
		if !errors.Is(err, importer.ErrMalformed) || !errors.Is(err, events.ErrInvalid) {
			t.Fatalf("err = %v, want malformed lines", err)
		}
		if s.Len() != 0 || res.Malformed != 2 || !slices.Equal(lineNumbers(res.Problems), []int{5, 7}) {
			t.Errorf("store %d, result %+v; want nothing stored, lines 5 and 7", s.Len(), res)
		}
		if !strings.Contains(err.Error(), "log.jsonl:5:") {
			t.Errorf("error does not name file and line: %v", err)
		}
	})
	t.Run("stream stops at the first malformed line", func(t *testing.T) {
		var s events.MemStore
		res, err := importer.ImportJSONL(ctx, &s, io.MultiReader(strings.NewReader(jsonlFile)), "-", importer.JSONLOptions{Batch: 1})
		if !errors.Is(err, importer.ErrMalformed) || s.Len() != 2 || res.Events != 2 {
			t.Errorf("err = %v, store %d, result %+v; want a and b stored, then the error", err, s.Len(), res)
		}
	})
	t.Run("skip bad", func(t *testing.T) {
		var s events.MemStore
		res, err := importer.ImportJSONL(ctx, &s, strings.NewReader(jsonlFile), "log.jsonl", importer.JSONLOptions{SkipBad: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(t, &s); !slices.Equal(got, []string{"a", "b", "f"}) || res.Events != 3 || res.Malformed != 2 {
			t.Errorf("stored %v, result %+v", got, res)
		}
		if !slices.Equal(res.Skipped, wantSkipped) {
			t.Errorf("skipped %v, want %v", res.Skipped, wantSkipped)
		}
		// Twice: nothing new.
		if _, err := importer.ImportJSONL(ctx, &s, strings.NewReader(jsonlFile), "log.jsonl", importer.JSONLOptions{SkipBad: true}); err != nil || s.Len() != 3 {
			t.Errorf("second import: %v, store %d", err, s.Len())
		}
	})
	t.Run("keep unknown", func(t *testing.T) {
		var s events.MemStore
		res, err := importer.ImportJSONL(ctx, &s, strings.NewReader(jsonlFile), "log.jsonl", importer.JSONLOptions{SkipBad: true, KeepUnknown: true})
		if err != nil {
			t.Fatal(err)
		}
		got := exportIDs(t, &s, time.Time{}, time.Time{}, nil)
		if !slices.Equal(got, []string{"a", "b", "c", "f"}) || len(res.Skipped) != 1 {
			t.Errorf("stored %v, skipped %v; want the unknown kind kept, the newer version skipped", got, res.Skipped)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := importer.ImportJSONL(cctx, &events.MemStore{}, strings.NewReader(jsonlFile), "log.jsonl", importer.JSONLOptions{SkipBad: true}); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
}

// A JSON Lines file written by Import replays to the reader's workload.
func TestJSONLWorkload(t *testing.T) {
	path := filepath.Join(fixtureDir, "openb_sample.csv")
	want := readerWorkload(t, path, traces.OpenB, traces.Options{})
	var file bytes.Buffer
	w := events.NewWriter(&file)
	if _, err := importer.Import(context.Background(), importer.WriterAppender{W: w}, []string{path}, importer.Options{Format: traces.OpenB}); err != nil || w.Flush() != nil {
		t.Fatal(err)
	}
	var s events.MemStore
	if _, err := importer.ImportJSONL(context.Background(), &s, &file, "openb.jsonl", importer.JSONLOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ := replayAll(t, &s)
	sameWorkload(t, "openb via jsonl", got, want)
}
