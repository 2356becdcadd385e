package projection

import (
	"math"
	"slices"
)

// fold turns one node's batches, given in time order, into jobs.
type fold struct {
	started bool
	lastT   int64 // time of the last batch folded
	active  []jobState
	done    []jobState
}

// jobState is a job being built: one process of one node.
type jobState struct {
	pid     int32
	user    int32
	start   int64 // first batch that showed it
	last    int64 // last batch that showed it
	iv      int64 // interval of that batch
	site    string
	gpus    []int32 // node GPU refs, sorted
	utilSum float64
	powSum  float64
	utilN   int
	powN    int
	samples int
}

// add folds batch b, later than every batch folded so far. gap is the resolved
// Options.MaxGapIntervals.
func (f *fold) add(b *batch, gap int64) {
	f.started, f.lastT = true, b.t
	obs := b.obs
	for i := 0; i < len(obs); {
		j := i + 1
		for j < len(obs) && obs[j].pid == obs[i].pid {
			j++
		}
		pid, user := obs[i].pid, obs[i].user
		k := f.find(pid)
		if k >= 0 && (f.active[k].user != user || gone(b.t, &f.active[k], gap)) {
			f.close(k)
			k = -1
		}
		if k < 0 {
			f.active = append(f.active, jobState{pid: pid, user: user, start: b.t, site: b.site})
			k = len(f.active) - 1
		}
		st := &f.active[k]
		st.last, st.iv = b.t, b.iv
		st.samples++
		for _, o := range obs[i:j] {
			if at, ok := slices.BinarySearch(st.gpus, o.gpu); !ok {
				st.gpus = slices.Insert(st.gpus, at, o.gpu)
			}
			st.utilSum += float64(o.util)
			st.utilN++
			if o.power > 0 {
				st.powSum += float64(o.power)
				st.powN++
			}
		}
		i = j
	}
	// Jobs that could no longer continue end now, so the active list holds running jobs only.
	for k := 0; k < len(f.active); {
		if st := &f.active[k]; st.last != b.t && ended(b.t, st, gap) {
			f.close(k)
			continue
		}
		k++
	}
}

// gone reports whether a process last seen by st, and seen again at t > st.last, has been
// unseen for more than gap intervals (t - last - iv > gap * iv): the sighting at t is a new job.
func gone(t int64, st *jobState, gap int64) bool { return uint64(t)-uint64(st.last) > reach(st, gap) }

// ended reports whether a process not shown by the batch at t can no longer continue: any later
// sighting would be gone.
func ended(t int64, st *jobState, gap int64) bool { return uint64(t)-uint64(st.last) >= reach(st, gap) }

// reach is how long after its last sighting a process may reappear and continue its job:
// (gap + 1) intervals, saturating. The difference of two admitted times fits in a uint64.
func reach(st *jobState, gap int64) uint64 {
	limit := uint64(math.MaxInt64)
	if gap <= math.MaxInt64/st.iv {
		limit = uint64(gap * st.iv)
	}
	return limit + uint64(st.iv)
}

func (f *fold) find(pid int32) int {
	for k := range f.active {
		if f.active[k].pid == pid {
			return k
		}
	}
	return -1
}

func (f *fold) close(k int) {
	f.done = append(f.done, f.active[k])
	last := len(f.active) - 1
	f.active[k] = f.active[last]
	f.active = f.active[:last]
}

// clone returns a copy that can fold more batches without touching f.
func (f *fold) clone() fold {
	c := fold{started: f.started, lastT: f.lastT, done: f.done[:len(f.done):len(f.done)]}
	c.active = make([]jobState, len(f.active))
	for i, st := range f.active {
		st.gpus = slices.Clone(st.gpus)
		c.active[i] = st
	}
	return c
}
