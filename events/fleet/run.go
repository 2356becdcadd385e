package fleet

import (
	"cmp"
	"container/heap"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
)

// Stats counts what Run did.
type Stats struct {
	Nodes      int
	GPUs       int
	Jobs       int // in the workload
	Ran        int // placed and run
	Infeasible int // not run: no pool, too few GPUs, or NaN in the schedule
	Invisible  int // ran, but between two batches: no batch shows them
	Split      int // placed over several nodes
	PIDReuses  int // processes given a pid that an earlier process had
	Events     int // events emitted
	Batches    int // sample batches among them
	GPUSamples int // GPU readings in the batches
	Processes  int // process entries in the batches
	Last       time.Time
}

// Result is what Run did: its counts and when each job ran.
type Result struct {
	Stats
	// Start and End are each job's times in seconds since the epoch, in Workload.Jobs order;
	// NaN for jobs that did not run.
	Start, End []float64
}

// Run replays w on the fleet and emits, in time order, the inventories, ownership assignments
// and sample batches the fleet's collectors would publish (see the package doc). With a nil
// schedule the fleet schedules each owner's jobs FIFO itself. It stops at the first error of
// emit and returns it.
func (f *Fleet) Run(w *gpuplan.Workload, s *Schedule, emit func(events.Event) error) (*Result, error) {
	n := len(w.Jobs)
	r := &Result{Start: make([]float64, n), End: make([]float64, n)}
	r.Jobs = n
	r.Nodes = len(f.nodes)
	for _, nd := range f.nodes {
		r.GPUs += nd.GPUs
	}
	owners := make([][]int, len(w.Owners)) // fleet nodes of each workload owner
	for i, o := range w.Owners {
		owners[i] = f.byOwner[o]
	}
	for i, j := range w.Jobs {
		if j.Owner < 0 || int(j.Owner) >= len(w.Owners) {
			return nil, fmt.Errorf("%w: job %d (%s): owner %d of %d", ErrInvalid, i, j.ID, j.Owner, len(w.Owners))
		}
		if !finite(j.Submit) || j.Submit < 0 || !finite(j.Duration) || j.Duration < 0 {
			return nil, fmt.Errorf("%w: job %d (%s): submit %v s, duration %v s (need finite, >= 0: the fleet starts at the epoch)", ErrInvalid, i, j.ID, j.Submit, j.Duration)
		}
	}
	pl := newPlacer(f.nodes, f.opt.PIDReuseAfter.Seconds())
	slots := make([][]slot, n)
	var err error
	if s == nil {
		err = f.fifo(w, owners, pl, slots, r)
	} else {
		err = f.follow(w, s, owners, pl, slots, r)
	}
	if err != nil {
		return nil, err
	}
	r.PIDReuses = pl.reuse
	for i := range slots {
		if len(slots[i]) > 1 {
			r.Split++
		}
	}
	if err := f.collect(w, slots, r, emit); err != nil {
		return nil, err
	}
	return r, nil
}

// fits reports whether job j can ever run on its owner's nodes.
func (f *Fleet) fits(j *gpuplan.Job, nodes []int) bool {
	total := 0
	for _, n := range nodes {
		total += f.nodes[n].GPUs
	}
	return j.GPUs > 0 && int(j.GPUs) <= total
}

func (f *Fleet) largest(nodes []int) int {
	m := 0
	for _, n := range nodes {
		m = max(m, f.nodes[n].GPUs)
	}
	return m
}

// fifo runs each owner's jobs in submit order on the owner's GPUs: at each time, completions
// free GPUs first, then arrivals join their owner's queue, then every owner concerned starts
// queue heads while they fit.
func (f *Fleet) fifo(w *gpuplan.Workload, owners [][]int, pl *placer, slots [][]slot, r *Result) error {
	order := make([]int, len(w.Jobs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(w.Jobs[a].Submit, w.Jobs[b].Submit) })
	queues := make([][]int, len(w.Owners))
	heads := make([]int, len(w.Owners))
	largest := make([]int, len(w.Owners))
	for o := range owners {
		largest[o] = f.largest(owners[o])
	}
	var running endHeap
	dirty := make([]bool, len(w.Owners))
	var touched []int
	touch := func(o int) {
		if !dirty[o] {
			dirty[o] = true
			touched = append(touched, o)
		}
	}
	for i := range r.Start {
		r.Start[i], r.End[i] = math.NaN(), math.NaN()
	}
	pos := 0
	for pos < len(order) || running.Len() > 0 {
		t := math.Inf(1)
		if pos < len(order) {
			t = w.Jobs[order[pos]].Submit
		}
		if running.Len() > 0 {
			t = min(t, running[0].t)
		}
		for running.Len() > 0 && running[0].t <= t {
			e := heap.Pop(&running).(ending)
			pl.release(slots[e.job], t)
			touch(int(w.Jobs[e.job].Owner))
		}
		for ; pos < len(order) && w.Jobs[order[pos]].Submit <= t; pos++ {
			i := order[pos]
			j := &w.Jobs[i]
			if !f.fits(j, owners[j.Owner]) {
				r.Infeasible++
				continue
			}
			queues[j.Owner] = append(queues[j.Owner], i)
			touch(int(j.Owner))
		}
		slices.Sort(touched)
		for _, o := range touched {
			dirty[o] = false
			for heads[o] < len(queues[o]) {
				i := queues[o][heads[o]]
				j := &w.Jobs[i]
				ss := pl.place(owners[o], int(j.GPUs), int(j.GPUs) > largest[o], t)
				if ss == nil {
					break
				}
				slots[i] = ss
				r.Start[i], r.End[i] = t, t+j.Duration
				r.Ran++
				heap.Push(&running, ending{r.End[i], i})
				heads[o]++
			}
		}
		touched = touched[:0]
	}
	return nil
}

// follow places jobs at the times a schedule gives: at each time, ends before starts, starts in
// job order.
func (f *Fleet) follow(w *gpuplan.Workload, s *Schedule, owners [][]int, pl *placer, slots [][]slot, r *Result) error {
	if len(s.Start) != len(w.Jobs) || len(s.End) != len(w.Jobs) {
		return fmt.Errorf("%w: schedule of %d starts and %d ends for %d jobs", ErrInvalid, len(s.Start), len(s.End), len(w.Jobs))
	}
	type change struct {
		t     float64
		start bool
		job   int
	}
	var changes []change
	for i := range w.Jobs {
		st, en := s.Start[i], s.End[i]
		r.Start[i], r.End[i] = st, en
		switch {
		case math.IsNaN(st) || math.IsNaN(en):
			r.Start[i], r.End[i] = math.NaN(), math.NaN()
			r.Infeasible++
			continue
		case !finite(st) || !finite(en) || st < 0 || en < st:
			return fmt.Errorf("%w: job %d (%s): scheduled %v..%v s", ErrInvalid, i, w.Jobs[i].ID, st, en)
		case !f.fits(&w.Jobs[i], owners[w.Jobs[i].Owner]):
			return fmt.Errorf("%w: job %d (%s) of %s: %d GPUs scheduled, the owner's pools hold fewer", ErrInvalid, i, w.Jobs[i].ID, w.Owners[w.Jobs[i].Owner], w.Jobs[i].GPUs)
		}
		r.Ran++
		if en == st {
			continue // holds no GPU for any time and no batch can show it
		}
		changes = append(changes, change{st, true, i}, change{en, false, i})
	}
	slices.SortFunc(changes, func(a, b change) int {
		if c := cmp.Compare(a.t, b.t); c != 0 {
			return c
		}
		if a.start != b.start {
			if a.start {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.job, b.job)
	})
	for _, c := range changes {
		j := &w.Jobs[c.job]
		if !c.start {
			pl.release(slots[c.job], c.t)
			continue
		}
		ss := pl.place(owners[j.Owner], int(j.GPUs), true, c.t)
		if ss == nil {
			return fmt.Errorf("%w: job %d (%s) of %s starts at %v s on %d GPUs, fewer are free", ErrInvalid, c.job, j.ID, w.Owners[j.Owner], c.t, j.GPUs)
		}
		slots[c.job] = ss
	}
	return nil
}

type ending struct {
	t   float64
	job int
}

type endHeap []ending

func (h endHeap) Len() int { return len(h) }
func (h endHeap) Less(a, b int) bool {
	return h[a].t < h[b].t || h[a].t == h[b].t && h[a].job < h[b].job
}
func (h endHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *endHeap) Push(x any)   { *h = append(*h, x.(ending)) }
func (h *endHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
