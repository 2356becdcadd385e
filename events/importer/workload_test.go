package importer_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/importer"
	"github.com/gpuplan/gpuplan/scenarios/traces"
)

var epoch = importer.DefaultEpoch

func at(s float64) time.Time { return epoch.Add(time.Duration(s * 1e9)) }

func jobEvent(t *testing.T, id string, p events.JobFinished) events.Event {
	t.Helper()
	e, err := events.New(events.KindJobFinished, id, "test", p.End, p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// rawJobEvent builds the event a raw client could publish, bypassing New's checks.
func rawJobEvent(t *testing.T, id, data string) events.Event {
	t.Helper()
	e := events.Event{V: events.CurrentVersion, ID: id, Kind: events.KindJobFinished, KindName: "job.finished",
		Source: "test", Time: epoch, Data: json.RawMessage(data)}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	return e
}

// Jobs from a projection or a scheduler: submit is Submit (Start when missing), duration End -
// Start, owner the user when none is recorded; jobs without GPUs and malformed payloads are
// counted and skipped; imported jobs come first.
func TestWorkloadOtherSources(t *testing.T) {
	proj := events.JobSourceProjection
	imported := events.JobFinished{JobID: "t1", Owner: "zed", GPUs: 1, Submit: at(500), Start: at(500), End: at(530),
		Source: events.JobSourceImport, Trace: &events.JobTrace{Seq: 0, OwnerIndex: 0, GroupIndex: -1, SubmitS: 500, DurationS: 30}}
	log := sliceLog{
		jobEvent(t, "e-p1", events.JobFinished{JobID: "p1", Owner: "kim", GPUs: 2, Start: at(100), End: at(160), MeanUtil: 0.5, MeanPowerW: 300, Source: proj}),
		jobEvent(t, "e-p2", events.JobFinished{JobID: "p2", User: "lee", GPUs: 1, Start: at(50), End: at(50.5), Source: proj}),
		rawJobEvent(t, "e-p3", `{"job_id":"p3","owner":"kim","gpus":0,"start":"2020-01-01T00:01:10Z","end":"2020-01-01T00:01:20Z","source":"projection"}`),
		jobEvent(t, "e-s1", events.JobFinished{JobID: "s1", Owner: "park", Group: "hpc", GPUs: 8, Submit: at(10), Start: at(40), End: at(100), Source: events.JobSourceScheduler}),
		jobEvent(t, "e-t1", imported),
		rawJobEvent(t, "e-bad1", `{"job_id":"","gpus":1,"start":"2020-01-01T00:00:00Z","source":"projection"}`),
		rawJobEvent(t, "e-bad2", `{"job_id":"b2","gpus":1,"start":"2020-01-01T00:00:00Z","source":"projection"}`),
		rawJobEvent(t, "e-bad3", `{"job_id":"b3","gpus":"many"}`),
		jobEvent(t, "e-p1", events.JobFinished{JobID: "p1", Owner: "kim", GPUs: 2, Start: at(100), End: at(160), Source: proj}),
	}
	got, st, err := importer.Workload(context.Background(), log, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := &gpuplan.Workload{
		Owners: []string{"zed", "park", "lee", "kim"}, Groups: []string{"hpc"}, Skipped: 4,
		Jobs: []gpuplan.Job{
			{ID: "t1", Owner: 0, Group: -1, Submit: 500, GPUs: 1, Duration: 30},
			{ID: "s1", Owner: 1, Group: 0, Submit: 10, GPUs: 8, Duration: 60},
			{ID: "p2", Owner: 2, Group: -1, Submit: 50, GPUs: 1, Duration: 0.5},
			{ID: "p1", Owner: 3, Group: -1, Submit: 100, GPUs: 2, Duration: 60, PowerW: 300, Util: 0.5},
		}}
	sameWorkload(t, "mixed sources", got, want)
	wantSt := importer.Stats{Events: 9, Jobs: 4, Exact: 1, Duplicates: 1, Malformed: 4, InvalidCount: 4}
	if len(st.Errors) != 4 {
		t.Errorf("%d errors listed, want 4: %v", len(st.Errors), st.Errors)
	}
	wantInvalid := []string{"e-p3 job.finished: gpus 0 outside 1..100000", "e-bad1 job.finished: job_id is empty",
		"e-bad2 importer: job does not fit the simulator: event e-bad2: end is missing", "e-bad3 job.finished: json: cannot unmarshal"}
	if len(st.Invalid) != len(wantInvalid) {
		t.Errorf("invalid %+v, want %q", st.Invalid, wantInvalid)
	}
	for i, r := range st.Invalid {
		if i < len(wantInvalid) && !strings.HasPrefix(r.ID+" "+r.Reason, wantInvalid[i]) {
			t.Errorf("invalid %d: %s %s, want %s", i, r.ID, r.Reason, wantInvalid[i])
		}
	}
	st.Errors, st.Invalid = nil, nil
	if !reflect.DeepEqual(st, wantSt) {
		t.Errorf("stats %+v, want %+v", st, wantSt)
	}
}

// The workload depends on the set of events, not on their stream order, and repeated ids (a
// JetStream stream may hold an event twice outside its duplicate window) are dropped.
func TestWorkloadOrderAndDuplicates(t *testing.T) {
	path := filepath.Join(fixtureDir, "itp_cluster10.csv")
	want := readerWorkload(t, path, traces.ITP, traces.Options{})
	s, _ := importFile(t, path, importer.Options{Format: traces.ITP})
	log := allEvents(t, s)
	rng := rand.New(rand.NewPCG(4, 2))
	for round := range 5 {
		shuffled := slices.Clone(log)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		dups := rng.IntN(len(log))
		for _, i := range rng.Perm(len(log))[:dups] {
			shuffled = append(shuffled, log[i])
		}
		got, st, err := importer.Workload(context.Background(), shuffled, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		sameWorkload(t, "shuffled", got, want)
		if st.Duplicates != dups || st.Events != len(log)+dups {
			t.Errorf("round %d: stats %+v, want %d duplicates", round, st, dups)
		}
	}
}

// A time range selects imported jobs by submission; the workload is the reader's filtered to
// those jobs, owners keeping their relative order.
func TestWorkloadTimeRange(t *testing.T) {
	path := filepath.Join(fixtureDir, "itp_cluster10.csv")
	all := readerWorkload(t, path, traces.ITP, traces.Options{})
	s, _ := importFile(t, path, importer.Options{Format: traces.ITP})
	submits := make([]float64, len(all.Jobs))
	for i, j := range all.Jobs {
		submits[i] = j.Submit
	}
	slices.Sort(submits)
	for _, tc := range []struct {
		name     string
		lo, hi   float64 // seconds; -1: open
		wantJobs int     // -1: not checked by count alone
	}{
		{"everything", -1, -1, 260},
		{"before the first", -1, submits[0], 0},
		{"from the 100th", submits[100], -1, -1},
		{"middle", submits[60], submits[180], -1},
		{"one instant", submits[30], submits[30] + 1e-9, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var since, until time.Time
			if tc.lo >= 0 {
				since = at(tc.lo)
			}
			if tc.hi >= 0 {
				until = at(tc.hi)
			}
			want := filterWorkload(all, func(j *gpuplan.Job) bool {
				return (tc.lo < 0 || j.Submit >= tc.lo) && (tc.hi < 0 || j.Submit < tc.hi)
			})
			if tc.wantJobs >= 0 && len(want.Jobs) != tc.wantJobs {
				t.Fatalf("filter kept %d jobs, want %d", len(want.Jobs), tc.wantJobs)
			}
			got, _, err := importer.Workload(context.Background(), s, since, until)
			if err != nil {
				t.Fatal(err)
			}
			sameWorkload(t, tc.name, got, want)
		})
	}
}

// filterWorkload keeps the jobs keep accepts and the owners they use, in the original order.
func filterWorkload(w *gpuplan.Workload, keep func(*gpuplan.Job) bool) *gpuplan.Workload {
	out := &gpuplan.Workload{Jobs: []gpuplan.Job{}}
	used := make([]bool, len(w.Owners))
	for i := range w.Jobs {
		if keep(&w.Jobs[i]) {
			used[w.Jobs[i].Owner] = true
		}
	}
	index := make([]int32, len(w.Owners))
	for i, name := range w.Owners {
		if used[i] {
			index[i] = int32(len(out.Owners))
			out.Owners = append(out.Owners, name)
		}
	}
	for i := range w.Jobs {
		if j := w.Jobs[i]; keep(&j) {
			j.Owner = index[j.Owner]
			out.Jobs = append(out.Jobs, j)
		}
	}
	return out
}

type failingLog struct{ err error }

func (f failingLog) Replay(context.Context, time.Time, time.Time, []events.Kind, func(events.Event) error) error {
	return f.err
}

func TestWorkloadReplayError(t *testing.T) {
	boom := errors.New("nats: connection closed")
	if _, _, err := importer.Workload(context.Background(), failingLog{boom}, time.Time{}, time.Time{}); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the replay's error", err)
	}
	var s events.MemStore
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Append(context.Background(), jobEvent(t, "x", events.JobFinished{JobID: "x", GPUs: 1, Start: at(0), End: at(1)})); err != nil {
		t.Fatal(err)
	}
	if _, _, err := importer.Workload(ctx, &s, time.Time{}, time.Time{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

// An empty log gives an empty workload (a reader refuses a file without jobs: ErrNoJobs).
func TestWorkloadEmpty(t *testing.T) {
	got, st, err := importer.Workload(context.Background(), &events.MemStore{}, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	sameWorkload(t, "empty", got, &gpuplan.Workload{Jobs: []gpuplan.Job{}})
	if !reflect.DeepEqual(st, importer.Stats{}) {
		t.Errorf("stats %+v", st)
	}
}
