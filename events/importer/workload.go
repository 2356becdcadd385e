package importer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
)

// maxStatErrors bounds the malformed events a Stats lists.
const maxStatErrors = 16

// WorkloadOptions tune Workload. The zero value counts submit seconds from DefaultEpoch.
type WorkloadOptions struct {
	Epoch time.Time // time zero of submit seconds; zero means DefaultEpoch
}

// Stats says what a workload replay read and dropped.
type Stats struct {
	Events     int // job.finished events in the range
	Jobs       int // jobs in the workload
	Exact      int // jobs rebuilt from their JobTrace's exact values
	Duplicates int // events with an id seen before, dropped
	// NoGPU stays 0 since the schema refuses jobs without a GPU (gpus 1..gpuplan.MaxGPUs): such
	// events are Malformed and named in Invalid. It is kept for callers that add it up.
	NoGPU     int
	Malformed int // job.finished events whose payload does not decode or breaks the schema, skipped (in Workload.Skipped too)
	Errors    []error
	// Invalid names the first 16 events skipped for breaking the schema: those the store itself
	// skipped (malformed messages, unknown kinds; from stores that number their events) and
	// job.finished and job.retracted events whose payload or time is out of bounds.
	Invalid []events.Rejection
	// InvalidCount counts every event skipped for breaking the schema, named or not.
	InvalidCount int
	// Retracted counts jobs in the range removed by a job.retracted event (not in
	// Workload.Skipped), and Retractions the valid retraction events read (the whole log's,
	// whatever the range). Events = Jobs + Duplicates + NoGPU + Malformed + Retracted.
	Retracted, Retractions int
}

// seqReplayer is a store that numbers its events (the JetStream store), so that skipped events
// can be named by their stream sequence.
type seqReplayer interface {
	ReplaySeq(ctx context.Context, since, until time.Time, kinds []events.Kind, fn func(seq uint64, e events.Event) error) ([]events.Rejection, int, error)
}

// Workload rebuilds the workload of the job.finished events whose time lies in [since, until)
// (zero leaves a side open), counting submit seconds from DefaultEpoch; see the package doc for
// the order of jobs, owners and groups. Events that break the schema (events.Check's bounds)
// are counted, named and skipped, never fatal. Jobs retracted by a job.retracted event anywhere
// in the log, before or after the job and whatever its time, are left out.
func Workload(ctx context.Context, r events.Replayer, since, until time.Time) (*gpuplan.Workload, Stats, error) {
	return WorkloadOptions{}.Workload(ctx, r, since, until)
}

// jobKey is what a job's place in the workload depends on, kept beside its gpuplan.Job (rather
// than in one record with it) so that the final job list can be ordered in place: a replay of
// 1M jobs would otherwise hold the records and the workload at once.
type jobKey struct {
	hex                [16]byte // event id (the last tie-break): see idSet
	seq                int64
	ownerIdx, groupIdx int32 // trace indexes, or -1
	owner, group       int32 // into the rebuild's interned names
	other              int32 // index of an id that is not hex in idSet.others, or -1
	traced             bool
}

// rebuild collects the jobs of a replay. Names repeat across a million jobs but number a few
// hundred, so owners, groups and GPU types are interned: the decoder's copy of each is dropped.
type rebuild struct {
	jobs  []gpuplan.Job
	keys  []jobKey
	names []string // interned owners and groups; 0 is ""
	index map[string]int32
	types map[string]string
	ids   *idSet
	// Job ids are packed into shared strings of about idChunk bytes: one small string per job,
	// allocated among the decoder's garbage, would keep most of the rebuild's memory pages in
	// use after it (a few live strings pin a page), where the simulation needs it.
	idBuf   []byte
	idEnds  []int32 // end in idBuf of each job id not yet given its string
	idFirst int     // index in jobs of the first of them
}

const idChunk = 1 << 20

// jobID gives jobs[i] the id, i following the job of the previous call.
func (b *rebuild) jobID(i int, id string) {
	if len(b.idBuf)+len(id) > idChunk {
		b.sealIDs()
	}
	if len(b.idEnds) == 0 {
		b.idFirst = i
	}
	b.idBuf = append(b.idBuf, id...)
	b.idEnds = append(b.idEnds, int32(len(b.idBuf)))
}

// sealIDs gives the pending jobs their ids, substrings of one copy of idBuf.
func (b *rebuild) sealIDs() {
	all, start := string(b.idBuf), 0
	for k, end := range b.idEnds {
		b.jobs[b.idFirst+k].ID = all[start:end]
		start = int(end)
	}
	b.idBuf, b.idEnds = b.idBuf[:0], b.idEnds[:0]
}

func newRebuild() *rebuild {
	return &rebuild{names: []string{""}, index: map[string]int32{"": 0}, types: map[string]string{}, ids: newIDSet()}
}

func (b *rebuild) name(s string) int32 {
	if i, ok := b.index[s]; ok {
		return i
	}
	i := int32(len(b.names))
	b.names = append(b.names, s)
	b.index[s] = i
	return i
}

func (b *rebuild) gpuType(s string) string {
	if t, ok := b.types[s]; ok {
		return t
	}
	b.types[s] = s
	return s
}

// Workload is the package-level Workload with these options.
func (o WorkloadOptions) Workload(ctx context.Context, r events.Replayer, since, until time.Time) (*gpuplan.Workload, Stats, error) {
	epoch := o.Epoch.UTC()
	if o.Epoch.IsZero() {
		epoch = DefaultEpoch
	}
	var st Stats
	b := newRebuild()
	retracted := map[string]struct{}{}
	// bad names an event skipped for breaking the schema; job.finished ones count as Malformed.
	bad := func(seq uint64, e events.Event, err error) {
		st.InvalidCount++
		if e.Kind == events.KindJobFinished {
			st.Malformed++
		}
		if len(st.Errors) < maxStatErrors {
			st.Errors = append(st.Errors, err)
		}
		if len(st.Invalid) < maxStatErrors {
			reason := err.Error()
			if de := (*events.DataError)(nil); errors.As(err, &de) {
				reason = de.Error()
			}
			st.Invalid = append(st.Invalid, events.Rejection{Seq: seq, Kind: e.Name(), ID: strings.Clone(e.ID), Reason: reason})
		}
	}
	var p events.JobFinished
	var rp events.JobRetracted
	// Retractions apply whatever their time, so the whole log is read and the range applied
	// here, to job.finished events only. A JetStream replay reads the jobs stream whole anyway.
	kinds := []events.Kind{events.KindJobFinished, events.KindJobRetracted}
	fn := func(seq uint64, e events.Event) error {
		if e.Kind == events.KindJobRetracted {
			if err := e.Decode(&rp); err != nil {
				bad(seq, e, err)
				return nil
			}
			st.Retractions++
			retracted[rp.JobID] = struct{}{}
			return nil
		}
		if !since.IsZero() && e.Time.Before(since) || !until.IsZero() && !e.Time.Before(until) {
			return nil
		}
		st.Events++
		// An event's strings share its message's buffer (events.UnmarshalOwned), which one id
		// kept as it is would keep whole, for every job of the replay: the set copies.
		key := jobKey{ownerIdx: -1, groupIdx: -1}
		if !b.ids.add(e.ID, &key) {
			st.Duplicates++
			return nil
		}
		if err := e.Decode(&p); err != nil {
			bad(seq, e, err)
			return nil
		}
		if err := events.CheckTime(e); err != nil {
			bad(seq, e, err)
			return nil
		}
		traced, err := b.add(&p, e.ID, key, epoch)
		if err != nil {
			bad(seq, e, err)
			return nil
		}
		if traced {
			st.Exact++
		}
		return nil
	}
	var err error
	if sr, ok := r.(seqReplayer); ok {
		var rej []events.Rejection
		var n int
		rej, n, err = sr.ReplaySeq(ctx, time.Time{}, time.Time{}, kinds, fn)
		st.InvalidCount += n
		st.Invalid = append(rej, st.Invalid...)
		// One stream holds job events: its sequences order the list as the stream does, and
		// entries without one ("and N more") go last.
		key := func(r events.Rejection) uint64 { return cmp.Or(r.Seq, math.MaxUint64) }
		slices.SortStableFunc(st.Invalid, func(a, b events.Rejection) int { return cmp.Compare(key(a), key(b)) })
	} else {
		err = r.Replay(ctx, time.Time{}, time.Time{}, kinds, func(e events.Event) error { return fn(0, e) })
	}
	if err != nil {
		return nil, st, err
	}
	b.sealIDs()
	b.ids.done()
	if len(retracted) > 0 {
		k := 0
		for i := range b.jobs {
			if _, gone := retracted[b.jobs[i].ID]; gone {
				st.Retracted++
				if b.keys[i].traced {
					st.Exact--
				}
				continue
			}
			b.jobs[k], b.keys[k] = b.jobs[i], b.keys[i]
			k++
		}
		clear(b.jobs[k:])
		clear(b.keys[k:])
		b.jobs, b.keys = b.jobs[:k], b.keys[:k]
	}
	w := b.build()
	w.Skipped = st.NoGPU + st.Malformed
	st.Jobs = len(w.Jobs)
	return w, st, nil
}

var errJobRange = errors.New("importer: job does not fit the simulator")

// add appends the job of a decoded payload, its owner and group interned (numbered later), and
// says whether it carries a JobTrace.
func (b *rebuild) add(p *events.JobFinished, id string, key jobKey, epoch time.Time) (traced bool, err error) {
	if p.GPUs < 0 || p.GPUs > math.MaxInt32 {
		return false, fmtErr(id, "gpus %d does not fit", p.GPUs)
	}
	if p.End.IsZero() {
		return false, fmtErr(id, "end is missing")
	}
	submitAt := p.Submit
	if submitAt.IsZero() {
		submitAt = p.Start
	}
	job := gpuplan.Job{GPUs: int32(p.GPUs), PowerW: p.MeanPowerW, Util: p.MeanUtil, GPUType: b.gpuType(p.GPUType),
		Submit:   submitAt.Sub(epoch).Seconds(),
		Duration: p.End.Sub(p.Start).Seconds()}
	owner := p.Owner
	if owner == "" && p.Trace == nil {
		owner = cmp.Or(p.User, "unknown")
	}
	key.owner, key.group = b.name(owner), b.name(p.Group)
	if t := p.Trace; t != nil {
		key.traced, key.seq, key.ownerIdx, key.groupIdx = true, t.Seq, t.OwnerIndex, t.GroupIndex
		// The exact seconds hold only where the times still say the same at this epoch: an
		// import under another epoch, or an event edited by hand, falls back to the times.
		if d, ok := toDuration(t.SubmitS); ok && submitAt.Sub(epoch) == d {
			job.Submit = t.SubmitS
		}
		if d, ok := toDuration(t.DurationS); ok && p.End.Sub(p.Start) == d {
			job.Duration = t.DurationS
		}
	}
	b.jobs = append(b.jobs, job)
	b.keys = append(b.keys, key)
	b.jobID(len(b.jobs)-1, p.JobID)
	return key.traced, nil
}

func fmtErr(id, format string, a ...any) error {
	return fmt.Errorf("%w: event %s: "+format, append([]any{errJobRange, id}, a...)...)
}

// build orders the jobs and numbers owners and groups as the package doc says. It orders the
// jobs in place through a permutation, so that no second list of jobs is made.
func (b *rebuild) build() *gpuplan.Workload {
	keys, jobs, ids := b.keys, b.jobs, b.ids
	order := make([]int32, len(keys))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		x, y := &keys[i], &keys[j]
		switch {
		case x.traced && !y.traced:
			return -1
		case !x.traced && y.traced:
			return 1
		case x.traced:
			return cmp.Or(cmp.Compare(x.seq, y.seq), ids.compare(x, y))
		}
		return cmp.Or(cmp.Compare(jobs[i].Submit, jobs[j].Submit), ids.compare(x, y))
	})
	owners := b.number(order, func(k *jobKey) (int32, int32) { return k.owner, k.ownerIdx }, false)
	groups := b.number(order, func(k *jobKey) (int32, int32) { return k.group, k.groupIdx }, true)
	for i := range jobs {
		jobs[i].Owner = owners.index[keys[i].owner]
		jobs[i].Group = -1
		if g := keys[i].group; g != 0 {
			jobs[i].Group = groups.index[g]
		}
	}
	b.keys, b.ids = nil, nil
	// jobs[i] becomes the job at order[i], one cycle of the permutation at a time; -1 marks a
	// place done.
	for i := range order {
		if order[i] < 0 {
			continue
		}
		first, j := jobs[i], i
		for {
			k := int(order[j])
			order[j] = -1
			if k == i {
				jobs[j] = first
				break
			}
			jobs[j] = jobs[k]
			j = k
		}
	}
	b.jobs = nil
	if jobs == nil {
		jobs = []gpuplan.Job{} // an empty workload's list is empty, not missing
	}
	return &gpuplan.Workload{Jobs: jobs, Owners: owners.names, Groups: groups.names}
}

type numbering struct {
	names []string
	index []int32 // by interned name, -1 for names not numbered
}

// number lists the distinct names of the jobs (taken in the final order) by the smallest trace
// index given to each, names without one last, ties by first appearance. skipEmpty leaves ""
// out (no group).
func (b *rebuild) number(order []int32, get func(*jobKey) (name, idx int32), skipEmpty bool) numbering {
	type entry struct {
		name  int32
		idx   int32 // smallest trace index, or MaxInt32
		first int
	}
	pos := make([]int32, len(b.names)) // 1 + place in list, 0 for names not met yet
	var list []entry
	for i, o := range order {
		name, idx := get(&b.keys[o])
		if skipEmpty && name == 0 {
			continue
		}
		if idx < 0 {
			idx = math.MaxInt32
		}
		if k := pos[name]; k > 0 {
			list[k-1].idx = min(list[k-1].idx, idx)
			continue
		}
		list = append(list, entry{name, idx, i})
		pos[name] = int32(len(list))
	}
	slices.SortFunc(list, func(a, b entry) int { return cmp.Or(cmp.Compare(a.idx, b.idx), cmp.Compare(a.first, b.first)) })
	n := numbering{index: make([]int32, len(b.names))}
	for i := range n.index {
		n.index[i] = -1
	}
	for i, e := range list {
		n.names = append(n.names, b.names[e.name])
		n.index[e.name] = int32(i)
	}
	return n
}
