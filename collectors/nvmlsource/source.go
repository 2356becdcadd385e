package nvmlsource

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/events"
)

// Source is a collectors.Source on an initialised NVML library. Close it to shut NVML down.
type Source struct {
	lib nvml.Interface

	mu     sync.Mutex
	devs   []nvml.Device
	lastTS map[int]uint64 // per device index: newest process-utilization timestamp seen
	closed bool
}

var _ collectors.Source = (*Source)(nil)

// Open initialises lib (nvml.New() for the real driver, a mock server in tests) and finds its
// GPUs. Without a working driver it returns an error wrapping collectors.ErrNoDriver.
func Open(lib nvml.Interface) (*Source, error) {
	if ret := lib.Init(); ret != nvml.SUCCESS {
		return nil, fmt.Errorf("%w: NVML init: %s", collectors.ErrNoDriver, ret.Error())
	}
	s := &Source{lib: lib, lastTS: map[int]uint64{}}
	if err := s.devices(); err != nil {
		lib.Shutdown()
		return nil, err
	}
	return s, nil
}

func (s *Source) devices() error {
	n, ret := s.lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return fmt.Errorf("nvmlsource: device count: %s", ret.Error())
	}
	devs := make([]nvml.Device, n)
	for i := range n {
		d, ret := s.lib.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			return fmt.Errorf("nvmlsource: GPU %d: handle: %s", i, ret.Error())
		}
		devs[i] = d
	}
	s.devs = devs
	return nil
}

// Close shuts NVML down; the Source is unusable afterwards.
func (s *Source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if ret := s.lib.Shutdown(); ret != nvml.SUCCESS {
		return fmt.Errorf("nvmlsource: shutdown: %s", ret.Error())
	}
	return nil
}

// Inventory implements collectors.Source. It looks the GPUs up again, so a changed set of
// GPUs shows here.
func (s *Source) Inventory() (events.GPUInventory, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return events.GPUInventory{}, fmt.Errorf("nvmlsource: closed")
	}
	if err := s.devices(); err != nil {
		return events.GPUInventory{}, err
	}
	var inv events.GPUInventory
	if v, ret := s.lib.SystemGetDriverVersion(); ret == nvml.SUCCESS {
		inv.DriverVersion = v
	}
	if v, ret := s.lib.SystemGetCudaDriverVersion(); ret == nvml.SUCCESS && v > 0 {
		inv.CUDAVersion = fmt.Sprintf("%d.%d", v/1000, v%1000/10)
	}
	var lost []string
	for i, d := range s.devs {
		g := events.GPUInfo{Index: i}
		var ret nvml.Return
		if g.UUID, ret = d.GetUUID(); ret != nvml.SUCCESS {
			// A GPU that fell off the bus (ERROR_GPU_IS_LOST) leaves the inventory; the others
			// are still worth reporting.
			lost = append(lost, fmt.Sprintf("GPU %d: UUID: %s", i, ret.Error()))
			continue
		}
		g.Name, _ = d.GetName()
		if m, ret := d.GetMemoryInfo(); ret == nvml.SUCCESS {
			g.MemoryBytes = m.Total
		}
		if p, ret := d.GetPciInfo(); ret == nvml.SUCCESS {
			g.PCIBusID = cString(p.BusId[:])
		}
		if mw, ret := d.GetEnforcedPowerLimit(); ret == nvml.SUCCESS {
			g.PowerLimitW = float64(mw) / 1000
		}
		if mw, ret := d.GetPowerManagementDefaultLimit(); ret == nvml.SUCCESS {
			// NVML has no TDP call; the default power limit is the board's rated power.
			g.DefaultPowerLimitW = float64(mw) / 1000
			g.TDPW = g.DefaultPowerLimitW
		}
		if lo, hi, ret := d.GetPowerManagementLimitConstraints(); ret == nvml.SUCCESS {
			g.MinPowerLimitW, g.MaxPowerLimitW = float64(lo)/1000, float64(hi)/1000
		}
		if cur, _, ret := d.GetMigMode(); ret == nvml.SUCCESS && cur == nvml.DEVICE_MIG_ENABLE {
			g.MIGMode = 1
			g.MIGDevices = s.migDevices(d)
		}
		inv.GPUs = append(inv.GPUs, g)
	}
	if len(inv.GPUs) == 0 && len(lost) > 0 {
		return inv, fmt.Errorf("nvmlsource: no GPU readable: %s", strings.Join(lost, "; "))
	}
	return inv, nil
}

func (s *Source) migDevices(d nvml.Device) []events.MIGDevice {
	n, ret := d.GetMaxMigDeviceCount()
	if ret != nvml.SUCCESS {
		return nil
	}
	var out []events.MIGDevice
	for i := range n {
		md, ret := d.GetMigDeviceHandleByIndex(i)
		if ret != nvml.SUCCESS {
			continue // an unused slot
		}
		m := events.MIGDevice{Index: i}
		m.UUID, _ = md.GetUUID()
		m.GPUInstanceID, _ = md.GetGpuInstanceId()
		m.ComputeInstanceID, _ = md.GetComputeInstanceId()
		if mem, ret := md.GetMemoryInfo(); ret == nvml.SUCCESS {
			m.MemoryBytes = mem.Total
		}
		out = append(out, m)
	}
	return out
}

// Sample implements collectors.Source.
func (s *Source) Sample() ([]events.GPUSample, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("nvmlsource: closed")
	}
	out := make([]events.GPUSample, 0, len(s.devs))
	var lost []string
	for i, d := range s.devs {
		g := events.GPUSample{Index: i}
		var ret nvml.Return
		if g.UUID, ret = d.GetUUID(); ret != nvml.SUCCESS {
			// Left out of the batch: the collector sees fewer GPUs than its inventory and
			// reads the inventory again.
			lost = append(lost, fmt.Sprintf("GPU %d: UUID: %s", i, ret.Error()))
			continue
		}
		if u, ret := d.GetUtilizationRates(); ret == nvml.SUCCESS {
			g.UtilPct, g.MemUtilPct = float64(u.Gpu), float64(u.Memory)
		}
		if m, ret := d.GetMemoryInfo(); ret == nvml.SUCCESS {
			g.MemUsedBytes, g.MemTotalBytes = m.Used, m.Total
		}
		if mw, ret := d.GetPowerUsage(); ret == nvml.SUCCESS {
			g.PowerW = float64(mw) / 1000
		}
		if mw, ret := d.GetEnforcedPowerLimit(); ret == nvml.SUCCESS {
			g.PowerLimitW = float64(mw) / 1000
		}
		if mj, ret := d.GetTotalEnergyConsumption(); ret == nvml.SUCCESS {
			g.EnergyMJ = mj
		}
		if t, ret := d.GetTemperature(nvml.TEMPERATURE_GPU); ret == nvml.SUCCESS {
			g.TempC = int(t)
		}
		if c, ret := d.GetClockInfo(nvml.CLOCK_SM); ret == nvml.SUCCESS {
			g.SMClockMHz = int(c)
		}
		if c, ret := d.GetClockInfo(nvml.CLOCK_MEM); ret == nvml.SUCCESS {
			g.MemClockMHz = int(c)
		}
		if r, ret := d.GetCurrentClocksEventReasons(); ret == nvml.SUCCESS {
			g.ThrottleReasons = r
		}
		g.Processes = s.processes(i, d)
		out = append(out, g)
	}
	if len(out) == 0 && len(lost) > 0 {
		return nil, fmt.Errorf("nvmlsource: no GPU readable: %s", strings.Join(lost, "; "))
	}
	return out, nil
}

// notAvailable is NVML_VALUE_NOT_AVAILABLE as an unsigned reading (for example a process's
// memory under some virtualisation).
const notAvailable = ^uint64(0)

func (s *Source) processes(i int, d nvml.Device) []events.GPUProcess {
	ps, ret := d.GetComputeRunningProcesses()
	if ret != nvml.SUCCESS || len(ps) == 0 {
		return nil
	}
	util := map[uint32]uint32{}
	if samples, ret := d.GetProcessUtilization(s.lastTS[i]); ret == nvml.SUCCESS {
		for _, u := range samples {
			util[u.Pid] = max(util[u.Pid], u.SmUtil)
			s.lastTS[i] = max(s.lastTS[i], u.TimeStamp)
		}
	}
	out := make([]events.GPUProcess, 0, len(ps))
	for _, p := range ps {
		gp := events.GPUProcess{PID: int(p.Pid), SMUtilPct: float64(util[p.Pid])}
		if p.UsedGpuMemory != notAvailable {
			gp.UsedMemoryBytes = p.UsedGpuMemory
		}
		out = append(out, gp)
	}
	slices.SortFunc(out, func(a, b events.GPUProcess) int { return cmp.Compare(a.PID, b.PID) })
	return out
}

func cString(b []int8) string {
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	buf := make([]byte, n)
	for i := range n {
		buf[i] = byte(b[i])
	}
	return string(buf)
}
