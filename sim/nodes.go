package sim

import "math/bits"

// nodeSet places jobs on the nodes of one pool: a job of at most a node's GPUs goes on one node,
// best fit (fewest free GPUs that still fit), a larger one on whole idle nodes. Nodes with the same
// number of free GPUs share a bitset, so best fit is a scan of at most gpus_per_node bitsets for
// their lowest set bit, with no per-node loop.
type nodeSet struct {
	cap, free, grp []int32 // per node: GPUs, free GPUs, node group
	maxCap, total  int32
	bucket         [][]uint64 // bucket[k]: nodes with exactly k free GPUs
	nb             []int32    // nodes in each bucket
	idle           []uint64   // nodes with every GPU free
	idleCap        int32      // GPUs on idle nodes
	next           []int32    // next node of the same multi-node job; -1 ends the chain

	// Power-off; off is nil when the pool never powers nodes down.
	off       []uint64  // powered-off nodes (all idle)
	bootUntil []float64 // a powered node is usable from this time
	gen       []uint32  // idle-timer generation
}

func newNodeSet(groups []group, powerOff bool) *nodeSet {
	ns := &nodeSet{}
	for gi, g := range groups {
		for range g.count {
			ns.cap = append(ns.cap, g.gpn)
			ns.grp = append(ns.grp, int32(gi))
			ns.maxCap = max(ns.maxCap, g.gpn)
			ns.total += g.gpn
		}
	}
	n := len(ns.cap)
	words := (n + 63) / 64
	ns.free = append([]int32(nil), ns.cap...)
	ns.next = make([]int32, n)
	ns.bucket = make([][]uint64, ns.maxCap+1)
	for k := range ns.bucket {
		ns.bucket[k] = make([]uint64, words)
	}
	ns.nb = make([]int32, ns.maxCap+1)
	ns.idle = make([]uint64, words)
	for i, c := range ns.cap {
		setBit(ns.bucket[c], i)
		ns.nb[c]++
		setBit(ns.idle, i)
		ns.next[i] = -1
	}
	ns.idleCap = ns.total
	if powerOff {
		ns.off = make([]uint64, words)
		ns.bootUntil = make([]float64, n)
		ns.gen = make([]uint32, n)
	}
	return ns
}

func setBit(b []uint64, i int)      { b[i>>6] |= 1 << (uint(i) & 63) }
func clearBit(b []uint64, i int)    { b[i>>6] &^= 1 << (uint(i) & 63) }
func hasBit(b []uint64, i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }

// lowest returns the lowest set bit of b (with mask: of b&^mask when not, of b&mask when and), or -1.
func lowest(b, mask []uint64, and bool) int32 {
	for w, x := range b {
		if mask != nil {
			if and {
				x &= mask[w]
			} else {
				x &^= mask[w]
			}
		}
		if x != 0 {
			return int32(w<<6 + bits.TrailingZeros64(x))
		}
	}
	return -1
}

func (ns *nodeSet) isOff(i int32) bool { return ns.off != nil && hasBit(ns.off, int(i)) }

// setFree moves node i to the bucket for its new free count.
func (ns *nodeSet) setFree(i int32, f int32) {
	old := ns.free[i]
	if old == f {
		return
	}
	clearBit(ns.bucket[old], int(i))
	ns.nb[old]--
	setBit(ns.bucket[f], int(i))
	ns.nb[f]++
	ns.free[i] = f
	c := ns.cap[i]
	if old == c {
		clearBit(ns.idle, int(i))
		ns.idleCap -= c
	} else if f == c {
		setBit(ns.idle, int(i))
		ns.idleCap += c
	}
}

// bestFit returns the node for a job of g <= maxCap GPUs: fewest free GPUs that still fit, then
// powered before powered-off, then lowest index; -1 when no node has g free.
func (ns *nodeSet) bestFit(g int32) int32 {
	for k := max(g, 0); k <= ns.maxCap; k++ {
		if ns.nb[k] == 0 {
			continue
		}
		if ns.off == nil {
			return lowest(ns.bucket[k], nil, false)
		}
		if i := lowest(ns.bucket[k], ns.off, false); i >= 0 {
			return i
		}
		return lowest(ns.bucket[k], ns.off, true)
	}
	return -1
}

// wholeNodes appends to dst the idle nodes a job of g GPUs takes: powered ones first, then
// powered-off ones, each by lowest index, until they hold g GPUs. It returns nil when the idle
// nodes together hold fewer than g.
func (ns *nodeSet) wholeNodes(g int32, dst []int32) []int32 {
	if ns.idleCap < g {
		return nil
	}
	need := g
	for pass := 0; pass < 2 && need > 0; pass++ {
		if pass == 1 && ns.off == nil {
			break
		}
		for w, x := range ns.idle {
			if ns.off != nil {
				if pass == 0 {
					x &^= ns.off[w]
				} else {
					x &= ns.off[w]
				}
			}
			for x != 0 && need > 0 {
				i := int32(w<<6 + bits.TrailingZeros64(x))
				x &= x - 1
				dst = append(dst, i)
				need -= ns.cap[i]
			}
			if need <= 0 {
				break
			}
		}
	}
	return dst
}
