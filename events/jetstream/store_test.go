package jetstream

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events"
)

func TestRoundTripEveryKind(t *testing.T) {
	s, _ := newStore(t)
	in := everyKind(t)
	ctx := context.Background()
	// One call per event: each is acknowledged before the next is sent, so stored times
	// follow the input order across streams and the merged replay must reproduce it.
	for _, e := range in {
		if err := s.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	known := in[:len(in)-1]
	got, st := replayAll(t, s, time.Time{}, time.Time{}, nil)
	if !slices.Equal(ids(got), ids(known)) {
		t.Fatalf("replay ids %v, want %v", ids(got), ids(known))
	}
	for i, e := range got {
		w := known[i]
		if e.V != w.V || e.Kind != w.Kind || e.KindName != w.KindName || e.Source != w.Source || !e.Time.Equal(w.Time) || !bytes.Equal(e.Data, w.Data) {
			t.Errorf("event %d: got %+v, want %+v", i, e, w)
		}
	}
	if st.Events != len(known) || st.Malformed != 0 || !slices.Equal(st.Skipped, []events.Skip{{Kind: "gpu.fans", V: 1, Count: 1}}) {
		t.Errorf("stats %+v: want %d events and gpu.fans skipped once", st, len(known))
	}
	// Asking for unknown kinds yields the one event of kind gpu.fans only.
	got, _ = replayAll(t, s, time.Time{}, time.Time{}, []events.Kind{events.KindUnknown})
	if len(got) != 1 || got[0].KindName != "gpu.fans" || got[0].Kind != events.KindUnknown || string(got[0].Data) != `{"node":"node-a","site":"lab-3","fan_pct":40}` {
		t.Errorf("unknown-kind replay: %+v", got)
	}
	// Subjects follow events.Subject, with the event id as a sixth token in the kept streams:
	// one stream message per event, on its subject.
	for _, e := range in {
		want, _ := e.Subject("")
		idx := streamOf(e.Name())
		if idx != streamSamples {
			want += "." + events.SubjectToken(e.ID)
		}
		stream, err := s.js.Stream(ctx, s.names[idx])
		if err != nil {
			t.Fatal(err)
		}
		m, err := stream.GetLastMsgForSubject(ctx, want)
		if err != nil {
			t.Errorf("%s: no message on %s in %s: %v", e.ID, want, s.names[idx], err)
			continue
		}
		if m.Header.Get(natsjs.MsgIDHeader) != e.ID {
			t.Errorf("%s on %s: Nats-Msg-Id %q", e.ID, want, m.Header.Get(natsjs.MsgIDHeader))
		}
	}
}

func TestMergedReplayIsDeterministic(t *testing.T) {
	s, _ := newStore(t)
	var in []events.Event
	for i := range 300 { // several batches per stream, published in one call
		at := t0.Add(time.Duration(i) * time.Second)
		switch i % 3 {
		case 0:
			in = append(in, sampleBatch(t, "s"+itoa(i), "lab", "n1", at))
		case 1:
			in = append(in, mustNew(t, events.KindJobStarted, "j"+itoa(i), at, events.JobStarted{JobID: itoa(i), Owner: "o", GPUs: 1, Start: at, Source: events.JobSourceImport}))
		default:
			in = append(in, mustNew(t, events.KindPlannerRun, "r"+itoa(i), at, events.PlannerRun{InputsHash: itoa(i)}))
		}
	}
	if err := s.Append(context.Background(), in...); err != nil {
		t.Fatal(err)
	}
	first, _ := replayAll(t, s, time.Time{}, time.Time{}, nil)
	second, _ := replayAll(t, s, time.Time{}, time.Time{}, nil)
	if !slices.Equal(ids(first), ids(second)) {
		t.Fatal("two replays of the same log differ")
	}
	// Within each stream the order is the append order.
	for _, prefix := range []string{"s", "j", "r"} {
		var want, got []string
		for _, e := range in {
			if strings.HasPrefix(e.ID, prefix) {
				want = append(want, e.ID)
			}
		}
		for _, e := range first {
			if strings.HasPrefix(e.ID, prefix) {
				got = append(got, e.ID)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("stream of %q events out of order", prefix)
		}
	}
}

func TestDedupeOnRepublish(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	in := everyKind(t)
	st, err := s.Publish(ctx, in...)
	if err != nil {
		t.Fatal(err)
	}
	if st.Stored != len(in) || st.Duplicates != 0 {
		t.Errorf("first publish %+v: want %d stored", st, len(in))
	}
	// The same ids again, and one repeated inside a call: nothing new is stored.
	st, err = s.Publish(ctx, append(in, in[1])...)
	if err != nil {
		t.Fatal(err)
	}
	if st.Stored != 0 || st.Duplicates != len(in)+1 {
		t.Errorf("republish %+v: want 0 stored, %d duplicates", st, len(in)+1)
	}
	got, _ := replayAll(t, s, time.Time{}, time.Time{}, []events.Kind{events.KindUnknown, events.KindGPUSampleBatch})
	if len(got) != 2 {
		t.Errorf("replay after republish: %v, want smp-1 and fan-1 once each", ids(got))
	}
	if tot := s.Stats(); tot.Stored != len(in) || tot.Duplicates != len(in)+1 {
		t.Errorf("totals %+v", tot)
	}
}

func TestReplayTimeRangeAndKinds(t *testing.T) {
	s, _ := newStore(t)
	// Event i at t0 + i minutes, appended one call each so that the stored order across streams
	// is the input order.
	for _, e := range everyKind(t) {
		if err := s.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	min := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	for _, tc := range []struct {
		name         string
		since, until time.Time
		kinds        []events.Kind
		want         []string
	}{
		{"all", time.Time{}, time.Time{}, nil, []string{"inv-1", "smp-1", "own-1", "own-2", "job-1s", "job-1f", "run-1"}},
		{"since is inclusive", min(2), time.Time{}, nil, []string{"own-1", "own-2", "job-1s", "job-1f", "run-1"}},
		{"until is exclusive", time.Time{}, min(2), nil, []string{"inv-1", "smp-1"}},
		{"window", min(1), min(4), nil, []string{"smp-1", "own-1", "own-2"}},
		{"samples only", time.Time{}, time.Time{}, []events.Kind{events.KindGPUSampleBatch}, []string{"smp-1"}},
		{"ownership", time.Time{}, time.Time{}, []events.Kind{events.KindOwnershipAssigned, events.KindOwnershipReleased}, []string{"own-1", "own-2"}},
		{"jobs in window", min(5), min(6), []events.Kind{events.KindJobStarted, events.KindJobFinished}, []string{"job-1f"}},
		{"two streams", time.Time{}, time.Time{}, []events.Kind{events.KindPlannerRun, events.KindGPUInventory}, []string{"inv-1", "run-1"}},
		{"unknown with a known kind", time.Time{}, time.Time{}, []events.Kind{events.KindUnknown, events.KindJobStarted}, []string{"job-1s", "fan-1"}},
		{"empty window", min(100), time.Time{}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := replayAll(t, s, tc.since, tc.until, tc.kinds)
			if !slices.Equal(ids(got), tc.want) {
				t.Errorf("got %v, want %v", ids(got), tc.want)
			}
		})
	}
}

func TestReplaySeekKeepsEarlyArrivals(t *testing.T) {
	// A sample whose event time lies 30 min after its arrival (a collector clock running
	// ahead) is found by a replay from its own time: the seek starts an hour early.
	s, _ := newStore(t)
	now := time.Now().UTC()
	ahead := sampleBatch(t, "ahead", "lab", "n1", now.Add(30*time.Minute))
	far := sampleBatch(t, "far", "lab", "n1", now.Add(3*time.Hour))
	if err := s.Append(context.Background(), ahead, far); err != nil {
		t.Fatal(err)
	}
	got, _ := replayAll(t, s, ahead.Time, time.Time{}, []events.Kind{events.KindGPUSampleBatch})
	if !slices.Contains(ids(got), "ahead") {
		t.Errorf("seek missed an event 30 min ahead of its arrival: %v", ids(got))
	}
	// Without the seek, even events far ahead of their arrival are found.
	s2, _ := openStore(t, s.nc.ConnectedUrl(), Options{SinceSlack: -1})
	got, _ = replayAll(t, s2, far.Time, time.Time{}, []events.Kind{events.KindGPUSampleBatch})
	if !slices.Equal(ids(got), []string{"far"}) {
		t.Errorf("replay without seek: %v, want [far]", ids(got))
	}
}

func TestMalformedMessagesCountedAndSkipped(t *testing.T) {
	s, nc := newStore(t)
	ctx := context.Background()
	good := sampleBatch(t, "good-1", "lab", "node-a", t0)
	if err := s.Append(ctx, good); err != nil {
		t.Fatal(err)
	}
	js, _ := natsjs.New(nc)
	subj := "gpuplan.lab.gpu.samples.node-a"
	raw := []string{
		"not json",
		"",
		`{"v":1}`,
		`{"v":1,"id":"x","kind":"gpu.samples","source":"a","time":"yesterday","data":{}}`,
		`{"v":9,"id":"new","kind":"gpu.samples","source":"a","time":"2026-03-02T08:00:00Z","data":{},"extra":1}`, // newer version: skipped, not malformed
	}
	for _, r := range raw {
		if _, err := js.Publish(ctx, subj, []byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Append(ctx, sampleBatch(t, "good-2", "lab", "node-a", t0.Add(time.Second))); err != nil {
		t.Fatal(err)
	}
	got, st := replayAll(t, s, time.Time{}, time.Time{}, nil)
	if !slices.Equal(ids(got), []string{"good-1", "good-2"}) {
		t.Errorf("replay %v, want the two good events", ids(got))
	}
	if st.Malformed != 4 || len(st.Errors) != 4 {
		t.Fatalf("malformed %d (%d described), want 4", st.Malformed, len(st.Errors))
	}
	if e := st.Errors[0]; e.Seq != 2 || e.Subject != subj || e.Stream != "GPUPLAN_SAMPLES" || !errors.Is(e, events.ErrInvalid) {
		t.Errorf("first malformed: %v", e)
	}
	if !slices.Equal(st.Skipped, []events.Skip{{Kind: "gpu.samples", V: 9, Count: 1}}) {
		t.Errorf("skipped %v, want the v9 event", st.Skipped)
	}
}

func TestAppendRefusals(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	good := sampleBatch(t, "g", "lab", "n", t0)
	bad := good
	bad.ID = "has space"
	otherDomain := events.Event{V: 1, ID: "p1", KindName: "power.cap", Time: t0, Data: []byte(`{"node":"n"}`)}
	for _, tc := range []struct {
		name string
		evs  []events.Event
		want error
	}{
		{"invalid id", []events.Event{good, bad}, events.ErrInvalid},
		{"unknown domain", []events.Event{good, otherDomain}, ErrNoStream},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Append(ctx, tc.evs...)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), "event 1") {
				t.Errorf("error %v: want %v naming event 1", err, tc.want)
			}
		})
	}
	// A long call validates everything before publishing anything.
	s2, _ := openStore(t, s.nc.ConnectedUrl(), Options{MaxPending: 2})
	long := []events.Event{good, sampleBatch(t, "g2", "lab", "n", t0), sampleBatch(t, "g3", "lab", "n", t0), sampleBatch(t, "g4", "lab", "n", t0), bad}
	if err := s2.Append(ctx, long...); !errors.Is(err, events.ErrInvalid) || !strings.Contains(err.Error(), "event 4") {
		t.Errorf("long call: %v", err)
	}
	if got, _ := replayAll(t, s, time.Time{}, time.Time{}, nil); len(got) != 0 {
		t.Errorf("refused calls stored %v", ids(got))
	}
}

func TestRestartKeepsEvents(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)
	s, nc := openStore(t, srv.URL(), Options{})
	in := everyKind(t)
	if err := s.Append(context.Background(), in...); err != nil {
		t.Fatal(err)
	}
	nc.Close()
	srv.Shutdown()

	srv = startServer(t, dir)
	s, _ = openStore(t, srv.URL(), Options{})
	got, _ := replayAll(t, s, time.Time{}, time.Time{}, nil)
	if len(got) != len(in)-1 {
		t.Errorf("after restart: %v", ids(got))
	}
	// The duplicate window survives the restart too.
	st, err := s.Publish(context.Background(), in...)
	if err != nil || st.Stored != 0 {
		t.Errorf("republish after restart: %+v, %v", st, err)
	}
}

func TestServerDownNamesURL(t *testing.T) {
	srv := startServer(t, "")
	url := srv.URL()
	s, nc := openStore(t, url, Options{RetryFor: 300 * time.Millisecond, AckTimeout: 200 * time.Millisecond})
	srv.Shutdown()

	_, err := Connect(url)
	if err == nil || !strings.Contains(err.Error(), url) {
		t.Errorf("connect to a stopped server: %v, want the URL %s named", err, url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = s.Append(ctx, sampleBatch(t, "late", "lab", "n", t0))
	t.Logf("append: %v", err)
	if err == nil || !strings.Contains(err.Error(), url) {
		t.Errorf("append to a stopped server: %v, want the URL %s named", err, url)
	}
	nc.Close()
	if _, err := Open(ctx, nc, Options{}); !errors.Is(err, ErrNotConnected) || !strings.Contains(err.Error(), url) {
		t.Errorf("open on a closed connection: %v", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestReplayStopsOnFnErrorAndContext(t *testing.T) {
	s, _ := newStore(t)
	var in []events.Event
	for i := range 3000 { // more than the batches and buffers between the reader and fn
		in = append(in, sampleBatch(t, "e"+itoa(i), "lab", "n", t0.Add(time.Duration(i)*time.Second)))
	}
	if err := s.Append(context.Background(), in...); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("enough")
	n := 0
	err := s.Replay(context.Background(), time.Time{}, time.Time{}, nil, func(events.Event) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Errorf("fn error: Replay returned %v after %d calls, want the error itself after 3", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = s.Replay(ctx, time.Time{}, time.Time{}, nil, func(events.Event) error {
		if n++; n == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n >= len(in) {
		t.Errorf("cancelled replay: %v after %d events", err, n)
	}
	// The consumers of stopped replays are gone from the server.
	stream, _ := s.js.Stream(context.Background(), s.names[streamSamples])
	info, err := stream.Info(context.Background())
	if err != nil || info.State.Consumers != 0 {
		t.Errorf("consumers left: %d, %v", info.State.Consumers, err)
	}
}

// A consumer that folds samples into jobs appends while it replays (as a projection does):
// events appended during a replay are not part of it, and nothing deadlocks.
func TestAppendDuringReplay(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	var in []events.Event
	for i := range 500 {
		in = append(in, sampleBatch(t, "s"+itoa(i), "lab", "n", t0.Add(time.Duration(i)*time.Second)))
	}
	if err := s.Append(ctx, in...); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := s.Replay(ctx, time.Time{}, time.Time{}, nil, func(e events.Event) error {
		n++
		j := mustNew(t, events.KindJobStarted, "job-"+e.ID, e.Time, events.JobStarted{JobID: e.ID, Owner: "o", GPUs: 1, Start: e.Time, Source: events.JobSourceProjection})
		s2 := sampleBatch(t, "again-"+e.ID, "lab", "n", e.Time)
		return s.Append(ctx, j, s2)
	})
	if err != nil || n != 500 {
		t.Fatalf("replay with appends: %d events, %v", n, err)
	}
	got, _ := replayAll(t, s, time.Time{}, time.Time{}, nil)
	if len(got) != 1500 {
		t.Errorf("log holds %d events, want 1500", len(got))
	}
}

func TestOpenWithoutJetStream(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	defer ns.Shutdown()
	if !ns.ReadyForConnections(5 * time.Second) {
		t.Fatal("server not ready")
	}
	nc, err := Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = Open(ctx, nc, Options{})
	if err == nil || !strings.Contains(err.Error(), "JetStream is not enabled") || !strings.Contains(err.Error(), ns.ClientURL()) {
		t.Errorf("open on a server without JetStream: %v", err)
	}
}

func TestErrorsHideCredentials(t *testing.T) {
	url := "nats://kim:s3cret@127.0.0.1:1, nats://127.0.0.1:2"
	_, err := Connect(url)
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "nats://kim:xxxxx@127.0.0.1:1,nats://127.0.0.1:2") {
		t.Errorf("connect error %v: want both URLs, password hidden", err)
	}
}
