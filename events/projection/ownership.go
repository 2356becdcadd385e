package projection

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
)

// ErrMalformed marks an event whose payload could not be used. The projector counts it and stays
// usable: callers that skip bad events (as a replay should) go on after it.
var ErrMalformed = errors.New("projection: malformed event")

// Ownership folds GPU ownership and inventory events into who holds which GPU when. The zero value
// is ready to use. It is not safe for concurrent use.
//
// Assignments and releases are applied in stream order, each only from its own event time on:
// the holder of a GPU at time T is found by applying, in stream order, the ownership events with a
// time at or before T. An assignment hands the GPUs it names to its owner, whoever held them (the
// store's optimistic concurrency keeps two admins from both assigning a GPU; if the log holds such
// a pair anyway, the later in stream order wins). A release frees the GPUs it names that its owner
// holds and leaves GPUs held by others alone. GPUs are named by index, by UUID or both, and an
// event naming neither covers every GPU of its node; the node's latest inventory (in stream order)
// maps UUIDs to indices so that the two ways of naming a GPU agree.
type Ownership struct {
	ids    map[string]struct{}
	nodes  map[string]*ownNode
	owners []string // in order of their first assignment, in stream order
	known  map[string]bool
	stats  OwnershipStats
}

// OwnershipStats counts what Ownership was given.
type OwnershipStats struct {
	Assigned    int // assignments applied
	Released    int // releases applied
	Inventories int // GPU inventories read
	Duplicates  int // ownership and inventory events dropped because their id was seen before
	Malformed   int // ownership and inventory events whose payload did not decode
}

type ownNode struct {
	name   string
	site   string           // from the inventory, else from sample batches
	inv    []events.GPUInfo // latest inventory
	seen   []gpuID          // GPUs seen in sample batches, in order of first sight
	recs   []ownRec         // ownership events in stream order
	hasInv bool
}

// gpuID names a GPU of a node; index -1 when only the UUID is known.
type gpuID struct {
	index int
	uuid  string
}

type ownRec struct {
	t                  time.Time
	assign             bool
	owner, group, site string
	all                bool
	indices            []int
	uuids              []string
}

// Add folds one event. Kinds other than ownership assigned/released and GPU inventory are
// ignored. A payload that does not decode is counted and reported with an error wrapping
// ErrMalformed; the fold is unchanged by it.
func (o *Ownership) Add(e events.Event) error {
	switch e.Kind {
	case events.KindOwnershipAssigned, events.KindOwnershipReleased, events.KindGPUInventory:
	default:
		return nil
	}
	if _, dup := o.ids[e.ID]; dup {
		o.stats.Duplicates++
		return nil
	}
	if e.Time.IsZero() {
		o.stats.Malformed++
		return fmt.Errorf("%w: %s %s: no time", ErrMalformed, e.Name(), e.ID)
	}
	if err := events.CheckTime(e); err != nil {
		o.stats.Malformed++
		return fmt.Errorf("%w: event %s: %w", ErrMalformed, e.ID, err)
	}
	switch e.Kind {
	case events.KindGPUInventory:
		inv, err := events.DecodeAs[events.GPUInventory](e)
		if err != nil {
			o.stats.Malformed++
			return fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		n := o.node(inv.Node)
		n.inv = slices.Clone(inv.GPUs)
		n.hasInv = true
		if inv.Site != "" {
			n.site = inv.Site
		}
		o.stats.Inventories++
	case events.KindOwnershipAssigned:
		a, err := events.DecodeAs[events.OwnershipAssigned](e)
		if err != nil {
			o.stats.Malformed++
			return fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		o.record(e.Time, true, a.Owner, a.Group, a.Site, a.Node, a.GPUIndices, a.GPUUUIDs)
		if !o.known[a.Owner] {
			if o.known == nil {
				o.known = map[string]bool{}
			}
			o.known[a.Owner] = true
			o.owners = append(o.owners, a.Owner)
		}
		o.stats.Assigned++
	case events.KindOwnershipReleased:
		r, err := events.DecodeAs[events.OwnershipReleased](e)
		if err != nil {
			o.stats.Malformed++
			return fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		o.record(e.Time, false, r.Owner, r.Group, r.Site, r.Node, r.GPUIndices, r.GPUUUIDs)
		o.stats.Released++
	}
	if o.ids == nil {
		o.ids = map[string]struct{}{}
	}
	o.ids[e.ID] = struct{}{}
	return nil
}

// Stats returns the counts so far.
func (o *Ownership) Stats() OwnershipStats { return o.stats }

func (o *Ownership) record(t time.Time, assign bool, owner, group, site, node string, idx []int, uuids []string) {
	n := o.node(node)
	n.recs = append(n.recs, ownRec{t: t, assign: assign, owner: owner, group: group, site: site,
		all: len(idx) == 0 && len(uuids) == 0, indices: slices.Clone(idx), uuids: slices.Clone(uuids)})
}

func (o *Ownership) node(name string) *ownNode {
	if o.nodes == nil {
		o.nodes = map[string]*ownNode{}
	}
	n := o.nodes[name]
	if n == nil {
		n = &ownNode{name: name}
		o.nodes[name] = n
	}
	return n
}

// seeGPU records a GPU seen in a sample batch, so that nodes without an inventory have a size.
func (o *Ownership) seeGPU(node string, g gpuID) {
	n := o.node(node)
	if !slices.Contains(n.seen, g) {
		n.seen = append(n.seen, g)
	}
}

// seeSite records a node's site from a sample batch, for nodes whose inventory gives none.
func (o *Ownership) seeSite(node, site string) {
	if n := o.node(node); !n.hasInv || n.site == "" {
		n.site = site
	}
}

// Owner returns who holds a GPU of a node at time at (a zero at means after every event), with
// the group of the assignment; ok is false when nobody does. uuid may be empty.
func (o *Ownership) Owner(node string, index int, uuid string, at time.Time) (owner, group string, ok bool) {
	n := o.nodes[node]
	if n == nil {
		return "", "", false
	}
	if r := n.holder(gpuID{index, uuid}, at); r != nil {
		return r.owner, r.group, true
	}
	return "", "", false
}

// holder returns the assignment in force for g at time at, or nil.
func (n *ownNode) holder(g gpuID, at time.Time) *ownRec {
	var h *ownRec
	for i := range n.recs {
		r := &n.recs[i]
		if !at.IsZero() && r.t.After(at) || !n.matches(r, g) {
			continue
		}
		switch {
		case r.assign:
			h = r
		case h != nil && h.owner == r.owner:
			h = nil
		}
	}
	return h
}

func (n *ownNode) matches(r *ownRec, g gpuID) bool {
	if r.all {
		return true
	}
	if g.index >= 0 && slices.Contains(r.indices, g.index) {
		return true
	}
	uuid := g.uuid
	if uuid == "" {
		uuid = n.uuidOf(g.index)
	}
	for _, u := range r.uuids {
		if u == "" {
			continue
		}
		if u == uuid {
			return true
		}
		if i, ok := n.indexOf(u); ok && i == g.index {
			return true
		}
	}
	if uuid != "" {
		// The event named the GPU by index and the caller by UUID only.
		for _, i := range r.indices {
			if n.uuidOf(i) == uuid {
				return true
			}
		}
	}
	return false
}

func (n *ownNode) uuidOf(index int) string {
	if index < 0 {
		return ""
	}
	for _, g := range n.inv {
		if g.Index == index {
			return g.UUID
		}
	}
	for _, g := range n.seen {
		if g.index == index && g.uuid != "" {
			return g.uuid
		}
	}
	return ""
}

func (n *ownNode) indexOf(uuid string) (int, bool) {
	for _, g := range n.inv {
		if g.UUID == uuid {
			return g.Index, true
		}
	}
	for _, g := range n.seen {
		if g.uuid == uuid && g.index >= 0 {
			return g.index, true
		}
	}
	return 0, false
}

func (n *ownNode) model(index int) string {
	for _, g := range n.inv {
		if g.Index == index {
			return g.Model
		}
	}
	return ""
}

// gpus lists the node's GPUs once each: the inventory's, those seen in samples and those named by
// ownership events, by index, then those known only by a UUID that nothing maps to an index.
func (n *ownNode) gpus() []gpuID {
	byIndex := map[int]string{}
	var loose []string
	add := func(g gpuID) {
		if g.index < 0 && g.uuid != "" {
			if i, ok := n.indexOf(g.uuid); ok {
				g.index = i
			}
		}
		if g.index < 0 {
			if g.uuid != "" && !slices.Contains(loose, g.uuid) {
				loose = append(loose, g.uuid)
			}
			return
		}
		if u, ok := byIndex[g.index]; !ok || u == "" {
			byIndex[g.index] = g.uuid
		}
	}
	for _, g := range n.inv {
		add(gpuID{g.Index, g.UUID})
	}
	for _, g := range n.seen {
		add(g)
	}
	for _, r := range n.recs {
		for _, i := range r.indices {
			add(gpuID{i, n.uuidOf(i)})
		}
		for _, u := range r.uuids {
			add(gpuID{-1, u})
		}
	}
	out := make([]gpuID, 0, len(byIndex)+len(loose))
	for i, u := range byIndex {
		out = append(out, gpuID{i, u})
	}
	slices.SortFunc(out, func(a, b gpuID) int { return cmp.Compare(a.index, b.index) })
	slices.Sort(loose)
	for _, u := range loose {
		out = append(out, gpuID{-1, u})
	}
	return out
}

// Pools returns the GPUs each owner holds at time at (zero: after every event) as pools CSV rows.
//
// Owners come in the order of their first assignment in stream order, counting only assignments
// at or before at; an owner who has since released everything keeps a row with 0 GPUs, so that
// their jobs still find an owner. An owner's GPUs are grouped by how many they hold on each node
// and by GPU type (the inventory's model): holding all 8 GPUs of two nodes and 4 of a third gives
// rows of 16 GPUs in 8-GPU nodes and 4 GPUs in a 4-GPU node, the largest nodes first. A pools
// CSV gives each owner one site: the site of most of their GPUs (the assignment's site, else
// the node's), ties to the alphabetically first.
//
// unsized lists, sorted, the nodes assigned whole ("every GPU of the node") whose GPUs are not
// known from an inventory or a sample batch; their GPUs cannot be counted and are left out.
func (o *Ownership) Pools(at time.Time) (pools []gpuplan.Pool, unsized []string) {
	type key struct {
		owner, node, model string
	}
	held := map[key]int{}
	sites := map[string]map[string]int{}
	names := make([]string, 0, len(o.nodes))
	for name := range o.nodes {
		names = append(names, name)
	}
	slices.Sort(names)
	active := map[string]bool{}
	lastSite := map[string]string{}
	for _, name := range names {
		n := o.nodes[name]
		gpus := n.gpus()
		for _, r := range n.recs {
			if at.IsZero() || !r.t.After(at) {
				if r.assign {
					active[r.owner] = true
					lastSite[r.owner] = cmp.Or(r.site, n.site)
				}
				if r.all && len(gpus) == 0 && !slices.Contains(unsized, name) {
					unsized = append(unsized, name)
				}
			}
		}
		for _, g := range gpus {
			r := n.holder(g, at)
			if r == nil {
				continue
			}
			held[key{r.owner, name, n.model(g.index)}]++
			site := cmp.Or(r.site, n.site)
			if sites[r.owner] == nil {
				sites[r.owner] = map[string]int{}
			}
			sites[r.owner][site]++
		}
	}
	type row struct {
		perNode int
		model   string
	}
	for _, owner := range o.owners {
		if !active[owner] {
			continue
		}
		gpus := map[row]int{}
		for k, c := range held {
			if k.owner == owner {
				gpus[row{c, k.model}] += c
			}
		}
		rows := make([]row, 0, len(gpus))
		for r := range gpus {
			rows = append(rows, r)
		}
		slices.SortFunc(rows, func(a, b row) int {
			return cmp.Or(cmp.Compare(b.perNode, a.perNode), cmp.Compare(a.model, b.model))
		})
		site := majority(sites[owner])
		if len(rows) == 0 {
			// Nothing held now: the site of the owner's last assignment (by node name, then
			// stream order) stands in.
			site = lastSite[owner]
			pools = append(pools, gpuplan.Pool{Owner: owner, Site: site})
			continue
		}
		for _, r := range rows {
			pools = append(pools, gpuplan.Pool{Owner: owner, GPUs: gpus[r], GPUsPerNode: r.perNode, GPUType: r.model, Site: site})
		}
	}
	slices.Sort(unsized)
	return pools, unsized
}

// majority returns the key with the largest count, ties to the smallest key.
func majority(votes map[string]int) string {
	best, bestN := "", 0
	for k, n := range votes {
		if n > bestN || n == bestN && k < best {
			best, bestN = k, n
		}
	}
	return best
}
