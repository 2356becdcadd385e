package projection_test

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/projection"
)

// randomStream returns a time-ordered log of three 4-GPU nodes with processes that come and go,
// skip batches now and then (some gaps within the limit, some beyond), reuse pids and change
// users, plus nodes that miss batches altogether. pairs counts (batch, process) sightings.
func randomStream(t testing.TB, seed uint64, steps int) (evs []events.Event, pairs int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	nodes := []string{"node-a", "node-b", "node-c"}
	type running struct {
		pid  int
		user string
		gpus []int
		left int
	}
	state := make([][]running, len(nodes))
	users := []string{"kim", "lee", "park"}
	for step := 1; step <= steps; step++ {
		s := float64(step * 60)
		for ni, node := range nodes {
			if rng.IntN(20) == 0 {
				continue // the node missed a batch
			}
			run := state[ni][:0]
			for _, r := range state[ni] {
				if r.left--; r.left > 0 {
					run = append(run, r)
				}
			}
			state[ni] = run
			if len(state[ni]) < 3 && rng.IntN(4) == 0 {
				r := running{pid: 100 + rng.IntN(6), user: users[rng.IntN(len(users))], left: 1 + rng.IntN(30)}
				if slices.ContainsFunc(state[ni], func(x running) bool { return x.pid == r.pid }) {
					r.pid += 50
				}
				for g := range 4 {
					if rng.IntN(3) == 0 || g == 3 && len(r.gpus) == 0 {
						r.gpus = append(r.gpus, g)
					}
				}
				state[ni] = append(state[ni], r)
			}
			gpus := make([]gs, 4)
			for g := range gpus {
				gpus[g] = gs{idx: g, util: float64(rng.IntN(101)), power: float64(60 + rng.IntN(600))}
			}
			seen := map[int]bool{}
			for _, r := range state[ni] {
				if rng.IntN(8) == 0 {
					continue // not seen this time
				}
				for _, g := range r.gpus {
					gpus[g].procs = append(gpus[g].procs, proc{r.pid, r.user})
				}
				if !seen[r.pid] {
					seen[r.pid] = true
					pairs++
				}
			}
			evs = append(evs, batch(t, node, s, gpus...))
		}
	}
	return evs, pairs
}

// The jobs do not depend on delivery order, on the lateness window (when it covers the delays)
// or on duplicates; every sighting lands in exactly one job.
func TestOrderInvariance(t *testing.T) {
	for seed := range uint64(5) {
		evs, pairs := randomStream(t, seed, 400)
		project := func(opt projection.Options, evs []events.Event) ([]projection.Job, projection.Stats) {
			p := projection.New(opt)
			for _, e := range evs {
				if err := p.Add(e); err != nil {
					t.Fatal(err)
				}
			}
			return p.Jobs()
		}
		ref, refStats := project(projection.Options{MaxLateness: -1}, evs)
		samples := 0
		for _, j := range ref {
			samples += j.Samples
			if !j.End.After(j.Start) || len(j.GPUs) == 0 {
				t.Fatalf("seed %d: bad job %+v", seed, j)
			}
		}
		if samples != pairs || refStats.Batches != len(evs) {
			t.Fatalf("seed %d: %d sightings in jobs, %d in the stream; %d batches of %d", seed, samples, pairs, refStats.Batches, len(evs))
		}
		rng := rand.New(rand.NewPCG(seed, 2))

		inOrder, _ := project(projection.Options{}, evs)
		tight, _ := project(projection.Options{MaxLateness: time.Minute}, evs)

		shuffled := slices.Clone(evs)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		anyOrder, anyStats := project(projection.Options{MaxLateness: -1}, shuffled)

		// Each event is delayed by up to 30 places in the stream (about 10 batches per node,
		// 10 minutes) and nothing else moves it.
		type keyed struct {
			key int
			e   events.Event
		}
		ks := make([]keyed, len(evs))
		for i, e := range evs {
			ks[i] = keyed{i + rng.IntN(30), e}
		}
		slices.SortStableFunc(ks, func(a, b keyed) int { return a.key - b.key })
		local := make([]events.Event, len(ks))
		for i, k := range ks {
			local[i] = k.e
		}
		// Re-deliver some events a little later.
		var dups []events.Event
		redelivered := 0
		for i, e := range local {
			dups = append(dups, e)
			if i > 0 && rng.IntN(10) == 0 {
				dups = append(dups, local[i-1])
				redelivered++
			}
		}
		windowed, winStats := project(projection.Options{MaxLateness: 30 * time.Minute}, dups)

		for name, got := range map[string][]projection.Job{"in order, default window": inOrder,
			"in order, 1 min window": tight, "shuffled": anyOrder, "late and duplicated": windowed} {
			if !reflect.DeepEqual(got, ref) {
				t.Errorf("seed %d: %s: %d jobs differ from the %d in order", seed, name, len(got), len(ref))
			}
		}
		if anyStats.OutOfOrder == 0 || winStats.Duplicates != redelivered || winStats.TooLate != 0 {
			t.Errorf("seed %d: shuffled %+v; late and duplicated %+v (%d redelivered)", seed, anyStats, winStats, redelivered)
		}
	}
}

func TestIDsAreStable(t *testing.T) {
	evs, _ := randomStream(t, 9, 50)
	p := projection.New(projection.Options{})
	for _, e := range evs {
		_ = p.Add(e)
	}
	jobs, _ := p.Jobs()
	for _, j := range jobs {
		if j.ID != events.DeriveID("gpuplan.projection", j.Node, strconv.Itoa(j.PID), j.Start.Format(time.RFC3339Nano)) {
			t.Fatalf("job %+v: id does not follow the documented formula", j)
		}
	}
}
