package jetstream

import (
	"context"
	"slices"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events"
)

// jobEvents are n finished jobs with ids derived from their job ids, as an importer writes them.
func jobEvents(t testing.TB, n int) []events.Event {
	t.Helper()
	var evs []events.Event
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Minute)
		jid := "j" + itoa(i)
		evs = append(evs, mustNew(t, events.KindJobFinished, "job-"+jid, at, events.JobFinished{JobID: jid, Owner: "kim", Site: "lab",
			Nodes: []string{"n1"}, GPUs: 1, Start: at, End: at.Add(time.Hour), Source: events.JobSourceImport}))
	}
	return evs
}

// TestReimportAfterDuplicateWindowStoresNothing: the kept streams hold one message per event id
// for good, not only within the duplicate window.
func TestReimportAfterDuplicateWindowStoresNothing(t *testing.T) {
	const window = 200 * time.Millisecond
	for _, tc := range []struct {
		name string
		wait time.Duration // between the imports
		// sampleAgain: the control, a sample batch (windowed deduplication only) sent again
		// after wait, is stored again: proof that the window has passed.
		sampleAgain bool
	}{
		{"within window", 0, false},
		{"after window", 5 * window, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openStore(t, startServer(t, "").URL(), Options{KeptDuplicates: window, SamplesDuplicates: window})
			ctx := context.Background()
			in := jobEvents(t, 50)
			run := mustNew(t, events.KindPlannerRun, "run-1", t0, events.PlannerRun{InputsHash: "sha256:ab", Seed: 1, Version: "test"})
			in = append(in, run)
			st, err := s.Publish(ctx, in...)
			if err != nil {
				t.Fatal(err)
			}
			if st.Stored != len(in) || st.Duplicates != 0 {
				t.Fatalf("first import: %+v, want %d stored", st, len(in))
			}
			own := mustNew(t, events.KindOwnershipAssigned, "own-1", t0, events.OwnershipAssigned{Owner: "kim", Site: "lab", Node: "n1", GPUIndices: []int{0}})
			seq, err := s.ChangeOwnership(ctx, own, 0)
			if err != nil {
				t.Fatal(err)
			}
			smp := sampleBatch(t, "smp-1", "lab", "n1", t0)
			if _, err := s.Publish(ctx, smp); err != nil {
				t.Fatal(err)
			}
			time.Sleep(tc.wait)
			if st, err := s.Publish(ctx, smp); err != nil || (st.Stored == 1) != tc.sampleAgain {
				t.Fatalf("control sample sent again: %+v, %v; want stored again %v", st, err, tc.sampleAgain)
			}
			st, err = s.Publish(ctx, in...)
			if err != nil {
				t.Fatal(err)
			}
			if st.Stored != 0 || st.Duplicates != len(in) || st.Retries != 0 {
				t.Errorf("second import: %+v, want all %d duplicates, none stored, no retries", st, len(in))
			}
			// The same ownership change sent again, with the sequence it was decided on.
			if again, err := s.ChangeOwnership(ctx, own, 0); err != nil || again != seq {
				t.Errorf("ownership change sent again: seq %d, %v; want %d", again, err, seq)
			}
			// Published as a plain append too (an import of an exported log does that).
			if st, err := s.Publish(ctx, own); err != nil || st.Duplicates != 1 {
				t.Errorf("ownership appended again: %+v, %v", st, err)
			}
			got, _ := replayAll(t, s, time.Time{}, time.Time{}, []events.Kind{events.KindJobFinished, events.KindOwnershipAssigned, events.KindPlannerRun})
			want := append(ids(in[:len(in)-1]), "own-1", "run-1")
			// Merge order: the jobs stream's events in their order, the run by stored time.
			if len(got) != len(want) {
				t.Fatalf("replay: %d events, want %d", len(got), len(want))
			}
			gotIDs := ids(got)
			slices.Sort(gotIDs)
			slices.Sort(want)
			if !slices.Equal(gotIDs, want) {
				t.Errorf("replay ids %v, want %v", gotIDs, want)
			}
		})
	}
}

// TestLegacyStreamKeepsWorking: a jobs stream made by an older gpuplan (five-token subjects, no
// per-subject limit) keeps its events and its layout, is named by LegacyStreams, and takes new
// events; an empty one is converted.
func TestLegacyStreamKeepsWorking(t *testing.T) {
	for _, tc := range []struct {
		name       string
		oldEvents  int
		wantLegacy bool
	}{
		{"with events", 3, true},
		{"empty", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, "")
			_, nc := openStore(t, srv.URL(), Options{})
			ctx := context.Background()
			js, _ := natsjs.New(nc)
			if err := js.DeleteStream(ctx, "GPUPLAN_JOBS"); err != nil {
				t.Fatal(err)
			}
			// The configuration gpuplan used before one subject per event.
			if _, err := js.CreateStream(ctx, natsjs.StreamConfig{Name: "GPUPLAN_JOBS", Subjects: []string{"gpuplan.*.job.*.*", "gpuplan.*.ownership.*.*"},
				Storage: natsjs.FileStorage, Duplicates: 24 * time.Hour, AllowDirect: true}); err != nil {
				t.Fatal(err)
			}
			evs := jobEvents(t, 6)
			for _, e := range evs[:tc.oldEvents] {
				subj, _ := e.Subject("")
				if _, err := js.Publish(ctx, subj, mustMarshal(t, e), natsjs.WithMsgID(e.ID)); err != nil {
					t.Fatal(err)
				}
			}
			s, _ := openStore(t, srv.URL(), Options{})
			if got := s.LegacyStreams(); tc.wantLegacy != slices.Equal(got, []string{"GPUPLAN_JOBS"}) || !tc.wantLegacy && len(got) != 0 {
				t.Fatalf("LegacyStreams %v, want legacy %v", got, tc.wantLegacy)
			}
			if _, err := s.Publish(ctx, evs...); err != nil {
				t.Fatal(err)
			}
			got, _ := replayAll(t, s, time.Time{}, time.Time{}, []events.Kind{events.KindJobFinished})
			if !slices.Equal(ids(got), ids(evs)) {
				t.Errorf("replay %v, want %v (old events first, each once)", ids(got), ids(evs))
			}
			info, err := js.Stream(ctx, "GPUPLAN_JOBS")
			if err != nil {
				t.Fatal(err)
			}
			perSubject := info.CachedInfo().Config.MaxMsgsPerSubject
			if tc.wantLegacy && perSubject > 0 || !tc.wantLegacy && perSubject != 1 {
				t.Errorf("MaxMsgsPerSubject %d after Open, legacy %v", perSubject, tc.wantLegacy)
			}
		})
	}
}
