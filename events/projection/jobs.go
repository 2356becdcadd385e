package projection

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/events"
)

// Job is a projected job: one process of one node.
type Job struct {
	ID      string // events.DeriveID("gpuplan.projection", node, pid, start in RFC 3339 with ns)
	Node    string
	Site    string // of its first batch
	PID     int
	User    string // the process's user as the collector reported it
	Owner   string
	Group   string // of the assignment that made Owner the owner; "" when none
	Owned   bool   // Owner comes from ownership events, not from User
	Start   time.Time
	End     time.Time // one interval after the last batch that showed it
	GPUs    []GPU     // sorted by index, then UUID
	GPUType string    // the inventory's model of its GPUs, when known
	Util    float64   // mean utilization 0..1 (see the package doc)
	PowerW  float64   // mean per-GPU draw in W; 0 when no sample reported power
	Samples int       // batches that showed it
	Open    bool      // a later batch could still continue it: it may still be running
}

// GPU is one GPU of a node as the samples named it.
type GPU struct {
	Index int
	UUID  string
}

// Jobs folds a copy of everything buffered and returns every job so far, sorted by start, node
// and pid, with the counts so far. The projector is unchanged and takes more events afterwards.
func (p *Projector) Jobs() ([]Job, Stats) {
	st := p.stats
	st.Ownership = p.own.stats
	names := make([]string, 0, len(p.nodes))
	for name := range p.nodes {
		names = append(names, name)
	}
	slices.Sort(names)
	var jobs []Job
	for _, name := range names {
		n := p.nodes[name]
		f := n.fold.clone()
		for i := range n.pending {
			f.add(&n.pending[i], p.gap)
		}
		if len(f.done)+len(f.active) > 0 {
			st.NodesActive++
		}
		for i := range f.done {
			jobs = append(jobs, p.job(n, &f.done[i], false))
		}
		for i := range f.active {
			jobs = append(jobs, p.job(n, &f.active[i], true))
		}
	}
	if len(p.retracted) > 0 {
		jobs = slices.DeleteFunc(jobs, func(j Job) bool {
			_, gone := p.retracted[j.ID]
			if gone {
				st.Retracted++
			}
			return gone
		})
	}
	slices.SortFunc(jobs, func(a, b Job) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Node, b.Node), cmp.Compare(a.PID, b.PID))
	})
	for _, j := range jobs {
		st.Jobs++
		if j.Open {
			st.Open++
		}
		if !j.Owned {
			st.FromUser++
		}
		st.GPUSeconds += float64(len(j.GPUs)) * j.End.Sub(j.Start).Seconds()
	}
	return jobs, st
}

// Workload returns Jobs as a simulator workload (see ToWorkload) with Options.Epoch as time 0.
func (p *Projector) Workload() (*gpuplan.Workload, Stats) {
	jobs, st := p.Jobs()
	w, epoch := ToWorkload(jobs, p.opt.Epoch)
	st.Epoch = epoch
	return w, st
}

// ToWorkload converts jobs, in their order, into a workload: submit is the start (samples show
// no queue) in seconds since epoch, duration the end minus the start. A zero epoch means the
// earliest start, which it returns. Owners and groups are interned in order of first
// appearance in jobs; a job without a group gets -1.
func ToWorkload(jobs []Job, epoch time.Time) (*gpuplan.Workload, time.Time) {
	if epoch.IsZero() && len(jobs) > 0 {
		epoch = jobs[0].Start
		for _, j := range jobs[1:] {
			if j.Start.Before(epoch) {
				epoch = j.Start
			}
		}
	}
	w := &gpuplan.Workload{Jobs: make([]gpuplan.Job, 0, len(jobs))}
	owners := map[string]int32{}
	groups := map[string]int32{}
	for _, j := range jobs {
		oi, ok := owners[j.Owner]
		if !ok {
			oi = int32(len(w.Owners))
			owners[j.Owner] = oi
			w.Owners = append(w.Owners, j.Owner)
		}
		gi := int32(-1)
		if j.Group != "" {
			if gi, ok = groups[j.Group]; !ok {
				gi = int32(len(w.Groups))
				groups[j.Group] = gi
				w.Groups = append(w.Groups, j.Group)
			}
		}
		w.Jobs = append(w.Jobs, gpuplan.Job{
			ID: j.ID, Owner: oi, Group: gi,
			Submit:   seconds(j.Start.Sub(epoch)),
			GPUs:     int32(len(j.GPUs)),
			Duration: seconds(j.End.Sub(j.Start)),
			PowerW:   j.PowerW, Util: j.Util, GPUType: j.GPUType,
		})
	}
	return w, epoch
}

// seconds converts without Duration.Seconds' split into whole and fractional parts, so that
// whole-second spans come out as exact integers either way.
func seconds(d time.Duration) float64 { return float64(d) / 1e9 }

// FinishedEvents returns a JobFinished event for every job that is not Open, so that a projection
// can be written back to the log; a job still running would otherwise be stored with an end it
// has not reached. Event ids are events.DeriveID("job.finished", job id), so writing the same
// projection twice stores it once. source is the events' source.
func FinishedEvents(jobs []Job, source string) ([]events.Event, error) {
	var out []events.Event
	for _, j := range jobs {
		if j.Open {
			continue
		}
		uuids := make([]string, 0, len(j.GPUs))
		for _, g := range j.GPUs {
			if g.UUID != "" {
				uuids = append(uuids, g.UUID)
			}
		}
		user := j.User
		if user == j.Owner {
			user = ""
		}
		e, err := events.New(events.KindJobFinished, events.DeriveID("job.finished", j.ID), source, j.End, events.JobFinished{
			JobID: j.ID, Owner: j.Owner, Group: j.Group, User: user, Site: j.Site, Nodes: []string{j.Node},
			GPUs: len(j.GPUs), GPUUUIDs: uuids, GPUType: j.GPUType, PID: j.PID,
			Submit: j.Start, Start: j.Start, End: j.End, MeanUtil: j.Util, MeanPowerW: j.PowerW,
			Source: events.JobSourceProjection,
		})
		if err != nil {
			return nil, fmt.Errorf("projection: job %s: %w", j.ID, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func (p *Projector) job(n *node, s *jobState, open bool) Job {
	start := time.Unix(0, s.start).UTC()
	j := Job{
		ID:   events.DeriveID("gpuplan.projection", n.name, strconv.Itoa(int(s.pid)), start.Format(time.RFC3339Nano)),
		Node: n.name, Site: s.site, PID: int(s.pid), User: p.users[s.user],
		Start: start, End: time.Unix(0, s.last+s.iv).UTC(), Samples: s.samples, Open: open,
		GPUs: make([]GPU, len(s.gpus)),
	}
	for i, g := range s.gpus {
		j.GPUs[i] = GPU{Index: n.gpus[g].index, UUID: n.gpus[g].uuid}
	}
	slices.SortFunc(j.GPUs, func(a, b GPU) int { return cmp.Or(cmp.Compare(a.Index, b.Index), cmp.Compare(a.UUID, b.UUID)) })
	if s.utilN > 0 {
		j.Util = s.utilSum / float64(s.utilN)
	}
	if s.powN > 0 {
		j.PowerW = s.powSum / float64(s.powN)
	}
	j.Owner, j.Group, j.Owned = p.ownerOf(n.name, j.GPUs, start)
	if !j.Owned {
		j.Owner = cmp.Or(j.User, p.opt.unknownOwner())
	}
	if on := p.own.nodes[n.name]; on != nil {
		for _, g := range j.GPUs {
			if m := on.model(g.Index); m != "" {
				j.GPUType = m
				break
			}
		}
	}
	return j
}

// ownerOf returns the owner holding most of gpus at t (ties: the holder of the earliest GPU in
// gpus), with the group of their assignment.
func (p *Projector) ownerOf(node string, gpus []GPU, t time.Time) (owner, group string, ok bool) {
	type tally struct {
		owner, group string
		n            int
	}
	var ts []tally
	for _, g := range gpus {
		o, grp, has := p.own.Owner(node, g.Index, g.UUID, t)
		if !has {
			continue
		}
		k := slices.IndexFunc(ts, func(x tally) bool { return x.owner == o })
		if k < 0 {
			ts = append(ts, tally{o, grp, 0})
			k = len(ts) - 1
		}
		ts[k].n++
	}
	best := -1
	for k := range ts {
		if best < 0 || ts[k].n > ts[best].n {
			best = k
		}
	}
	if best < 0 {
		return "", "", false
	}
	return ts[best].owner, ts[best].group, true
}
