package projection_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events"
)

// t0 is the time origin of the hand-built streams; times in tests are seconds after it.
var t0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * 1e9)) }

type proc struct {
	pid  int
	user string
}

// gs is one GPU of a sample batch.
type gs struct {
	idx   int
	util  float64 // percent
	power float64
	procs []proc
}

func uuid(node string, idx int) string { return "GPU-" + node + "-" + strconv.Itoa(idx) }

// batch builds a 60 s sample batch of node at s seconds, with an id from node and time.
func batch(t testing.TB, node string, s float64, gpus ...gs) events.Event {
	t.Helper()
	return batchID(t, events.DeriveID("test", node, strconv.FormatFloat(s, 'g', -1, 64)), node, s, 60, gpus...)
}

func batchID(t testing.TB, id, node string, s, interval float64, gpus ...gs) events.Event {
	t.Helper()
	b := events.GPUSampleBatch{Node: node, Site: "lab-1", IntervalS: interval}
	for _, g := range gpus {
		smp := events.GPUSample{Index: g.idx, UUID: uuid(node, g.idx), UtilPct: g.util, PowerW: g.power}
		for _, p := range g.procs {
			smp.Processes = append(smp.Processes, events.GPUProcess{PID: p.pid, User: p.user})
		}
		b.GPUs = append(b.GPUs, smp)
	}
	e, err := events.New(events.KindGPUSampleBatch, id, node, at(s), b)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func assign(t testing.TB, id, owner, group, node string, s float64, idx ...int) events.Event {
	t.Helper()
	e, err := events.New(events.KindOwnershipAssigned, id, "admin", at(s),
		events.OwnershipAssigned{Owner: owner, Group: group, Node: node, GPUIndices: idx})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func assignUUIDs(t testing.TB, id, owner, node string, s float64, uuids ...string) events.Event {
	t.Helper()
	e, err := events.New(events.KindOwnershipAssigned, id, "admin", at(s),
		events.OwnershipAssigned{Owner: owner, Node: node, GPUUUIDs: uuids})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func release(t testing.TB, id, owner, node string, s float64, uuids ...string) events.Event {
	t.Helper()
	e, err := events.New(events.KindOwnershipReleased, id, "admin", at(s),
		events.OwnershipReleased{Owner: owner, Node: node, GPUUUIDs: uuids})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func inventory(t testing.TB, node, site, model string, n int) events.Event {
	t.Helper()
	inv := events.GPUInventory{Node: node, Site: site}
	for i := range n {
		inv.GPUs = append(inv.GPUs, events.GPUInfo{Index: i, UUID: uuid(node, i), Name: "NVIDIA " + model, Model: model})
	}
	e, err := events.New(events.KindGPUInventory, events.DeriveID("inv", node), node, t0, inv)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// busy is one GPU running one process.
func busy(idx int, util, power float64, pid int, user string) gs {
	return gs{idx: idx, util: util, power: power, procs: []proc{{pid, user}}}
}

// idle is one GPU with no process.
func idle(idx int) gs { return gs{idx: idx, util: 0, power: 60} }
