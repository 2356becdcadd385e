package fakenode

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxb200"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh200"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/gpus"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"

	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/events"
)

// model holds the illustrative figures of one mock server's GPUs.
type model struct {
	newServer                  func(...gpus.Config) *server.Server
	gpu                        gpus.Config
	tdpW, minW, idleW          float64
	smBoostMHz, memMHz, idleSM int
}

var models = map[string]model{
	"dgxa100": {dgxa100.NewWithGPUs, gpus.A100_SXM4_40GB, 400, 100, 50, 1410, 1215, 210},
	"dgxh100": {dgxh100.NewWithGPUs, gpus.H100_SXM5_80GB, 700, 200, 70, 1980, 2619, 345},
	"dgxh200": {dgxh200.NewWithGPUs, gpus.H200_SXM5_141GB, 700, 200, 75, 1980, 3201, 345},
	"dgxb200": {dgxb200.NewWithGPUs, gpus.B200_SXM5_180GB, 1000, 200, 120, 1965, 3996, 345},
}

// Models returns the names Options.Model accepts.
func Models() []string {
	names := make([]string, 0, len(models))
	for n := range models {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Defaults of Options.
const (
	DefaultModel       = "dgxh100"
	DefaultGPUs        = 8 // as in the DGX servers the models are named after
	MaxGPUs            = 64
	DefaultHorizon     = 24 * time.Hour
	DefaultMeanGap     = 10 * time.Minute
	DefaultMeanRuntime = time.Hour
	DefaultMinRuntime  = 5 * time.Minute
)

// DefaultUsers own the generated jobs when Options.Users is empty.
var DefaultUsers = []string{"kim", "lee", "park", "choi"}

// Options describe a fake node. The zero value is a DGX H100 with a day of work from the zero
// time; set Epoch to where the clock will be.
type Options struct {
	Model string // a name from Models; "" means DefaultModel
	// GPUs is how many GPUs of the model the node has, 1..MaxGPUs; 0 means DefaultGPUs. A lab
	// workstation with two GPUs is as much a node as a DGX.
	GPUs int
	// Product, if set, is the name the GPUs report (nvmlDeviceGetName) instead of the mock's.
	Product string
	Name    string // node name, which makes the GPU UUIDs differ between nodes
	Seed    uint64
	Epoch   time.Time // the workload's time 0
	// Horizon bounds job starts after Epoch; 0 means DefaultHorizon.
	Horizon time.Duration
	// MeanGap between job arrivals and MeanRuntime of a job (exponential); MinRuntime is the
	// shortest job. 0 means the defaults.
	MeanGap, MeanRuntime, MinRuntime time.Duration
	Users                            []string
	// Clock gives the time readings are taken at; nil means time.Now.
	Clock func() time.Time
	// Jobs, if set, is the workload as is (GPUs must be valid indices); no jobs are generated.
	Jobs []Job
}

// Job is one process of the workload.
type Job struct {
	JobID    string // scheduler job id (reported as from Slurm's cgroup)
	PID      int
	User     string
	GPUs     []int
	Start    time.Time
	End      time.Time
	UtilPct  float64 // per GPU, 0..100; NVML reports whole percents, so readings are rounded
	PowerW   float64 // per GPU; read in whole milliwatts
	MemBytes uint64  // per GPU
}

// Node is a fake GPU node.
type Node struct {
	opt   Options
	m     model
	srv   *server.Server
	lib   *lib
	byGPU [][]int // job indexes per GPU, by start
	// cum[g][k] is the energy above idle, in J, of GPU g's first k jobs: readings at a time
	// integrate in O(log jobs), not O(jobs), which matters over weeks of virtual time.
	cum    [][]float64
	clock  func() time.Time
	mu     sync.Mutex
	reset  []time.Time   // per GPU: last energy reset (zero: none)
	memo   []runMemo     // per GPU: the last answer of running
	offset []float64     // per GPU: counter value at the epoch, mJ
	byPID  map[int][]int // job indexes per pid, by start (a pid is reused after its job ends)
}

// New builds the node and its workload.
func New(opt Options) (*Node, error) {
	if opt.Model == "" {
		opt.Model = DefaultModel
	}
	m, ok := models[opt.Model]
	if !ok {
		return nil, fmt.Errorf("fakenode: unknown model %q (known: %v)", opt.Model, Models())
	}
	opt.Horizon = cmp.Or(opt.Horizon, DefaultHorizon)
	opt.MeanGap = cmp.Or(opt.MeanGap, DefaultMeanGap)
	opt.MeanRuntime = cmp.Or(opt.MeanRuntime, DefaultMeanRuntime)
	opt.MinRuntime = cmp.Or(opt.MinRuntime, DefaultMinRuntime)
	if len(opt.Users) == 0 {
		opt.Users = DefaultUsers
	}
	ngpu := cmp.Or(opt.GPUs, DefaultGPUs)
	if ngpu < 1 || ngpu > MaxGPUs {
		return nil, fmt.Errorf("fakenode: %d GPUs (want 1..%d)", opt.GPUs, MaxGPUs)
	}
	n := &Node{opt: opt, m: m, srv: m.newServer(gpus.Multiple(ngpu, m.gpu)...), clock: opt.Clock, byPID: map[int][]int{}}
	if n.clock == nil {
		n.clock = time.Now
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x6670_6e6f_6465)) // "fpnode"
	if opt.Jobs == nil {
		opt.Jobs = n.generate(rng, ngpu)
		n.opt.Jobs = opt.Jobs
	}
	n.byGPU = make([][]int, ngpu)
	for i, j := range opt.Jobs {
		for _, g := range j.GPUs {
			if g < 0 || g >= ngpu {
				return nil, fmt.Errorf("fakenode: job %s uses GPU %d of %d", j.JobID, g, ngpu)
			}
			n.byGPU[g] = append(n.byGPU[g], i)
		}
		n.byPID[j.PID] = append(n.byPID[j.PID], i)
	}
	byStart := func(a, b int) int { return opt.Jobs[a].Start.Compare(opt.Jobs[b].Start) }
	n.cum = make([][]float64, ngpu)
	for g := range n.byGPU {
		slices.SortStableFunc(n.byGPU[g], byStart)
		n.cum[g] = make([]float64, len(n.byGPU[g])+1)
		for k, i := range n.byGPU[g] {
			j := &opt.Jobs[i]
			if k > 0 {
				if prev := &opt.Jobs[n.byGPU[g][k-1]]; prev.End.After(j.Start) {
					return nil, fmt.Errorf("fakenode: jobs %s and %s overlap on GPU %d", prev.JobID, j.JobID, g)
				}
			}
			if j.End.Before(j.Start) {
				return nil, fmt.Errorf("fakenode: job %s ends before it starts", j.JobID)
			}
			n.cum[g][k+1] = n.cum[g][k] + (j.PowerW-m.idleW)*j.End.Sub(j.Start).Seconds()
		}
	}
	for _, idx := range n.byPID {
		slices.SortStableFunc(idx, byStart)
	}
	n.reset = make([]time.Time, ngpu)
	n.memo = make([]runMemo, ngpu)
	n.offset = make([]float64, ngpu)
	n.lib = &lib{Server: n.srv}
	for i, d := range n.srv.Devices {
		n.offset[i] = math.Round(rng.Float64() * 5e9) // up to ~58 days at 1 kW since driver load
		n.wire(i, d.(*server.Device))
		n.lib.devs = append(n.lib.devs, device{d.(*server.Device)})
		if opt.Product != "" {
			d.(*server.Device).Config.Name = opt.Product
		}
	}
	return n, nil
}

// generate draws jobs: Poisson arrivals, each asking for 1, 2, 4 or 8 GPUs, started on the
// lowest free GPUs or dropped when too few are free.
func (n *Node) generate(rng *rand.Rand, ngpu int) []Job {
	sizes := []int{1, 1, 1, 2, 2, 4, 8}
	freeAt := make([]time.Time, ngpu)
	var jobs []Job
	t := n.opt.Epoch
	for k := 0; ; k++ {
		t = t.Add(time.Duration(rng.ExpFloat64() * float64(n.opt.MeanGap)))
		if t.Sub(n.opt.Epoch) >= n.opt.Horizon {
			return jobs
		}
		size := min(sizes[rng.IntN(len(sizes))], ngpu)
		dur := max(time.Duration(rng.ExpFloat64()*float64(n.opt.MeanRuntime)), n.opt.MinRuntime).Round(time.Second)
		util := math.Round(40 + 60*rng.Float64())
		memFrac := 0.2 + 0.7*rng.Float64()
		user := n.opt.Users[rng.IntN(len(n.opt.Users))]
		var gpus []int
		for g := range ngpu {
			if len(gpus) < size && !freeAt[g].After(t) {
				gpus = append(gpus, g)
			}
		}
		if len(gpus) < size {
			continue
		}
		j := Job{JobID: strconv.Itoa(1000 + k), PID: 4000 + 7*k, User: user, GPUs: gpus, Start: t, End: t.Add(dur),
			UtilPct: util, PowerW: math.Round(n.m.idleW + util/100*(0.9*n.m.tdpW-n.m.idleW)),
			MemBytes: uint64(memFrac * float64(n.srv.Devices[0].(*server.Device).MemoryInfo.Total))}
		for _, g := range gpus {
			freeAt[g] = j.End
		}
		jobs = append(jobs, j)
	}
}

// GPUUUID is the UUID of GPU i of the node of that model, name and seed.
func GPUUUID(model, name string, seed uint64, i int) string {
	id := events.DeriveID("gpuplan.fakenode", cmp.Or(model, DefaultModel), name, strconv.FormatUint(seed, 10), strconv.Itoa(i))
	return fmt.Sprintf("GPU-%s-%s-%s-%s-%s", id[:8], id[8:12], id[12:16], id[16:20], id[20:32])
}

// GPUMemory returns the memory of one GPU of the model, in bytes (0 for an unknown model).
func GPUMemory(model string) uint64 {
	return models[cmp.Or(model, DefaultModel)].gpu.MemoryMB << 20
}

// Lib returns the node as an NVML library, for nvmlsource.Open.
//
// go-nvml's mocks record every call with its arguments, which grows without bound in a
// collector that runs for days; the library and devices handed out here call the mock's
// functions directly for every call that has arguments, so nothing accumulates.
func (n *Node) Lib() nvml.Interface { return n.lib }

// Device returns GPU i's mock device, to change its behaviour in tests.
func (n *Node) Device(i int) *server.Device { return n.srv.Devices[i].(*server.Device) }

type lib struct {
	*server.Server
	devs []nvml.Device
}

func (l *lib) DeviceGetCount() (int, nvml.Return)            { return len(l.devs), nvml.SUCCESS }
func (l *lib) SystemGetDriverVersion() (string, nvml.Return) { return l.SystemGetDriverVersionFunc() }
func (l *lib) SystemGetCudaDriverVersion() (int, nvml.Return) {
	return l.SystemGetCudaDriverVersionFunc()
}

func (l *lib) DeviceGetHandleByIndex(i int) (nvml.Device, nvml.Return) {
	if i < 0 || i >= len(l.devs) {
		return nil, nvml.ERROR_INVALID_ARGUMENT
	}
	return l.devs[i], nvml.SUCCESS
}

// device calls the mock's functions directly: besides the calls with arguments, whose records
// grow, this skips the mock's lock and call record on the calls a sample and an inventory make,
// a large part of a fake sample's cost when the demo samples a fleet for weeks of virtual time.
type device struct{ *server.Device }

func (d device) GetName() (string, nvml.Return)          { return d.GetNameFunc() }
func (d device) GetPciInfo() (nvml.PciInfo, nvml.Return) { return d.GetPciInfoFunc() }
func (d device) GetMigMode() (int, int, nvml.Return)     { return d.GetMigModeFunc() }
func (d device) GetPowerManagementDefaultLimit() (uint32, nvml.Return) {
	return d.GetPowerManagementDefaultLimitFunc()
}
func (d device) GetPowerManagementLimitConstraints() (uint32, uint32, nvml.Return) {
	return d.GetPowerManagementLimitConstraintsFunc()
}
func (d device) GetUUID() (string, nvml.Return) { return d.GetUUIDFunc() }
func (d device) GetUtilizationRates() (nvml.Utilization, nvml.Return) {
	return d.GetUtilizationRatesFunc()
}
func (d device) GetMemoryInfo() (nvml.Memory, nvml.Return)    { return d.GetMemoryInfoFunc() }
func (d device) GetPowerUsage() (uint32, nvml.Return)         { return d.GetPowerUsageFunc() }
func (d device) GetEnforcedPowerLimit() (uint32, nvml.Return) { return d.GetEnforcedPowerLimitFunc() }
func (d device) GetTotalEnergyConsumption() (uint64, nvml.Return) {
	return d.GetTotalEnergyConsumptionFunc()
}
func (d device) GetCurrentClocksEventReasons() (uint64, nvml.Return) {
	return d.GetCurrentClocksEventReasonsFunc()
}
func (d device) GetComputeRunningProcesses() ([]nvml.ProcessInfo, nvml.Return) {
	return d.GetComputeRunningProcessesFunc()
}

func (d device) GetClockInfo(c nvml.ClockType) (uint32, nvml.Return) { return d.GetClockInfoFunc(c) }

func (d device) GetTemperature(s nvml.TemperatureSensors) (uint32, nvml.Return) {
	return d.GetTemperatureFunc(s)
}

func (d device) GetProcessUtilization(since uint64) ([]nvml.ProcessUtilizationSample, nvml.Return) {
	return d.GetProcessUtilizationFunc(since)
}

// Procs returns the attribution of the workload's processes (what /proc would say at the
// clock's time: a pid reused by a later job belongs to that job from its start).
func (n *Node) Procs() collectors.ProcReader { return procReader{n} }

// Jobs returns the workload.
func (n *Node) Jobs() []Job { return slices.Clone(n.opt.Jobs) }

// UUID returns GPU i's UUID.
func (n *Node) UUID(i int) string { return n.srv.Devices[i].(*server.Device).UUID }

// ResetEnergy makes GPU i's energy counter start again from 0 at the clock's current time.
func (n *Node) ResetEnergy(i int) {
	n.mu.Lock()
	n.reset[i] = n.clock()
	n.mu.Unlock()
}

type procReader struct{ n *Node }

func (p procReader) Proc(pid int) (collectors.Proc, bool) {
	idx := p.n.byPID[pid]
	t := p.n.clock()
	// The last job with this pid started by t; /proc keeps a process's entry a moment after it
	// leaves the GPU, so one that has ended is still reported.
	k := sort.Search(len(idx), func(i int) bool { return p.n.opt.Jobs[idx[i]].Start.After(t) }) - 1
	if k < 0 {
		return collectors.Proc{}, false
	}
	j := &p.n.opt.Jobs[idx[k]]
	return collectors.Proc{User: j.User, JobID: j.JobID,
		Cgroup: "/system.slice/slurmstepd.scope/job_" + j.JobID + "/step_0/user/task_0"}, true
}

// running returns the job on GPU g at t, or nil.
func (n *Node) running(g int, t time.Time) *Job {
	// A sample asks about the same GPU and time eight times (utilization, memory, power, ...).
	n.mu.Lock()
	defer n.mu.Unlock()
	if m := &n.memo[g]; m.ok && m.t.Equal(t) {
		return m.j
	}
	idx := n.byGPU[g]
	// The last job started at or before t is the only candidate: a GPU runs one job at a time.
	k := sort.Search(len(idx), func(i int) bool { return n.opt.Jobs[idx[i]].Start.After(t) }) - 1
	var j *Job
	if k >= 0 && t.Before(n.opt.Jobs[idx[k]].End) {
		j = &n.opt.Jobs[idx[k]]
	}
	n.memo[g] = runMemo{t: t, j: j, ok: true}
	return j
}

// runMemo is the last answer of running for one GPU.
type runMemo struct {
	t  time.Time
	j  *Job
	ok bool
}

// energyMJ integrates GPU g's power from the epoch to t.
func (n *Node) energyMJ(g int, t time.Time) float64 {
	if t.Before(n.opt.Epoch) {
		t = n.opt.Epoch
	}
	e := n.m.idleW * t.Sub(n.opt.Epoch).Seconds()
	idx := n.byGPU[g]
	// Jobs before the last one started by t have ended by its start (they do not overlap).
	k := sort.Search(len(idx), func(i int) bool { return !n.opt.Jobs[idx[i]].Start.Before(t) })
	if k > 0 {
		e += n.cum[g][k-1]
		j := &n.opt.Jobs[idx[k-1]]
		end := j.End
		if end.After(t) {
			end = t
		}
		e += (j.PowerW - n.m.idleW) * end.Sub(j.Start).Seconds()
	}
	return e * 1000
}

func (n *Node) counter(g int, t time.Time) uint64 {
	n.mu.Lock()
	r := n.reset[g]
	n.mu.Unlock()
	if !r.IsZero() {
		return uint64(math.Round(n.energyMJ(g, t) - n.energyMJ(g, r)))
	}
	return uint64(math.Round(n.offset[g] + n.energyMJ(g, t)))
}

// wire installs the readings of GPU i on its mock device.
func (n *Node) wire(i int, d *server.Device) {
	d.UUID = GPUUUID(n.opt.Model, n.opt.Name, n.opt.Seed, i)
	m := n.m
	d.GetPciInfoFunc = func() (nvml.PciInfo, nvml.Return) {
		p := nvml.PciInfo{PciDeviceId: d.Config.PciDeviceId, Bus: uint32(i)}
		for k, c := range []byte(d.PciBusID) {
			p.BusId[k] = int8(c)
		}
		return p, nvml.SUCCESS
	}
	d.GetMemoryInfoFunc = func() (nvml.Memory, nvml.Return) {
		mem := nvml.Memory{Total: d.MemoryInfo.Total}
		if j := n.running(i, n.clock()); j != nil {
			mem.Used = j.MemBytes
		}
		mem.Free = mem.Total - mem.Used
		return mem, nvml.SUCCESS
	}
	d.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) {
		if j := n.running(i, n.clock()); j != nil {
			return nvml.Utilization{Gpu: uint32(math.Round(j.UtilPct)), Memory: uint32(math.Round(j.UtilPct / 2))}, nvml.SUCCESS
		}
		return nvml.Utilization{}, nvml.SUCCESS
	}
	d.GetPowerUsageFunc = func() (uint32, nvml.Return) {
		if j := n.running(i, n.clock()); j != nil {
			return uint32(math.Round(j.PowerW * 1000)), nvml.SUCCESS
		}
		return uint32(m.idleW * 1000), nvml.SUCCESS
	}
	d.GetEnforcedPowerLimitFunc = func() (uint32, nvml.Return) { return uint32(m.tdpW * 1000), nvml.SUCCESS }
	d.GetPowerManagementDefaultLimitFunc = func() (uint32, nvml.Return) { return uint32(m.tdpW * 1000), nvml.SUCCESS }
	d.GetPowerManagementLimitConstraintsFunc = func() (uint32, uint32, nvml.Return) {
		return uint32(m.minW * 1000), uint32(m.tdpW * 1000), nvml.SUCCESS
	}
	d.GetTotalEnergyConsumptionFunc = func() (uint64, nvml.Return) { return n.counter(i, n.clock()), nvml.SUCCESS }
	d.GetTemperatureFunc = func(nvml.TemperatureSensors) (uint32, nvml.Return) {
		t := 30.0
		if j := n.running(i, n.clock()); j != nil {
			t += j.UtilPct / 2
		}
		return uint32(t), nvml.SUCCESS
	}
	d.GetClockInfoFunc = func(c nvml.ClockType) (uint32, nvml.Return) {
		busy := n.running(i, n.clock()) != nil
		switch {
		case c == nvml.CLOCK_MEM:
			return uint32(m.memMHz), nvml.SUCCESS
		case c == nvml.CLOCK_SM && busy:
			return uint32(m.smBoostMHz), nvml.SUCCESS
		case c == nvml.CLOCK_SM:
			return uint32(m.idleSM), nvml.SUCCESS
		}
		return 0, nvml.ERROR_NOT_SUPPORTED
	}
	d.GetCurrentClocksEventReasonsFunc = func() (uint64, nvml.Return) {
		if n.running(i, n.clock()) == nil {
			return nvml.ClocksEventReasonGpuIdle, nvml.SUCCESS
		}
		return 0, nvml.SUCCESS
	}
	d.GetComputeRunningProcessesFunc = func() ([]nvml.ProcessInfo, nvml.Return) {
		if j := n.running(i, n.clock()); j != nil {
			return []nvml.ProcessInfo{{Pid: uint32(j.PID), UsedGpuMemory: j.MemBytes}}, nvml.SUCCESS
		}
		return nil, nvml.SUCCESS
	}
	d.GetProcessUtilizationFunc = func(since uint64) ([]nvml.ProcessUtilizationSample, nvml.Return) {
		t := n.clock()
		if j := n.running(i, t); j != nil {
			return []nvml.ProcessUtilizationSample{{Pid: uint32(j.PID), TimeStamp: uint64(t.UnixMicro()), SmUtil: uint32(math.Round(j.UtilPct))}}, nvml.SUCCESS
		}
		return nil, nvml.ERROR_NOT_FOUND
	}
}
