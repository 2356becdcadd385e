package jetstream

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events"
)

// ReplaySeq gives every event its stream sequence and names what a raw client slipped past the
// schema: a malformed message and an event of an unknown kind, by sequence.
func TestReplaySeqNamesRejected(t *testing.T) {
	s, _ := newStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	job := func(id string, i int) events.Event {
		at := t0.Add(time.Duration(i) * time.Minute)
		return mustNew(t, events.KindJobFinished, id, at, events.JobFinished{JobID: id, Owner: "kim", GPUs: 1, Start: at, End: at.Add(time.Minute)})
	}
	if err := s.Append(ctx, job("a", 0), job("b", 1)); err != nil {
		t.Fatal(err)
	}
	// A raw client publishes straight onto job subjects (sequences 3 and 4).
	// Kept streams put each event on a subject of its own: the event id is the last token.
	for i, raw := range []string{
		`{"v":1,"id":"x","kind":"job.finished"`,
		`{"v":1,"id":"y","kind":"job.bogus","source":"","time":"2026-03-02T08:00:00Z","data":{}}`,
	} {
		subject := events.Subject("", "", "job.finished", "") + ".raw" + strconv.Itoa(i)
		if _, err := s.js.Publish(ctx, subject, []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Append(ctx, job("c", 2)); err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	var got []string
	rej, total, err := s.ReplaySeq(ctx, time.Time{}, time.Time{}, []events.Kind{events.KindJobFinished}, func(seq uint64, e events.Event) error {
		seqs = append(seqs, seq)
		got = append(got, e.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(seqs, []uint64{1, 2, 5}) || !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("events %v at %v, want a b c at 1 2 5", got, seqs)
	}
	if total != 2 || len(rej) != 2 || rej[0].Seq != 3 || rej[1].Seq != 4 || !strings.Contains(rej[1].Reason, "job.bogus: unknown kind") ||
		rej[0].Stream != s.names[streamJobs] {
		t.Errorf("rejected %+v, want seq 3 malformed and seq 4 job.bogus", rej)
	}
}
