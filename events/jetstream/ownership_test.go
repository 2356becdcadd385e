package jetstream

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events"
)

func assign(t testing.TB, id, owner, site, node string) events.Event {
	return mustNew(t, events.KindOwnershipAssigned, id, t0, events.OwnershipAssigned{Owner: owner, Site: site, Node: node, GPUIndices: []int{0}, By: "admin"})
}

func TestOwnershipConflict(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	seq, err := s.OwnershipSeq(ctx, "lab-3", "node-a")
	if err != nil || seq != 0 {
		t.Fatalf("fresh node: seq %d, %v", seq, err)
	}
	// Two admins read sequence 0 and both try to assign GPU 0 of node-a.
	first, err := s.ChangeOwnership(ctx, assign(t, "a1", "kim", "lab-3", "node-a"), 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.ChangeOwnership(ctx, assign(t, "a2", "lee", "lab-3", "node-a"), 0)
	if !errors.Is(err, ErrOwnershipConflict) {
		t.Fatalf("second assignment from the same state: %v, want ErrOwnershipConflict", err)
	}
	var apiErr *natsjs.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != natsjs.JSErrCodeStreamWrongLastSequence {
		t.Errorf("single server: want code 10071 under the sentinel, got %v", err)
	}
	if !strings.HasPrefix(err.Error(), "jetstream: ownership changed concurrently: node node-a") {
		t.Errorf("message %q", err)
	}
	if seq, _ := s.OwnershipSeq(ctx, "lab-3", "node-a"); seq != first {
		t.Errorf("OwnershipSeq %d, want %d", seq, first)
	}
	// A release competes with assignments of the same node.
	rel := mustNew(t, events.KindOwnershipReleased, "r1", t0, events.OwnershipReleased{Owner: "kim", Site: "lab-3", Node: "node-a"})
	if _, err := s.ChangeOwnership(ctx, rel, 0); !errors.Is(err, ErrOwnershipConflict) {
		t.Errorf("release from a stale state: %v", err)
	}
	second, err := s.ChangeOwnership(ctx, rel, first)
	if err != nil || second <= first {
		t.Fatalf("release from the current state: seq %d, %v", second, err)
	}
	// A retried change (same id, lost acknowledgement) gets its original sequence back.
	if again, err := s.ChangeOwnership(ctx, rel, first); err != nil || again != second {
		t.Errorf("retry of the release: seq %d, %v; want %d", again, err, second)
	}
	// Other nodes and other sites are independent.
	if _, err := s.ChangeOwnership(ctx, assign(t, "b1", "lee", "lab-3", "node-b"), 0); err != nil {
		t.Errorf("node-b: %v", err)
	}
	if _, err := s.ChangeOwnership(ctx, assign(t, "c1", "lee", "lab-4", "node-a"), 0); err != nil {
		t.Errorf("node-a at lab-4: %v", err)
	}
	// Not an ownership event.
	if _, err := s.ChangeOwnership(ctx, sampleBatch(t, "x", "lab-3", "node-a", t0), 0); err == nil {
		t.Error("sample batch accepted as an ownership change")
	}
	got, _ := replayAll(t, s, time.Time{}, time.Time{}, []events.Kind{events.KindOwnershipAssigned, events.KindOwnershipReleased})
	if want := []string{"a1", "r1", "b1", "c1"}; strings.Join(ids(got), ",") != strings.Join(want, ",") {
		t.Errorf("ownership log %v, want %v", ids(got), want)
	}
}

// concurrentAssign has n admins assign the same node from the same state at once and returns
// how many succeeded and how many met ErrOwnershipConflict.
func concurrentAssign(t *testing.T, s *Store, node string, n int) (ok, conflicts int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	seq, err := s.OwnershipSeq(ctx, "lab", node)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, err := s.ChangeOwnership(ctx, assign(t, node+"-admin-"+itoa(i), "owner-"+itoa(i), "lab", node), seq)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrOwnershipConflict):
				conflicts++
			default:
				t.Errorf("admin %d: %v", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return ok, conflicts
}

func TestOwnershipConcurrentAdmins(t *testing.T) {
	s, _ := newStore(t)
	for round := range 3 {
		ok, conflicts := concurrentAssign(t, s, "node-"+itoa(round), 8)
		if ok != 1 || conflicts != 7 {
			t.Errorf("round %d: %d succeeded, %d conflicts; want 1 and 7", round, ok, conflicts)
		}
	}
}
