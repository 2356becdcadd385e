package nvmlsource_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"

	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/collectors/fakenode"
	"github.com/gpuplan/gpuplan/collectors/nvmlsource"
)

var epoch = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// TestSampleEqualsMock checks every reading against what the mock device reports, at times
// when GPUs are busy and idle.
func TestSampleEqualsMock(t *testing.T) {
	for _, model := range fakenode.Models() {
		t.Run(model, func(t *testing.T) {
			now := epoch
			node, err := fakenode.New(fakenode.Options{Model: model, Seed: 7, Epoch: epoch, Horizon: 6 * time.Hour, Clock: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			src, err := nvmlsource.Open(node.Lib())
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			inv, err := src.Inventory()
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.GPUs) != 8 {
				t.Fatalf("inventory has %d GPUs, want 8", len(inv.GPUs))
			}
			busySeen, idleSeen := 0, 0
			for step := range 40 {
				now = epoch.Add(time.Duration(step) * 9 * time.Minute)
				gs, err := src.Sample()
				if err != nil {
					t.Fatal(err)
				}
				for i, g := range gs {
					d, _ := node.Lib().DeviceGetHandleByIndex(i)
					u, _ := d.GetUtilizationRates()
					mem, _ := d.GetMemoryInfo()
					p, _ := d.GetPowerUsage()
					e, _ := d.GetTotalEnergyConsumption()
					sm, _ := d.GetClockInfo(nvml.CLOCK_SM)
					procs, _ := d.GetComputeRunningProcesses()
					uuid, _ := d.GetUUID()
					cases := []struct {
						name      string
						got, want float64
						tol       float64
					}{
						{"util", g.UtilPct, float64(u.Gpu), 0},
						{"mem used", float64(g.MemUsedBytes), float64(mem.Used), 0},
						{"power W", g.PowerW, float64(p) / 1000, 1e-9},
						{"energy mJ", float64(g.EnergyMJ), float64(e), 0},
						{"sm clock", float64(g.SMClockMHz), float64(sm), 0},
						{"processes", float64(len(g.Processes)), float64(len(procs)), 0},
					}
					for _, c := range cases {
						if math.Abs(c.got-c.want) > c.tol {
							t.Errorf("%s GPU %d: %s = %v, mock says %v", now, i, c.name, c.got, c.want)
						}
					}
					if g.UUID != uuid || inv.GPUs[i].UUID != uuid {
						t.Errorf("GPU %d: uuid %s / %s, mock %s", i, g.UUID, inv.GPUs[i].UUID, uuid)
					}
					if len(procs) > 0 {
						busySeen++
						if g.Processes[0].PID != int(procs[0].Pid) || g.Processes[0].UsedMemoryBytes != procs[0].UsedGpuMemory {
							t.Errorf("GPU %d: process %+v, mock %+v", i, g.Processes[0], procs[0])
						}
						if g.Processes[0].SMUtilPct != float64(u.Gpu) {
							t.Errorf("GPU %d: process SM util %v, want %v", i, g.Processes[0].SMUtilPct, u.Gpu)
						}
					} else {
						idleSeen++
					}
				}
			}
			if busySeen == 0 || idleSeen == 0 {
				t.Errorf("workload shows %d busy and %d idle readings; want both", busySeen, idleSeen)
			}
			g0 := inv.GPUs[0]
			if g0.TDPW <= 0 || g0.MinPowerLimitW <= 0 || g0.MaxPowerLimitW < g0.MinPowerLimitW || g0.PCIBusID == "" || g0.MemoryBytes == 0 {
				t.Errorf("inventory GPU 0 incomplete: %+v", g0)
			}
		})
	}
}

// TestOpenWithoutDriver: a failed Init is reported as ErrNoDriver and no device call follows
// (a mock without device functions would panic on one).
func TestOpenWithoutDriver(t *testing.T) {
	srv := dgxh100.New()
	srv.InitFunc = func() nvml.Return { return nvml.ERROR_LIBRARY_NOT_FOUND }
	srv.DeviceGetCountFunc = func() (int, nvml.Return) { panic("device call after failed Init") }
	_, err := nvmlsource.Open(srv)
	if !errors.Is(err, collectors.ErrNoDriver) {
		t.Fatalf("Open = %v, want ErrNoDriver", err)
	}
}

// TestLostGPU: a GPU whose UUID can no longer be read (fallen off the bus) leaves the batch and
// the inventory; the other GPUs are still sampled.
func TestLostGPU(t *testing.T) {
	node, err := fakenode.New(fakenode.Options{Seed: 1, Epoch: epoch, Clock: func() time.Time { return epoch.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	src, err := nvmlsource.Open(node.Lib())
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	node.Device(5).GetUUIDFunc = func() (string, nvml.Return) { return "", nvml.ERROR_GPU_IS_LOST }
	gs, err := src.Sample()
	if err != nil {
		t.Fatal(err)
	}
	inv, err := src.Inventory()
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 7 || len(inv.GPUs) != 7 {
		t.Fatalf("%d GPUs sampled and %d in the inventory, want 7 and 7", len(gs), len(inv.GPUs))
	}
	for _, g := range gs {
		if g.Index == 5 {
			t.Fatal("the lost GPU is in the batch")
		}
	}
}
