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

// vHeap holds a throttled site's running jobs by their end in virtual time.
type vHeap struct{ keyHeap[int32] }

func (h *vHeap) top() vEntry   { return vEntry{untkey(h.k[0]), h.v[0]} }
func (h *vHeap) push(e vEntry) { h.keyHeap.push(tkey(e.v), e.job) }
func (h *vHeap) pop() vEntry {
	k, j := h.keyHeap.pop()
	return vEntry{untkey(k), j}
}
