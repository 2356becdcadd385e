package fleet

import (
	"cmp"
	"slices"
)

// slot is the part of a job on one node: its GPUs there and the process's pid.
type slot struct {
	node int
	gpus []int
	pid  int
}

// placer tracks the free GPUs and pids of every node.
type placer struct {
	free  [][]bool // by node, by GPU index
	nfree []int
	pids  []pidPool
	rest  float64 // seconds a freed pid rests before reuse
	reuse int     // pids handed out again
}

func newPlacer(nodes []Node, rest float64) *placer {
	pl := &placer{free: make([][]bool, len(nodes)), nfree: make([]int, len(nodes)), pids: make([]pidPool, len(nodes)), rest: rest}
	for i, n := range nodes {
		pl.free[i] = make([]bool, n.GPUs)
		for g := range pl.free[i] {
			pl.free[i][g] = true
		}
		pl.nfree[i] = n.GPUs
		pl.pids[i].next = firstPID
	}
	return pl
}

// place finds g GPUs on nodes (an owner's, in order) at time now: the fullest node that fits,
// else, when split allows, the emptiest nodes first. It takes them and returns nil when
// nothing fits.
func (pl *placer) place(nodes []int, g int, split bool, now float64) []slot {
	best := -1
	total := 0
	for _, n := range nodes {
		total += pl.nfree[n]
		if pl.nfree[n] >= g && (best < 0 || pl.nfree[n] < pl.nfree[best]) {
			best = n
		}
	}
	if best >= 0 {
		return []slot{pl.take(best, g, now)}
	}
	if !split || total < g {
		return nil
	}
	order := slices.Clone(nodes)
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(pl.nfree[b], pl.nfree[a]) })
	var out []slot
	for _, n := range order {
		if g == 0 {
			break
		}
		if k := min(g, pl.nfree[n]); k > 0 {
			out = append(out, pl.take(n, k, now))
			g -= k
		}
	}
	return out
}

func (pl *placer) take(n, g int, now float64) slot {
	s := slot{node: n, gpus: make([]int, 0, g)}
	for i, f := range pl.free[n] {
		if len(s.gpus) == g {
			break
		}
		if f {
			pl.free[n][i] = false
			s.gpus = append(s.gpus, i)
		}
	}
	pl.nfree[n] -= g
	var reused bool
	s.pid, reused = pl.pids[n].alloc(now, pl.rest)
	if reused {
		pl.reuse++
	}
	return s
}

func (pl *placer) release(ss []slot, now float64) {
	for _, s := range ss {
		for _, i := range s.gpus {
			pl.free[s.node][i] = true
		}
		pl.nfree[s.node] += len(s.gpus)
		pl.pids[s.node].release(s.pid, now)
	}
}

// firstPID is where a node's pids start, above those of system daemons.
const firstPID = 2000

// pidPool hands out pids, reusing the longest-free one once it has rested long enough.
type pidPool struct {
	next  int
	freed []freedPID // in order of release
	head  int
}

type freedPID struct {
	pid int
	at  float64
}

func (p *pidPool) alloc(now, rest float64) (pid int, reused bool) {
	if p.head < len(p.freed) && p.freed[p.head].at+rest <= now {
		pid = p.freed[p.head].pid
		p.head++
		if p.head > 64 && p.head*2 > len(p.freed) {
			p.freed = append(p.freed[:0], p.freed[p.head:]...)
			p.head = 0
		}
		return pid, true
	}
	p.next++
	return p.next - 1, false
}

func (p *pidPool) release(pid int, at float64) { p.freed = append(p.freed, freedPID{pid, at}) }
