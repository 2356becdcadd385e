package sim

// estHeap holds a pool's placed jobs by estimated end (in the site's work clock), for
// backfilling. A completed job is not searched for: it is dropped when it reaches the top (dead
// reports it), and walks skip it. With exact estimates jobs complete in estimate order, so the dead
// are always at the top. Keys are order-preserving integers (tkey), for branch-free sifting as in
// eventQueue.
type estHeap struct{ keyHeap[estRun] }

// estRun is one entry: a job and its run. A preempted job that restarts is a new run; its
// dropped run's entry is told apart by the generation, not by the estimated end, which the new run
// may share (a restart at the same instant with all work up to then saved).
type estRun struct {
	job int32
	gen uint32 // the job's run generation (preRec.gen); 0 when the policy never preempts
}

func (h *estHeap) push(job int32, gen uint32, end float64) {
	h.keyHeap.push(tkey(end), estRun{job, gen})
}

// trim pops completed jobs off the top.
func (h *estHeap) trim(dead func(int32) bool) {
	for len(h.k) > 0 && dead(h.v[0].job) {
		h.keyHeap.pop()
	}
}

func (h *estHeap) pop() { h.keyHeap.pop() }

// estWalk visits a binary min-heap's entries in key order without disturbing it: a small frontier
// heap of slot indices starts at the root and, each time a slot is visited, admits its two
// children. Visiting the k smallest costs O(k log k), however large the heap.
type estWalk struct {
	key  []uint64
	fr   []int32 // frontier, a min-heap of slots by key
	last int32   // slot visited last; its children join the frontier on the next step
}

func newEstWalk(key []uint64, scratch []int32) estWalk {
	w := estWalk{key: key, fr: scratch[:0], last: -1}
	if len(key) > 0 {
		w.fr = append(w.fr, 0)
	}
	return w
}

// next moves to the entry with the next smallest key and returns its slot, or -1 when done.
func (w *estWalk) next() int32 {
	n := int32(len(w.key))
	if w.last >= 0 {
		if c := 2*w.last + 1; c < n {
			w.admit(c)
			if c+1 < n {
				w.admit(c + 1)
			}
		}
	}
	if len(w.fr) == 0 {
		w.last = -1
		return -1
	}
	w.last = w.take()
	return w.last
}

func (w *estWalk) admit(slot int32) {
	key := w.key
	a := append(w.fr, slot)
	i := len(a) - 1
	for i > 0 {
		p := (i - 1) / 2
		if key[slot] >= key[a[p]] {
			break
		}
		a[i] = a[p]
		i = p
	}
	a[i] = slot
	w.fr = a
}

func (w *estWalk) take() int32 {
	key := w.key
	a := w.fr
	top := a[0]
	n := len(a) - 1
	last := a[n]
	a = a[:n]
	w.fr = a
	if n == 0 {
		return top
	}
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && key[a[c+1]] < key[a[c]] {
			c++
		}
		if key[a[c]] >= key[last] {
			break
		}
		a[i] = a[c]
		i = c
	}
	a[i] = last
	return top
}
