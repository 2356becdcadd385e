package projection_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/projection"
)

// want is a job computed by hand: times in seconds after t0.
type want struct {
	node       string
	pid        int
	user       string
	owner      string
	group      string
	owned      bool
	start, end float64
	gpus       []int
	util       float64 // 0..1
	power      float64
	samples    int
	open       bool
}

func checkJobs(t *testing.T, got []projection.Job, wants []want, tol float64) {
	t.Helper()
	if len(got) != len(wants) {
		for _, j := range got {
			t.Logf("got %s pid %d %s..%s gpus %v owner %s", j.Node, j.PID, j.Start.Sub(t0), j.End.Sub(t0), j.GPUs, j.Owner)
		}
		t.Fatalf("got %d jobs, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		j := got[i]
		var idx []int
		for _, g := range j.GPUs {
			idx = append(idx, g.Index)
		}
		switch {
		case j.Node != w.node || j.PID != w.pid || j.User != w.user:
			t.Errorf("job %d: node %s pid %d user %q, want %s %d %q", i, j.Node, j.PID, j.User, w.node, w.pid, w.user)
		case j.Owner != w.owner || j.Group != w.group || j.Owned != w.owned:
			t.Errorf("job %d: owner %q group %q owned %v, want %q %q %v", i, j.Owner, j.Group, j.Owned, w.owner, w.group, w.owned)
		case !j.Start.Equal(at(w.start)) || !j.End.Equal(at(w.end)):
			t.Errorf("job %d: %v..%v, want %v..%v s", i, j.Start.Sub(t0), j.End.Sub(t0), w.start, w.end)
		case !slices.Equal(idx, w.gpus):
			t.Errorf("job %d: GPUs %v, want %v", i, idx, w.gpus)
		case math.Abs(j.Util-w.util) > tol || math.Abs(j.PowerW-w.power) > tol*max(1, w.power):
			t.Errorf("job %d: util %v power %v, want %v %v (tol %g)", i, j.Util, j.PowerW, w.util, w.power, tol)
		case j.Samples != w.samples || j.Open != w.open:
			t.Errorf("job %d: samples %d open %v, want %d %v", i, j.Samples, j.Open, w.samples, w.open)
		}
	}
}

func TestJobs(t *testing.T) {
	kim := func(idx int, util, power float64) gs { return busy(idx, util, power, 100, "kim") }
	type tc struct {
		name  string
		opt   projection.Options
		evs   func(t *testing.T) []events.Event
		want  []want
		stats func(s projection.Stats) bool
	}
	cases := []tc{
		{
			name: "three samples, ended by four idle batches",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					batch(t, "node-a", 60, kim(0, 50, 200)), batch(t, "node-a", 120, kim(0, 70, 300)),
					batch(t, "node-a", 180, kim(0, 90, 400)), batch(t, "node-a", 240, idle(0)),
					batch(t, "node-a", 300, idle(0)), batch(t, "node-a", 360, idle(0)),
					batch(t, "node-a", 420, idle(0)),
				}
			},
			// Unseen through 420: a sighting after it would leave more than 3 x 60 s unseen.
			want: []want{{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 60, end: 240, gpus: []int{0},
				util: (0.5 + 0.7 + 0.9) / 3, power: 300, samples: 3}},
		},
		{
			name: "three samples, three idle batches: still open",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					batch(t, "node-a", 60, kim(0, 50, 200)), batch(t, "node-a", 120, kim(0, 70, 300)),
					batch(t, "node-a", 180, kim(0, 90, 400)), batch(t, "node-a", 240, idle(0)),
					batch(t, "node-a", 300, idle(0)), batch(t, "node-a", 360, idle(0)),
				}
			},
			// A sighting at 420 would continue it (420 - 180 - 60 = 180 s unseen).
			want: []want{{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 60, end: 240, gpus: []int{0},
				util: 0.7, power: 300, samples: 3, open: true}},
		},
		{
			name: "gap of three missing batches is bridged",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					batch(t, "node-a", 60, kim(0, 40, 200)), batch(t, "node-a", 120, kim(0, 60, 200)),
					batch(t, "node-a", 180, idle(0)), batch(t, "node-a", 240, idle(0)), batch(t, "node-a", 300, idle(0)),
					batch(t, "node-a", 360, kim(0, 80, 500)),
				}
			},
			want: []want{{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 60, end: 420, gpus: []int{0},
				util: 0.6, power: 300, samples: 3, open: true}},
		},
		{
			name: "gap of four missing batches splits",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					batch(t, "node-a", 60, kim(0, 40, 200)), batch(t, "node-a", 120, kim(0, 60, 200)),
					batch(t, "node-a", 180, idle(0)), batch(t, "node-a", 240, idle(0)), batch(t, "node-a", 300, idle(0)),
					batch(t, "node-a", 360, idle(0)), batch(t, "node-a", 420, kim(0, 80, 500)),
				}
			},
			want: []want{
				{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 60, end: 180, gpus: []int{0}, util: 0.5, power: 200, samples: 2},
				{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 420, end: 480, gpus: []int{0}, util: 0.8, power: 500, samples: 1, open: true},
			},
		},
		{
			name: "gap while the node is silent: 240 s bridged, 300 s split",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					batch(t, "node-a", 60, kim(0, 40, 200)), batch(t, "node-a", 300, kim(0, 60, 200)),
					batch(t, "node-a", 600, kim(0, 80, 500)),
				}
			},
			want: []want{
				{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 60, end: 360, gpus: []int{0}, util: 0.5, power: 200, samples: 2},
				{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 600, end: 660, gpus: []int{0}, util: 0.8, power: 500, samples: 1, open: true},
			},
		},
		{
			name: "MaxGapIntervals -1: one missing batch splits",
			opt:  projection.Options{MaxGapIntervals: -1},
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					batch(t, "node-a", 60, kim(0, 40, 200)), batch(t, "node-a", 120, kim(0, 40, 200)),
					batch(t, "node-a", 180, idle(0)), batch(t, "node-a", 240, kim(0, 80, 500)),
				}
			},
			want: []want{
				{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 60, end: 180, gpus: []int{0}, util: 0.4, power: 200, samples: 2},
				{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 240, end: 300, gpus: []int{0}, util: 0.8, power: 500, samples: 1, open: true},
			},
		},
		{
			name: "MaxGapIntervals 1: one missing batch bridged",
			opt:  projection.Options{MaxGapIntervals: 1},
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					batch(t, "node-a", 60, kim(0, 40, 200)), batch(t, "node-a", 120, idle(0)),
					batch(t, "node-a", 180, kim(0, 80, 400)),
				}
			},
			want: []want{{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 60, end: 240, gpus: []int{0}, util: 0.6, power: 300, samples: 2, open: true}},
		},
		{
			name: "pid reused by another user without a gap",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					batch(t, "node-a", 60, kim(0, 40, 200)), batch(t, "node-a", 120, kim(0, 40, 200)),
					batch(t, "node-a", 180, busy(0, 90, 600, 100, "lee")),
				}
			},
			want: []want{
				{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 60, end: 180, gpus: []int{0}, util: 0.4, power: 200, samples: 2},
				{node: "node-a", pid: 100, user: "lee", owner: "lee", start: 180, end: 240, gpus: []int{0}, util: 0.9, power: 600, samples: 1, open: true},
			},
		},
		{
			name: "one process on several GPUs",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					batch(t, "node-a", 60, busy(0, 10, 100, 200, "kim"), busy(1, 30, 200, 200, "kim"), idle(2)),
					batch(t, "node-a", 120, busy(0, 20, 0, 200, "kim"), busy(1, 40, 300, 200, "kim"), busy(2, 60, 400, 200, "kim")),
				}
			},
			// Utilization over the five (batch, GPU) pairs; power over the four that report it.
			want: []want{{node: "node-a", pid: 200, user: "kim", owner: "kim", start: 60, end: 180, gpus: []int{0, 1, 2},
				util: (0.1 + 0.3 + 0.2 + 0.4 + 0.6) / 5, power: (100 + 200 + 300 + 400) / 4.0, samples: 2, open: true}},
		},
		{
			name: "two processes sharing a GPU each get its readings",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{batch(t, "node-a", 60, gs{idx: 0, util: 80, power: 300, procs: []proc{{2, "lee"}, {1, "kim"}}})}
			},
			want: []want{
				{node: "node-a", pid: 1, user: "kim", owner: "kim", start: 60, end: 120, gpus: []int{0}, util: 0.8, power: 300, samples: 1, open: true},
				{node: "node-a", pid: 2, user: "lee", owner: "lee", start: 60, end: 120, gpus: []int{0}, util: 0.8, power: 300, samples: 1, open: true},
			},
		},
		{
			name: "batches delivered twice: same id, and same node and time under another id",
			evs: func(t *testing.T) []events.Event {
				first := batch(t, "node-a", 60, kim(0, 50, 200))
				return []events.Event{
					first, first,
					batchID(t, "other-id", "node-a", 60, 60, kim(0, 99, 999)),
					batch(t, "node-a", 120, kim(0, 70, 400)),
				}
			},
			want:  []want{{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 60, end: 180, gpus: []int{0}, util: 0.6, power: 300, samples: 2, open: true}},
			stats: func(s projection.Stats) bool { return s.Duplicates == 2 && s.Batches == 2 && s.OutOfOrder == 0 },
		},
		{
			name: "batches delivered out of order",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					batch(t, "node-a", 180, kim(0, 90, 400)), batch(t, "node-a", 60, kim(0, 50, 200)),
					batch(t, "node-a", 120, kim(0, 70, 300)),
				}
			},
			want:  []want{{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 60, end: 240, gpus: []int{0}, util: 0.7, power: 300, samples: 3, open: true}},
			stats: func(s projection.Stats) bool { return s.OutOfOrder == 2 && s.Batches == 3 },
		},
		{
			name: "a process on two nodes is two jobs",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					batch(t, "node-b", 60, busy(0, 50, 300, 300, "kim")), batch(t, "node-a", 60, busy(3, 70, 500, 300, "kim")),
				}
			},
			want: []want{
				{node: "node-a", pid: 300, user: "kim", owner: "kim", start: 60, end: 120, gpus: []int{3}, util: 0.7, power: 500, samples: 1, open: true},
				{node: "node-b", pid: 300, user: "kim", owner: "kim", start: 60, end: 120, gpus: []int{0}, util: 0.5, power: 300, samples: 1, open: true},
			},
		},
		{
			name: "lateness window: batches behind the fold are dropped",
			opt:  projection.Options{MaxLateness: 2 * time.Minute},
			evs: func(t *testing.T) []events.Event {
				var evs []events.Event
				for s := 60.0; s <= 600; s += 60 {
					evs = append(evs, batch(t, "node-a", s, kim(0, 50, 200)))
				}
				// Folded up to 420 (600 - 120 = 480 is the cut): 300 is too late, 540 is buffered.
				return append(evs,
					batchID(t, "late-300", "node-a", 300, 60, kim(0, 99, 999)),
					batchID(t, "dup-540", "node-a", 540, 60, kim(0, 99, 999)))
			},
			want:  []want{{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 60, end: 660, gpus: []int{0}, util: 0.5, power: 200, samples: 10, open: true}},
			stats: func(s projection.Stats) bool { return s.TooLate == 1 && s.Duplicates == 1 && s.Batches == 10 },
		},
		{
			name: "interval change: the end uses the last batch's interval, the gap the previous one",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					batchID(t, "a", "node-a", 60, 60, kim(0, 50, 200)),
					batchID(t, "b", "node-a", 300, 10, kim(0, 50, 200)), // 300 - 60 - 60 = 180: bridged
					batchID(t, "c", "node-a", 350, 10, kim(0, 50, 200)), // 350 - 300 - 10 = 40 > 30: split
				}
			},
			want: []want{
				{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 60, end: 310, gpus: []int{0}, util: 0.5, power: 200, samples: 2},
				{node: "node-a", pid: 100, user: "kim", owner: "kim", start: 350, end: 360, gpus: []int{0}, util: 0.5, power: 200, samples: 1, open: true},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := projection.New(c.opt)
			for _, e := range c.evs(t) {
				if err := p.Add(e); err != nil {
					t.Fatal(err)
				}
			}
			jobs, st := p.Jobs()
			checkJobs(t, jobs, c.want, 1e-6)
			if c.stats != nil && !c.stats(st) {
				t.Errorf("stats %+v", st)
			}
			// Asking again gives the same answer: Jobs folds a copy.
			again, _ := p.Jobs()
			checkJobs(t, again, c.want, 1e-6)
		})
	}
}

func TestOwners(t *testing.T) {
	type tc struct {
		name string
		opt  projection.Options
		evs  func(t *testing.T) []events.Event
		want []want
	}
	cases := []tc{
		{
			name: "owner at the start wins over a change mid-job",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					inventory(t, "node-a", "lab-1", "H100", 2),
					assign(t, "a1", "alice", "vision", "node-a", 0),
					batch(t, "node-a", 60, busy(0, 50, 300, 100, "kim")),
					assign(t, "a2", "bob", "nlp", "node-a", 90),
					batch(t, "node-a", 120, busy(0, 50, 300, 100, "kim"), busy(1, 50, 300, 101, "lee")),
				}
			},
			want: []want{
				{node: "node-a", pid: 100, user: "kim", owner: "alice", group: "vision", owned: true, start: 60, end: 180, gpus: []int{0}, util: 0.5, power: 300, samples: 2, open: true},
				{node: "node-a", pid: 101, user: "lee", owner: "bob", group: "nlp", owned: true, start: 120, end: 180, gpus: []int{1}, util: 0.5, power: 300, samples: 1, open: true},
			},
		},
		{
			name: "ownership arriving after the samples still applies by its time",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					batch(t, "node-a", 60, busy(0, 50, 300, 100, "kim")),
					assignUUIDs(t, "a1", "alice", "node-a", 0, uuid("node-a", 0)),
					assignUUIDs(t, "a2", "bob", "node-a", 61, uuid("node-a", 0)),
				}
			},
			want: []want{{node: "node-a", pid: 100, user: "kim", owner: "alice", owned: true, start: 60, end: 120, gpus: []int{0}, util: 0.5, power: 300, samples: 1, open: true}},
		},
		{
			name: "most GPUs win; a tie goes to the lowest GPU index",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					assign(t, "a1", "alice", "", "node-a", 0, 0, 3),
					assign(t, "a2", "bob", "", "node-a", 0, 1, 2),
					batch(t, "node-a", 60, busy(0, 50, 300, 1, "kim"), busy(1, 50, 300, 1, "kim"), busy(2, 50, 300, 1, "kim"),
						busy(3, 50, 300, 2, "lee"), busy(1, 50, 300, 3, "lee")), // pid 3 shares GPU 1 with pid 1
					batch(t, "node-a", 120, busy(2, 50, 300, 4, "kim"), busy(0, 50, 300, 4, "kim")),
				}
			},
			want: []want{
				{node: "node-a", pid: 1, user: "kim", owner: "bob", owned: true, start: 60, end: 120, gpus: []int{0, 1, 2}, util: 0.5, power: 300, samples: 1, open: true},
				{node: "node-a", pid: 2, user: "lee", owner: "alice", owned: true, start: 60, end: 120, gpus: []int{3}, util: 0.5, power: 300, samples: 1, open: true},
				{node: "node-a", pid: 3, user: "lee", owner: "bob", owned: true, start: 60, end: 120, gpus: []int{1}, util: 0.5, power: 300, samples: 1, open: true},
				{node: "node-a", pid: 4, user: "kim", owner: "alice", owned: true, start: 120, end: 180, gpus: []int{0, 2}, util: 0.5, power: 300, samples: 1, open: true},
			},
		},
		{
			name: "release returns GPUs to the process's user; a release by a non-holder does nothing",
			evs: func(t *testing.T) []events.Event {
				return []events.Event{
					inventory(t, "node-a", "lab-1", "H100", 2),
					assign(t, "a1", "alice", "", "node-a", 0),
					release(t, "r1", "alice", "node-a", 100, uuid("node-a", 0)),
					release(t, "r2", "carol", "node-a", 100, uuid("node-a", 1)),
					batch(t, "node-a", 120, busy(0, 50, 300, 1, "kim"), busy(1, 50, 300, 2, "lee")),
				}
			},
			want: []want{
				{node: "node-a", pid: 1, user: "kim", owner: "kim", start: 120, end: 180, gpus: []int{0}, util: 0.5, power: 300, samples: 1, open: true},
				{node: "node-a", pid: 2, user: "lee", owner: "alice", owned: true, start: 120, end: 180, gpus: []int{1}, util: 0.5, power: 300, samples: 1, open: true},
			},
		},
		{
			name: "no owner and no user",
			opt:  projection.Options{UnknownOwner: "nobody"},
			evs: func(t *testing.T) []events.Event {
				return []events.Event{batch(t, "node-a", 60, busy(0, 50, 300, 7, ""))}
			},
			want: []want{{node: "node-a", pid: 7, owner: "nobody", start: 60, end: 120, gpus: []int{0}, util: 0.5, power: 300, samples: 1, open: true}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := projection.New(c.opt)
			for _, e := range c.evs(t) {
				if err := p.Add(e); err != nil {
					t.Fatal(err)
				}
			}
			jobs, _ := p.Jobs()
			checkJobs(t, jobs, c.want, 1e-6)
		})
	}
}

func TestWorkload(t *testing.T) {
	p := projection.New(projection.Options{})
	for _, e := range []events.Event{
		assign(t, "a1", "alice", "vision", "node-b", 0),
		batch(t, "node-b", 120, busy(0, 50, 300, 9, "kim"), busy(1, 50, 300, 9, "kim")),
		batch(t, "node-a", 60, busy(0, 25, 0, 5, "lee")),
		batch(t, "node-a", 120, busy(0, 75, 0, 5, "lee")),
		batch(t, "node-c", 60, busy(0, 100, 700, 5, "kim")),
	} {
		if err := p.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	w, st := p.Workload()
	// Sorted by start, node, pid: (60 node-a 5 lee), (60 node-c 5 kim), (120 node-b 9 alice).
	if !slices.Equal(w.Owners, []string{"lee", "kim", "alice"}) || !slices.Equal(w.Groups, []string{"vision"}) {
		t.Fatalf("owners %q groups %q", w.Owners, w.Groups)
	}
	if !st.Epoch.Equal(at(60)) {
		t.Fatalf("epoch %v, want the earliest start", st.Epoch)
	}
	type wj struct {
		id           string
		owner, group int32
		submit, dur  float64
		gpus         int32
		util, powerW float64
	}
	wants := []wj{
		{events.DeriveID("gpuplan.projection", "node-a", "5", "2026-01-05T00:01:00Z"), 0, -1, 0, 120, 1, 0.5, 0},
		{events.DeriveID("gpuplan.projection", "node-c", "5", "2026-01-05T00:01:00Z"), 1, -1, 0, 60, 1, 1, 700},
		{events.DeriveID("gpuplan.projection", "node-b", "9", "2026-01-05T00:02:00Z"), 2, 0, 60, 60, 2, 0.5, 300},
	}
	if len(w.Jobs) != len(wants) {
		t.Fatalf("%d jobs", len(w.Jobs))
	}
	for i, x := range wants {
		j := w.Jobs[i]
		if j.ID != x.id || j.Owner != x.owner || j.Group != x.group || j.Submit != x.submit || j.Duration != x.dur ||
			j.GPUs != x.gpus || math.Abs(j.Util-x.util) > 1e-6 || math.Abs(j.PowerW-x.powerW) > 1e-6 {
			t.Errorf("job %d: %+v, want %+v", i, j, x)
		}
	}
	// An explicit epoch shifts the submit times.
	w2, _ := projection.New(projection.Options{}).Workload()
	if len(w2.Jobs) != 0 || len(w2.Owners) != 0 {
		t.Fatalf("empty projector gave %+v", w2)
	}
	jobs, _ := p.Jobs()
	w3, ep := projection.ToWorkload(jobs, t0)
	if !ep.Equal(t0) || w3.Jobs[2].Submit != 120 {
		t.Fatalf("epoch %v submit %v", ep, w3.Jobs[2].Submit)
	}
}

func TestFinishedEvents(t *testing.T) {
	p := projection.New(projection.Options{})
	for _, e := range []events.Event{
		inventory(t, "node-a", "lab-1", "H100", 2),
		assign(t, "a1", "alice", "vision", "node-a", 0),
		batch(t, "node-a", 60, busy(0, 50, 300, 1, "kim"), busy(1, 80, 500, 2, "kim")),
		batch(t, "node-a", 120, busy(1, 80, 500, 2, "kim")),
		batch(t, "node-a", 180, busy(1, 80, 500, 2, "kim")),
		batch(t, "node-a", 240, busy(1, 80, 500, 2, "kim")),
		batch(t, "node-a", 300, busy(1, 80, 500, 2, "kim")),
		batch(t, "node-a", 360, busy(1, 80, 500, 2, "kim")), // pid 1: 360 - 60 - 60 > 3 x 60, finished
	} {
		if err := p.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	jobs, st := p.Jobs()
	if st.Jobs != 2 || st.Open != 1 {
		t.Fatalf("stats %+v", st)
	}
	evs, err := projection.FinishedEvents(jobs, "projection")
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1 (the open job is left out)", len(evs))
	}
	e := evs[0]
	f, err := events.DecodeAs[events.JobFinished](e)
	if err != nil {
		t.Fatal(err)
	}
	jobID := events.DeriveID("gpuplan.projection", "node-a", "1", "2026-01-05T00:01:00Z")
	if e.ID != events.DeriveID("job.finished", jobID) || !e.Time.Equal(at(120)) || e.Source != "projection" {
		t.Errorf("envelope %+v", e)
	}
	if f.JobID != jobID || f.Owner != "alice" || f.Group != "vision" || f.User != "kim" || f.GPUs != 1 ||
		!slices.Equal(f.GPUUUIDs, []string{uuid("node-a", 0)}) || f.GPUType != "H100" || f.PID != 1 ||
		!f.Start.Equal(at(60)) || !f.End.Equal(at(120)) || f.MeanUtil != 0.5 || f.MeanPowerW != 300 ||
		f.Source != events.JobSourceProjection || !slices.Equal(f.Nodes, []string{"node-a"}) || f.Site != "lab-1" {
		t.Errorf("payload %+v", f)
	}
}

func TestAddErrors(t *testing.T) {
	p := projection.New(projection.Options{})
	bad := []events.Event{
		{V: 1, ID: "x1", Kind: events.KindGPUSampleBatch, Time: t0, Data: []byte(`{"node":"","interval_s":60}`)},
		{V: 1, ID: "x2", Kind: events.KindGPUSampleBatch, Time: t0, Data: []byte(`{"node":"a","interval_s":1e30}`)},
		{V: 1, ID: "x3", Kind: events.KindGPUSampleBatch, Time: time.Date(2400, 1, 1, 0, 0, 0, 0, time.UTC), Data: []byte(`{"node":"a","interval_s":60}`)},
		{V: 1, ID: "x4", Kind: events.KindOwnershipAssigned, Time: t0, Data: []byte(`{"owner":"alice"}`)},
		{V: 1, ID: "x5", Kind: events.KindGPUInventory, Time: t0, Data: []byte(`[]`)},
		// Readings outside the schema's bounds, published raw: refused, not clamped.
		{V: 1, ID: "x6", Kind: events.KindGPUSampleBatch, Time: at(60), Data: []byte(`{"node":"node-a","interval_s":60,"gpus":[{"index":0,"util_pct":150,"processes":[{"pid":5,"user":"kim"}]}]}`)},
		{V: 1, ID: "x7", Kind: events.KindGPUSampleBatch, Time: at(60), Data: []byte(`{"node":"node-a","interval_s":60,"gpus":[{"index":0,"power_w":1e9,"processes":[{"pid":5,"user":"kim"}]}]}`)},
		{V: 1, ID: "x8", Kind: events.KindJobRetracted, Time: t0, Data: []byte(`{"reason":"no job"}`)},
	}
	for _, e := range bad {
		if err := p.Add(e); !errors.Is(err, projection.ErrMalformed) {
			t.Errorf("%s: error %v, want ErrMalformed", e.ID, err)
		}
	}
	ok := []events.Event{
		{V: 1, ID: "y1", Kind: events.KindPlannerRun, Time: t0, Data: []byte(`{}`)},
		{V: 1, ID: "y2", KindName: "gpu.fans", Time: t0, Data: []byte(`{}`)},
		batch(t, "node-a", 60, gs{idx: 0, util: 100, power: 0, procs: []proc{{0, "kim"}, {5, "kim"}}}),
	}
	for _, e := range ok {
		if err := p.Add(e); err != nil {
			t.Errorf("%s: %v", e.ID, err)
		}
	}
	jobs, st := p.Jobs()
	if st.Malformed != len(bad) || st.Ignored != 2 || st.BadProcesses != 1 || st.Events != len(bad)+len(ok) {
		t.Errorf("stats %+v", st)
	}
	checkJobs(t, jobs, []want{{node: "node-a", pid: 5, user: "kim", owner: "kim", start: 60, end: 120, gpus: []int{0}, util: 1, power: 0, samples: 1, open: true}}, 1e-9)
}

// A payload with the gpus key twice is decoded as encoding/json decodes it: the second array is
// merged into the elements of the first.
func TestRepeatedKeys(t *testing.T) {
	p := projection.New(projection.Options{})
	e := events.Event{V: 1, ID: "r", Kind: events.KindGPUSampleBatch, Time: at(60),
		Data: []byte(`{"node":"node-a","interval_s":60,"gpus":[{"index":3,"power_w":200,"processes":[{"pid":5,"user":"kim"}]}],"gpus":[{"util_pct":50}]}`)}
	if err := p.Add(e); err != nil {
		t.Fatal(err)
	}
	jobs, _ := p.Jobs()
	checkJobs(t, jobs, []want{{node: "node-a", pid: 5, user: "kim", owner: "kim", start: 60, end: 120, gpus: []int{3}, util: 0.5, power: 200, samples: 1, open: true}}, 1e-9)
}
