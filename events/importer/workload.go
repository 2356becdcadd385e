package importer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/sim"
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
	// NoGPU stays 0 since the schema refuses jobs without a GPU (gpus 1..events.MaxGPUs): such
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
func Workload(ctx context.Context, r events.Replayer, since, until time.Time) (*sim.Workload, Stats, error) {
	return WorkloadOptions{}.Workload(ctx, r, since, until)
}

// jobRec is a job read from the log with what its place in the workload depends on.
type jobRec struct {
	job          sim.Job
	owner, group string
	traced       bool
	seq          int64
	ownerIdx     int32 // trace index, or -1
	groupIdx     int32
	id           string // event id, the last tie-break
}

// Workload is the package-level Workload with these options.
func (o WorkloadOptions) Workload(ctx context.Context, r events.Replayer, since, until time.Time) (*sim.Workload, Stats, error) {
	epoch := o.Epoch.UTC()
	if o.Epoch.IsZero() {
		epoch = DefaultEpoch
	}
	var st Stats
	var recs []jobRec
	seen := map[string]struct{}{}
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
			st.Invalid = append(st.Invalid, events.Rejection{Seq: seq, Kind: e.Name(), ID: e.ID, Reason: reason})
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
		if _, dup := seen[e.ID]; dup {
			st.Duplicates++
			return nil
		}
		seen[e.ID] = struct{}{}
		if err := e.Decode(&p); err != nil {
			bad(seq, e, err)
			return nil
		}
		if err := events.CheckTime(e); err != nil {
			bad(seq, e, err)
			return nil
		}
		rec, err := record(&p, e.ID, epoch)
		if err != nil {
			bad(seq, e, err)
			return nil
		}
		if rec.traced {
			st.Exact++
		}
		recs = append(recs, rec)
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
	if len(retracted) > 0 {
		recs = slices.DeleteFunc(recs, func(r jobRec) bool {
			_, gone := retracted[r.job.ID]
			if gone {
				st.Retracted++
				if r.traced {
					st.Exact--
				}
			}
			return gone
		})
	}
	w := build(recs)
	w.Skipped = st.NoGPU + st.Malformed
	st.Jobs = len(w.Jobs)
	return w, st, nil
}

var errJobRange = errors.New("importer: job does not fit the simulator")

// record turns a decoded payload into a job; its owner and group are numbered later.
func record(p *events.JobFinished, id string, epoch time.Time) (jobRec, error) {
	if p.GPUs < 0 || p.GPUs > math.MaxInt32 {
		return jobRec{}, fmtErr(id, "gpus %d does not fit", p.GPUs)
	}
	if p.End.IsZero() {
		return jobRec{}, fmtErr(id, "end is missing")
	}
	submitAt := p.Submit
	if submitAt.IsZero() {
		submitAt = p.Start
	}
	rec := jobRec{
		job: sim.Job{ID: p.JobID, GPUs: int32(p.GPUs), PowerW: p.MeanPowerW, Util: p.MeanUtil, GPUType: p.GPUType,
			Submit:   submitAt.Sub(epoch).Seconds(),
			Duration: p.End.Sub(p.Start).Seconds()},
		owner: p.Owner, group: p.Group, ownerIdx: -1, groupIdx: -1, id: id,
	}
	if rec.owner == "" && p.Trace == nil {
		rec.owner = cmp.Or(p.User, "unknown")
	}
	if t := p.Trace; t != nil {
		rec.traced, rec.seq, rec.ownerIdx, rec.groupIdx = true, t.Seq, t.OwnerIndex, t.GroupIndex
		// The exact seconds hold only where the times still say the same at this epoch: an
		// import under another epoch, or an event edited by hand, falls back to the times.
		if d, ok := toDuration(t.SubmitS); ok && submitAt.Sub(epoch) == d {
			rec.job.Submit = t.SubmitS
		}
		if d, ok := toDuration(t.DurationS); ok && p.End.Sub(p.Start) == d {
			rec.job.Duration = t.DurationS
		}
	}
	return rec, nil
}

func fmtErr(id, format string, a ...any) error {
	return fmt.Errorf("%w: event %s: "+format, append([]any{errJobRange, id}, a...)...)
}

// build orders the jobs and numbers owners and groups as the package doc says.
func build(recs []jobRec) *sim.Workload {
	slices.SortFunc(recs, func(a, b jobRec) int {
		switch {
		case a.traced && !b.traced:
			return -1
		case !a.traced && b.traced:
			return 1
		case a.traced:
			return cmp.Or(cmp.Compare(a.seq, b.seq), cmp.Compare(a.id, b.id))
		}
		return cmp.Or(cmp.Compare(a.job.Submit, b.job.Submit), cmp.Compare(a.id, b.id))
	})
	w := &sim.Workload{Jobs: make([]sim.Job, len(recs))}
	owners := number(recs, func(r *jobRec) (string, int32) { return r.owner, r.ownerIdx }, false)
	groups := number(recs, func(r *jobRec) (string, int32) { return r.group, r.groupIdx }, true)
	for i := range recs {
		j := recs[i].job
		j.Owner = owners.index[recs[i].owner]
		j.Group = -1
		if recs[i].group != "" {
			j.Group = groups.index[recs[i].group]
		}
		w.Jobs[i] = j
	}
	w.Owners, w.Groups = owners.names, groups.names
	return w
}

type numbering struct {
	names []string
	index map[string]int32
}

// number lists the distinct names of recs (in their final order) by the smallest trace index
// given to each, names without one last, ties by first appearance. skipEmpty leaves "" out (no
// group).
func number(recs []jobRec, get func(*jobRec) (string, int32), skipEmpty bool) numbering {
	type entry struct {
		name  string
		idx   int32 // smallest trace index, or MaxInt32
		first int
	}
	pos := map[string]int{}
	var list []entry
	for i := range recs {
		name, idx := get(&recs[i])
		if skipEmpty && name == "" {
			continue
		}
		if idx < 0 {
			idx = math.MaxInt32
		}
		k, ok := pos[name]
		if !ok {
			pos[name] = len(list)
			list = append(list, entry{name, idx, i})
			continue
		}
		list[k].idx = min(list[k].idx, idx)
	}
	slices.SortFunc(list, func(a, b entry) int { return cmp.Or(cmp.Compare(a.idx, b.idx), cmp.Compare(a.first, b.first)) })
	n := numbering{index: make(map[string]int32, len(list))}
	for i, e := range list {
		n.names = append(n.names, e.name)
		n.index[e.name] = int32(i)
	}
	return n
}
