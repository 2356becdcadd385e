package sim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestEventQueueOrder drives the radix heap the way the engine does (look at the earliest time,
// take everything at it, push events no earlier than now) and checks it against a brute-force list.
func TestEventQueueOrder(t *testing.T) {
	// Regression: an event pushed at exactly the last key taken once poisoned the cached minimum.
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 3))
		var q eventQueue
		var ref []event
		now := -50.0
		for step := range 20000 {
			// Sometimes "an arrival" moves now forward without taking anything.
			if rng.IntN(3) == 0 || q.len() == 0 {
				next := now + rng.ExpFloat64()
				if q.len() > 0 {
					next = min(next, q.earliest())
				}
				now = next
			} else {
				now = q.earliest()
				for q.len() > 0 && q.earliest() <= now {
					e := q.pop()
					best := math.Inf(1)
					bi := -1
					for i, r := range ref {
						if r.t < best {
							best, bi = r.t, i
						}
					}
					if e.t != best || e.t != now {
						t.Fatalf("seed %d step %d: popped %v, want time %v (now %v)", seed, step, e.t, best, now)
					}
					// remove one reference event with this time and ref
					for i, r := range ref {
						if r == e {
							bi = i
							break
						}
					}
					ref = append(ref[:bi], ref[bi+1:]...)
				}
			}
			for range rng.IntN(3) {
				d := 0.0
				if rng.IntN(5) > 0 {
					d = math.Round(rng.ExpFloat64()*10) / 4
				}
				e := event{t: now + d, ref: uint32(step)}
				q.push(e)
				ref = append(ref, e)
			}
			if q.len() != len(ref) {
				t.Fatalf("len %d, want %d", q.len(), len(ref))
			}
		}
	}
}
