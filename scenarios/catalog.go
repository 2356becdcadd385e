package scenarios

import (
	"slices"

	"github.com/gpuplan/gpuplan"
)

// Fractions of TDP used wherever a GPU type leaves a value out.
const (
	idleFrac        = 0.12 // estimate: idle draw is 0.10-0.15 x TDP for types without a measurement
	busyFrac        = 0.71 // Zeus NSDI '23: mean draw while training at full limit is 0.68-0.74 x TDP
	defaultMinLimit = 0.5  // the minimum settable limit is 0.3-0.5 x TDP; 0.5 is the cautious end
)

// zeusPerf is GPU throughput against power limit f = limit / TDP, the median of compute-heavy jobs
// in the Zeus (NSDI '23) traces. Hopper may be steeper (weak source); light jobs lose almost nothing.
var zeusPerf = []gpuplan.PerfPoint{
	{F: 0.3, Perf: 0.31}, {F: 0.4, Perf: 0.50}, {F: 0.5, Perf: 0.72}, {F: 0.6, Perf: 0.86},
	{F: 0.7, Perf: 0.92}, {F: 0.8, Perf: 0.97}, {F: 0.9, Perf: 0.99}, {F: 1.0, Perf: 1.00},
}

// catalog holds GPU models with TDPs from NVIDIA's datasheets. Idle and busy draws are the fractions
// above (H200's 75 W idle is a weak measurement); every type uses the Zeus curve and min limit 0.5.
var catalog = func() []gpuplan.GPUType {
	tdp := []struct {
		name string
		w    float64
		idle float64
	}{
		{"a100-pcie-40", 250, 0},
		{"a100-pcie-80", 300, 0},
		{"a100-sxm", 400, 0},
		{"h100-pcie", 350, 0},
		{"h100-sxm", 700, 0},
		{"h200-nvl", 600, 0},
		{"h200-sxm", 700, 75},
		{"l40s", 350, 0},
		{"rtx-a6000", 300, 0},
		{"rtx4090", 450, 0},
		{"v100-sxm2", 300, 0},
	}
	out := make([]gpuplan.GPUType, len(tdp))
	for i, t := range tdp {
		idle := t.idle
		if idle == 0 {
			idle = idleFrac * t.w
		}
		out[i] = gpuplan.GPUType{Name: t.name, TDPW: t.w, IdleW: idle, BusyW: busyFrac * t.w,
			MinLimit: defaultMinLimit, Perf: zeusPerf}
	}
	return out
}()

// Catalog returns the GPU models a scenario may name without defining them, sorted by name.
func Catalog() []gpuplan.GPUType {
	out := slices.Clone(catalog)
	for i := range out {
		out[i].Perf = slices.Clone(out[i].Perf)
	}
	return out
}

func catalogType(name string) (gpuplan.GPUType, bool) {
	for _, t := range catalog {
		if t.Name == name {
			t.Perf = slices.Clone(t.Perf)
			return t, true
		}
	}
	return gpuplan.GPUType{}, false
}
