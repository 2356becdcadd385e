package sim

// An event is a timestamped reference into the engine's state. Arrivals are not events: jobs are
// sorted by submit time once and read in order, so the heap holds only what the run itself creates.
type event struct {
	t   float64
	ref uint32 // kind in the top bits, index below
	gen uint32 // for kinds that can be superseded: the generation the event was made for
}

type evKind uint32

const (
	evDone    evKind = iota // a job on an unthrottled site completes (index: job)
	evSite                  // a throttled site's earliest completion is due (index: site)
	evBoot                  // a job's nodes have booted; it starts (index: job)
	evIdleOff               // a node's idle timer expires (index: node of the power-off pool)
)

const (
	refBits = 29
	refMask = 1<<refBits - 1
)

func mkRef(k evKind, i int32) uint32 { return uint32(k)<<refBits | uint32(i) }
func (e event) kind() evKind         { return evKind(e.ref >> refBits) }
func (e event) index() int32         { return int32(e.ref & refMask) }

// vEntry is a running job of a throttled site keyed by its end in the site's virtual time.
type vEntry struct {
	v   float64
	job int32
}

// vHeap is a min-heap of vEntry by v, on integer keys like eventQueue.
type vHeap struct {
	k []uint64
	j []int32
}

func (h *vHeap) len() int    { return len(h.k) }
func (h *vHeap) top() vEntry { return vEntry{untkey(h.k[0]), h.j[0]} }

func (h *vHeap) push(e vEntry) {
	key := tkey(e.v)
	h.k = append(h.k, key)
	h.j = append(h.j, e.job)
	ks, js := h.k, h.j
	i := len(ks) - 1
	for i > 0 {
		p := (i - 1) >> 1
		if key >= ks[p] {
			break
		}
		ks[i], js[i] = ks[p], js[p]
		i = p
	}
	ks[i], js[i] = key, e.job
}

func (h *vHeap) pop() vEntry {
	ks, js := h.k, h.j
	top := vEntry{untkey(ks[0]), js[0]}
	n := len(ks) - 1
	lk, lj := ks[n], js[n]
	ks, js = ks[:n], js[:n]
	h.k, h.j = ks, js
	if n == 0 {
		return top
	}
	i := 0
	for {
		c := 2*i + 1
		if c+1 >= n {
			if c < n {
				ks[i], js[i] = ks[c], js[c]
				i = c
			}
			break
		}
		if ks[c+1] < ks[c] {
			c++
		}
		ks[i], js[i] = ks[c], js[c]
		i = c
	}
	for i > 0 {
		p := (i - 1) >> 1
		if lk >= ks[p] {
			break
		}
		ks[i], js[i] = ks[p], js[p]
		i = p
	}
	ks[i], js[i] = lk, lj
	return top
}
