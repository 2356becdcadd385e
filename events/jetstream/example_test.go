package jetstream_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsserver"
)

// An embedded server, a retried append that stores once, a replay of one kind, and two admins
// assigning the same node from the same state.
func Example() {
	dir, _ := os.MkdirTemp("", "gpuplan-example-")
	defer os.RemoveAll(dir)
	srv, err := natsserver.Start(natsserver.Options{Dir: dir, Addr: "127.0.0.1:0"})
	if err != nil {
		panic(err)
	}
	defer srv.Shutdown()
	nc, err := jetstream.Connect(srv.URL())
	if err != nil {
		panic(err)
	}
	defer nc.Close()
	ctx := context.Background()
	store, err := jetstream.Open(ctx, nc, jetstream.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(store.StreamNames())

	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	job, _ := events.New(events.KindJobFinished, events.DeriveID("itp", "cluster01", "17"), "importer", at,
		events.JobFinished{JobID: "17", Owner: "kim", GPUs: 8, Start: at.Add(-time.Hour), End: at, Source: events.JobSourceImport})
	for range 2 { // a retry after a lost acknowledgement
		st, err := store.Publish(ctx, job)
		if err != nil {
			panic(err)
		}
		fmt.Printf("stored %d, duplicates %d\n", st.Stored, st.Duplicates)
	}
	_ = store.Replay(ctx, at.Add(-24*time.Hour), time.Time{}, []events.Kind{events.KindJobFinished}, func(e events.Event) error {
		j, _ := events.DecodeAs[events.JobFinished](e)
		fmt.Printf("%s: job %s of %s, %d GPUs, %v\n", e.Name(), j.JobID, j.Owner, j.GPUs, j.End.Sub(j.Start))
		return nil
	})

	seq, _ := store.OwnershipSeq(ctx, "lab-3", "node-a")
	assign := func(id, owner string) error {
		e, _ := events.New(events.KindOwnershipAssigned, id, "admin", at, events.OwnershipAssigned{Owner: owner, Site: "lab-3", Node: "node-a"})
		_, err := store.ChangeOwnership(ctx, e, seq)
		return err
	}
	fmt.Println("first admin:", assign("assign-1", "kim"))
	err = assign("assign-2", "lee")
	fmt.Println("second admin conflicts:", errors.Is(err, jetstream.ErrOwnershipConflict))
	// Output:
	// [GPUPLAN_SAMPLES GPUPLAN_JOBS GPUPLAN_RUNS]
	// stored 1, duplicates 0
	// stored 0, duplicates 1
	// job.finished: job 17 of kim, 8 GPUs, 1h0m0s
	// first admin: <nil>
	// second admin conflicts: true
}
