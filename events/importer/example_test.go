package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/importer"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

// A trace file goes into the log, out as JSON Lines to another machine's log, and back into the
// workload the trace reader gives.
func Example() {
	ctx := context.Background()
	var site events.MemStore // a JetStream store in production
	res, err := importer.Import(ctx, &site, []string{"../../scenarios/traces/testdata/jobs.csv"}, importer.Options{Format: traces.CSV})
	if err != nil {
		panic(err)
	}
	fmt.Printf("imported %d jobs of %d owners, skipped %d rows\n", res.Jobs, res.Owners, res.Skipped)

	// Jobs submitted in the first 15 s after the epoch, handed over as JSON Lines. The id is
	// DeriveID("gpuplan-trace-job", "csv", SHA-256 of jobs.csv, "0", "j1"), computed independently.
	var file bytes.Buffer
	n, err := importer.Export(ctx, &site, importer.DefaultEpoch, importer.DefaultEpoch.Add(15*time.Second),
		[]events.Kind{events.KindJobFinished}, &file)
	if err != nil {
		panic(err)
	}
	fmt.Printf("exported %d events; the first:\n%s", n, strings.SplitAfter(file.String(), "\n")[0])

	var planner events.MemStore
	if _, err := importer.ImportJSONL(ctx, &planner, &file, "jobs.jsonl", importer.JSONLOptions{}); err != nil {
		panic(err)
	}
	w, st, err := importer.Workload(ctx, &planner, time.Time{}, time.Time{})
	if err != nil {
		panic(err)
	}
	for _, j := range w.Jobs {
		fmt.Printf("%s owner=%s submit=%v gpus=%d duration=%v\n", j.ID, w.Owners[j.Owner], j.Submit, j.GPUs, j.Duration)
	}
	fmt.Printf("%d jobs, %d exact\n", st.Jobs, st.Exact)
	// Output:
	// imported 4 jobs of 2 owners, skipped 1 rows
	// exported 2 events; the first:
	// {"v":1,"id":"89a4148b4fd52d39e3dc3d62c2e94546","kind":"job.finished","source":"import","time":"2020-01-01T00:00:00.000000000Z","data":{"job_id":"j1","owner":"alice","group":"vision","gpus":1,"gpu_type":"A100","submit":"2020-01-01T00:00:00Z","start":"2020-01-01T00:00:00Z","end":"2020-01-01T01:00:00Z","mean_util":0.5,"mean_power_w":250,"source":"import","trace":{"file":"jobs.csv","format":"csv","seq":0,"owner_index":0,"group_index":0,"submit_s":0,"duration_s":3600}}}
	// j1 owner=alice submit=0 gpus=1 duration=3600
	// j2 owner=bob submit=10.5 gpus=4 duration=7200.25
	// 2 jobs, 2 exact
}
