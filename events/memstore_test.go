package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

func mustNew(t *testing.T, k Kind, id string, tm time.Time, p Payload) Event {
	t.Helper()
	e, err := New(k, id, "test", tm, p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func replayIDs(t *testing.T, s Replayer, since, until time.Time, kinds []Kind) []string {
	t.Helper()
	var ids []string
	err := s.Replay(context.Background(), since, until, kinds, func(e Event) error {
		ids = append(ids, e.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestMemStoreDedupe(t *testing.T) {
	var s MemStore
	ctx := context.Background()
	a := mustNew(t, KindPlannerRun, "a", t0, PlannerRun{InputsHash: "first"})
	b := mustNew(t, KindPlannerRun, "b", t0, PlannerRun{InputsHash: "b"})
	aAgain := mustNew(t, KindPlannerRun, "a", t0.Add(time.Hour), PlannerRun{InputsHash: "second"})
	if err := s.Append(ctx, a, b, a); err != nil { // duplicate inside one call
		t.Fatal(err)
	}
	if err := s.Append(ctx, aAgain, b); err != nil { // retried call
		t.Fatal(err)
	}
	if s.Len() != 2 {
		t.Fatalf("Len() = %d, want 2", s.Len())
	}
	var got []Event
	_ = s.Replay(ctx, time.Time{}, time.Time{}, nil, func(e Event) error { got = append(got, e); return nil })
	if len(got) != 2 || !eventsEqual(got[0], a) || !eventsEqual(got[1], b) {
		t.Errorf("replay %+v: the first copy of a must win", got)
	}

	// An invalid event refuses the whole call.
	bad := Event{V: 1, ID: "c", Kind: KindPlannerRun, Data: json.RawMessage(`{}`)} // no time
	c := mustNew(t, KindPlannerRun, "d", t0, PlannerRun{InputsHash: "d"})
	if err := s.Append(ctx, c, bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid event: %v", err)
	}
	if s.Len() != 2 {
		t.Errorf("Len() = %d after refused call, want 2", s.Len())
	}

	// The store keeps its own copy of Data.
	buf := []byte(`{"inputs_hash":"x"}`)
	e := Event{V: 1, ID: "e", Kind: KindPlannerRun, Time: t0, Data: buf}
	if err := s.Append(ctx, e); err != nil {
		t.Fatal(err)
	}
	copy(buf, `{"inputs_hash":"y"}`)
	_ = s.Replay(ctx, time.Time{}, time.Time{}, nil, func(e Event) error {
		if e.ID == "e" && string(e.Data) != `{"inputs_hash":"x"}` {
			t.Errorf("stored data changed with the caller's buffer: %s", e.Data)
		}
		return nil
	})
}

func TestMemStoreReplayRange(t *testing.T) {
	var s MemStore
	ctx := context.Background()
	// Stored out of time order, as a spooling collector would: ids say the second offset.
	order := []int{0, 5, 1, 9, 2, 3, 8, 4, 6, 7}
	for _, sec := range order {
		p := OwnershipAssigned{Owner: "o", Node: "n"}
		k := KindOwnershipAssigned
		var pl Payload = p
		if sec%2 == 1 {
			k, pl = KindOwnershipReleased, OwnershipReleased(p)
		}
		if err := s.Append(ctx, mustNew(t, k, fmt.Sprint(sec), t0.Add(time.Duration(sec)*time.Second), pl)); err != nil {
			t.Fatal(err)
		}
	}
	unknown := Event{V: 1, ID: "u", KindName: "gpu.fans", Time: t0.Add(3 * time.Second), Data: json.RawMessage(`{}`)}
	if err := s.Append(ctx, unknown); err != nil {
		t.Fatal(err)
	}
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	for _, tc := range []struct {
		name         string
		since, until time.Time
		kinds        []Kind
		want         []string
	}{
		{"all known", time.Time{}, time.Time{}, nil, []string{"0", "5", "1", "9", "2", "3", "8", "4", "6", "7"}},
		{"since inclusive, until exclusive", at(2), at(5), nil, []string{"2", "3", "4"}},
		{"open end", at(8), time.Time{}, nil, []string{"9", "8"}},
		{"open start", time.Time{}, at(2), nil, []string{"0", "1"}},
		{"empty range", at(5), at(5), nil, nil},
		{"released only", time.Time{}, time.Time{}, []Kind{KindOwnershipReleased}, []string{"5", "1", "9", "3", "7"}},
		{"unknown asked for", at(3), at(4), []Kind{KindUnknown, KindOwnershipReleased}, []string{"3", "u"}},
		{"kind not stored", time.Time{}, time.Time{}, []Kind{KindJobStarted}, nil},
	} {
		if got := replayIDs(t, &s, tc.since, tc.until, tc.kinds); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMemStoreReplayStops(t *testing.T) {
	var s MemStore
	for i := range 5 {
		if err := s.Append(context.Background(), mustNew(t, KindPlannerRun, fmt.Sprint(i), t0, PlannerRun{InputsHash: "h"})); err != nil {
			t.Fatal(err)
		}
	}
	stop := errors.New("enough")
	n := 0
	err := s.Replay(context.Background(), time.Time{}, time.Time{}, nil, func(Event) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 2 {
		t.Errorf("err %v after %d events, want the fn's own error after 2", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = s.Replay(ctx, time.Time{}, time.Time{}, nil, func(Event) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancelled: err %v after %d events", err, n)
	}
	if err := s.Append(ctx, mustNew(t, KindPlannerRun, "late", t0, PlannerRun{InputsHash: "h"})); !errors.Is(err, context.Canceled) {
		t.Errorf("append on cancelled ctx: %v", err)
	}

	// fn may append; the replay covers what was stored when it began.
	n = 0
	err = s.Replay(context.Background(), time.Time{}, time.Time{}, nil, func(e Event) error {
		n++
		return s.Append(context.Background(), mustNew(t, KindPlannerRun, "new-"+e.ID, t0, PlannerRun{InputsHash: "h"}))
	})
	if err != nil || n != 5 || s.Len() != 10 {
		t.Errorf("append during replay: err %v, %d replayed, %d stored; want 5 and 10", err, n, s.Len())
	}
}

func TestMemStoreConcurrent(t *testing.T) {
	var s MemStore
	var wg sync.WaitGroup
	const writers, per = 4, 200
	for w := range writers {
		wg.Go(func() {
			for i := range per {
				// Every writer writes the same ids: each must be stored once.
				e, err := New(KindPlannerRun, fmt.Sprint(i), "test", t0, PlannerRun{InputsHash: fmt.Sprint(w)})
				if err == nil {
					err = s.Append(context.Background(), e)
				}
				if err != nil {
					t.Error(err)
				}
			}
		})
		wg.Go(func() {
			_ = s.Replay(context.Background(), time.Time{}, time.Time{}, nil, func(Event) error { return nil })
		})
	}
	wg.Wait()
	if s.Len() != per {
		t.Errorf("Len() = %d, want %d", s.Len(), per)
	}
}
