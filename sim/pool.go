package sim

// group is a NodeGroup in engine units.
type group struct {
	typ        int32 // index into world.types
	gpn, count int32
	nodeMW     int64 // draw of a powered node beyond its GPUs
}

// pool is a set of GPUs with one queue: an owner's private GPUs, or the farm.
type pool struct {
	idx    int32
	site   int32
	groups []group
	total  int32
	free   int32
	allOn  int64 // draw of all the pool's nodes powered and idle, mW

	feasible []int8 // by GPU count, for jobs without their own draw: could it ever fit the cap (1, -1; 0 unknown)

	// Pool placement with several node groups: free GPUs per group, and per running job (a slot)
	// how many it took from each, since power depends on the GPU type.
	gfree []int32
	split []int32
	slots []int32

	nodes *nodeSet // node placement; nil for pool placement

	q       queue
	est     *estHeap // placed jobs by estimated end; nil unless the policy reads it
	pol     policy
	dirty   bool
	blocked bool   // the last pass was refused a start by the site's power cap
	version uint64 // bumped whenever what the pool could start may have grown or shrunk
}

// takeGroups reserves g GPUs from the groups in declaration order and returns the slot recording
// the split.
func (pl *pool) takeGroups(g int32) int32 {
	ng := len(pl.groups)
	var slot int32
	if n := len(pl.slots); n > 0 {
		slot = pl.slots[n-1]
		pl.slots = pl.slots[:n-1]
	} else {
		slot = int32(len(pl.split) / ng)
		pl.split = append(pl.split, make([]int32, ng)...)
	}
	sp := pl.split[int(slot)*ng : int(slot+1)*ng]
	for i := range sp {
		n := min(g, pl.gfree[i])
		sp[i] = n
		pl.gfree[i] -= n
		g -= n
	}
	return slot
}

func (pl *pool) releaseGroups(slot int32) {
	ng := len(pl.groups)
	sp := pl.split[int(slot)*ng : int(slot+1)*ng]
	for i, n := range sp {
		pl.gfree[i] += n
	}
	pl.slots = append(pl.slots, slot)
}

// groupParts appends the parts a job of g GPUs would take from free counts gfree, in group order.
func (pl *pool) groupParts(g int32, gfree []int32, dst []part) []part {
	for i, gr := range pl.groups {
		n := min(g, gfree[i])
		if n > 0 {
			dst = append(dst, part{gr.typ, n})
			g -= n
		}
	}
	return dst
}
