package sim

import (
	"fmt"
	"math"
	"slices"

	"github.com/gpuplan/gpuplan"
)

// world is what one policy runs on: the fragmented world (one private pool per owner, at the
// owner's site) or the farm world (one pool of all farm nodes at the farm site, then a private
// pool for every Lab owner, in Cluster order).
type world struct {
	types     []gtype
	sites     []site
	pools     []pool
	ownerPool []int32 // Workload owner -> pool
	gpus      int32
	offPool   int32 // the pool whose idle nodes power off; -1 when none
	farmPool  int32 // the farm world's consolidated pool; -1 in the fragmented world or when absent
	idleOffS  float64
	bootS     float64
}

// private reports whether pool i is an owner's private pool, run as the fragmented policy runs it.
func (wd *world) private(i int) bool { return int32(i) != wd.farmPool }

// buildWorld lays out the world of one policy.
func buildWorld(c *gpuplan.Cluster, w *gpuplan.Workload, lk *lookup, farm bool, placement Placement) (*world, error) {
	wd := &world{offPool: -1, farmPool: -1}
	for _, t := range c.GPUTypes {
		wd.types = append(wd.types, gtype{
			tdp: mw(t.TDPW), idle: mw(t.IdleW), busy: mw(t.BusyW),
			minLimit: t.MinLimit, perf: t.Perf,
		})
	}
	// Placement applies to every pool; by default the farm places on nodes and private pools by count.
	farmPlace, labPlace := placement, placement
	if placement == PlacementDefault {
		farmPlace, labPlace = PlacementNodes, PlacementPool
	}
	var onNodes []bool        // by pool: node placement
	siteOf := map[int]int32{} // cluster site -> world site
	addPool := func(siteName string, nodes []gpuplan.NodeGroup, place Placement) int32 {
		ci, ok := lk.sites[siteName]
		if !ok { // validated: only a pool without nodes may lack a site
			ci = -1
		}
		si, ok := siteOf[ci]
		if !ok {
			si = int32(len(wd.sites))
			siteOf[ci] = si
			s := site{name: siteName, pue: 1, f: 1, speed: 1}
			if ci >= 0 {
				cs := c.Sites[ci]
				s.pue = cs.PUE
				if cs.CapW > 0 {
					s.capW, s.mode = cs.CapW, cs.CapMode
				}
			}
			wd.sites = append(wd.sites, s)
		}
		pl := pool{idx: int32(len(wd.pools)), site: si}
		for _, g := range nodes {
			if g.Count == 0 {
				continue
			}
			gr := group{typ: int32(lk.types[g.GPUType]), gpn: int32(g.GPUsPerNode), count: int32(g.Count), nodeMW: mw(g.NodeW)}
			pl.groups = append(pl.groups, gr)
			pl.total += gr.gpn * gr.count
		}
		pl.free = pl.total
		pi := int32(len(wd.pools))
		wd.pools = append(wd.pools, pl)
		onNodes = append(onNodes, place == PlacementNodes)
		wd.sites[si].pools = append(wd.sites[si].pools, pi)
		wd.gpus += pl.total
		return pi
	}
	wd.ownerPool = make([]int32, len(w.Owners))
	if farm {
		// Partial consolidation: Lab owners keep their pools. A farm without GPUs is left out when
		// every owner keeps theirs, so that world is the fragmented one.
		allLab := !slices.ContainsFunc(c.Owners, func(o gpuplan.Owner) bool { return !o.Lab })
		if !allLab || c.Farm.GPUs() > 0 {
			wd.farmPool = addPool(c.Farm.Site, c.Farm.Nodes, farmPlace)
			if c.Farm.IdleOffS > 0 {
				if farmPlace != PlacementNodes {
					return nil, fmt.Errorf("%w: farm idle power-off (idle_off_s %v) needs node placement", gpuplan.ErrInvalidCluster, c.Farm.IdleOffS)
				}
				wd.offPool, wd.idleOffS, wd.bootS = wd.farmPool, c.Farm.IdleOffS, c.Farm.BootS
			}
		}
		labPool := make([]int32, len(c.Owners))
		for ci, o := range c.Owners {
			if o.Lab {
				labPool[ci] = addPool(o.Site, o.Nodes, labPlace)
			}
		}
		for i, name := range w.Owners {
			if ci := lk.owners[name]; c.Owners[ci].Lab {
				wd.ownerPool[i] = labPool[ci]
			} else {
				wd.ownerPool[i] = wd.farmPool
			}
		}
	} else {
		// Every cluster owner's GPUs exist, whether or not the workload has jobs for them.
		for _, o := range c.Owners {
			addPool(o.Site, o.Nodes, labPlace)
		}
		for i, name := range w.Owners {
			wd.ownerPool[i] = int32(lk.owners[name])
		}
	}
	for pi := range wd.pools {
		pl := &wd.pools[pi]
		if onNodes[pi] {
			pl.nodes = newNodeSet(pl.groups, int32(pi) == wd.offPool)
		} else if len(pl.groups) > 1 {
			pl.gfree = make([]int32, len(pl.groups))
			for i, g := range pl.groups {
				pl.gfree[i] = g.gpn * g.count
			}
		}
		pl.q.init(pl.total)
		s := &wd.sites[pl.site]
		for _, g := range pl.groups {
			t := wd.types[g.typ]
			on := int64(g.count) * (g.nodeMW + int64(g.gpn)*t.idle)
			s.base += on
			s.baseAll += on
			pl.allOn += on
			if !slices.Contains(s.types, g.typ) {
				s.types = append(s.types, g.typ)
			}
		}
	}
	for si := range wd.sites {
		wd.initPower(&wd.sites[si])
	}
	return wd, nil
}

// initPower sets a site's admission fraction and cap, and gives a throttled site its draw index.
func (wd *world) initPower(s *site) {
	s.fmin = 1
	if s.throttle() {
		s.fmin = 0
		for _, t := range s.types {
			s.fmin = max(s.fmin, wd.types[t].minLimit)
		}
	}
	if s.capped() {
		s.setCap()
	}
	s.checkT = make([]int64, len(wd.types))
	for t := range wd.types {
		s.checkT[t] = int64(math.Round(s.fmin * float64(wd.types[t].tdp)))
	}
	if !s.throttle() {
		return
	}
	var gpus int32
	for _, pi := range s.pools {
		gpus += wd.pools[pi].total
	}
	s.draws = newDrawIndex(gpus)
}
