package scenarios

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/scenarios/traces"
	"github.com/gpuplan/gpuplan/sim"
)

// FileOptions complete a workload file and pools CSV into a scenario. The zero value means the
// defaults, which cite their sources and say where they are estimates.
type FileOptions struct {
	Name string // default: the workload file's name without extensions
	Seed uint64
	// Horizon keeps the jobs submitted within this long of the first (0: all).
	Horizon Duration
	// GPUType is the type of pools that name none; default a100-pcie-80 (300 W), a data-centre
	// part common in labs and farms alike.
	GPUType string
	LabPUE  float64 // default 1.8 (estimate; small server rooms 1.5-2.1)
	FarmPUE float64 // default 1.3 (estimate; new builds)
	// LabGPUsPerNode and LabNodeW describe pools that give no node size: default 4-GPU
	// workstations drawing 300 W beyond their GPUs (estimate).
	LabGPUsPerNode int
	LabNodeW       float64
	// FarmGPUsPerNode defaults to 8; FarmNodeOverhead to 0.43 x the node's busy GPU draw (estimate:
	// GPUs are about 70% of server power).
	FarmGPUsPerNode  int
	FarmNodeOverhead float64
	FarmCapKW        float64 // farm power cap; 0: none
	CapMode          string  // queue or throttle; default throttle when FarmCapKW is set
	// Prices default to 182.7 KRW/kWh and 6,490 KRW per kW-month (Korean industrial tariff B) and
	// no emission factor (set it from the current official figure).
	Prices    sim.Prices
	Policies  []string // default: every policy
	Placement string   // "", pool or nodes
	// Owners and TraceSeed assign owners to traces without them; SkipBad skips malformed rows.
	Owners    int
	TraceSeed uint64
	SkipBad   bool
	// Derive sizes pools when there is no pools file.
	Derive DeriveSpec
	// Pools, when not nil, are the pools in memory (read from the event log, say), instead of a
	// pools CSV: the pools path must then be "". They are checked as a pools CSV is, and the
	// scenario's hash covers them in their CSV form (traces.WritePools), as it covers a file.
	Pools []gpuplan.Pool
}

const (
	defaultFileGPUType = "a100-pcie-80"
	// inMemoryPools stands for the pools file of FileOptions.Pools in messages; the hash replaces
	// it by the pools' digest, as it does a file's name.
	inMemoryPools = "(pools in memory)"
	labSite       = "lab"
	farmSite      = "farm"
)

// Default prices: KEPCO's Korean industrial tariff B from 24 Oct 2024 (182.7 KRW/kWh) and the
// high-voltage basic charge of about 6,490 KRW per kW per month.
const (
	DefaultKRWPerKWh     = 182.7
	DefaultKRWPerKWMonth = 6490
)

// FromFiles builds a scenario around a workload file and a pools CSV (or, when poolsPath is "",
// pools derived from the workload), with a default fleet: one lab site holding the pools (plus any
// other site the pools CSV names, at the lab PUE) and one farm of the same GPUs.
func FromFiles(workloadPath string, format traces.Format, poolsPath string, opt FileOptions) (*Built, error) {
	s, err := scenarioFromFiles(workloadPath, format, poolsPath, opt)
	if err != nil {
		return nil, err
	}
	return s.Build()
}

func scenarioFromFiles(workloadPath string, format traces.Format, poolsPath string, opt FileOptions) (*Scenario, error) {
	name := opt.Name
	if name == "" {
		name, _, _ = strings.Cut(filepath.Base(workloadPath), ".")
	}
	labPUE := cmp.Or(opt.LabPUE, 1.8)
	sites := []SiteSpec{{Name: labSite, PUE: labPUE}}
	farm := SiteSpec{Name: farmSite, PUE: cmp.Or(opt.FarmPUE, 1.3), PowerCapKW: opt.FarmCapKW}
	if opt.FarmCapKW > 0 {
		farm.CapMode = cmp.Or(opt.CapMode, "throttle")
	}
	s := &Scenario{
		Name: name, Seed: opt.Seed, Horizon: opt.Horizon,
		Farm: FarmSpec{Site: farmSite, GPUsPerNode: opt.FarmGPUsPerNode,
			NodeOverhead: cmp.Or(opt.FarmNodeOverhead, 0.43)},
		Owners: OwnersSpec{PoolsFile: poolsPath, Defaults: OwnerSpec{Site: labSite,
			GPUType:     cmp.Or(opt.GPUType, defaultFileGPUType),
			GPUsPerNode: cmp.Or(opt.LabGPUsPerNode, 4), NodeW: cmp.Or(opt.LabNodeW, 300)}},
		Workload: WorkloadSpec{Trace: &TraceSpec{File: workloadPath, Format: string(format),
			Owners: opt.Owners, Seed: opt.TraceSeed, SkipBad: opt.SkipBad}},
		Policies:  slices.Clone(opt.Policies),
		Placement: opt.Placement,
		Prices: PricesSpec{KRWPerKWh: opt.Prices.KRWPerKWh, KgCO2PerKWh: opt.Prices.KgCO2PerKWh,
			KRWPerKWMonth: opt.Prices.KRWPerKWMonth},
	}
	if opt.Prices == (sim.Prices{}) {
		s.Prices = PricesSpec{KRWPerKWh: DefaultKRWPerKWh, KRWPerKWMonth: DefaultKRWPerKWMonth}
	}
	if s.Workload.Trace.Seed == 0 {
		s.Workload.Trace.Seed = opt.Seed
	}
	if opt.Pools != nil {
		if poolsPath != "" {
			return nil, fmt.Errorf("scenarios: pools given both in memory and as file %s", poolsPath)
		}
		var buf bytes.Buffer
		if err := traces.WritePools(&buf, opt.Pools); err != nil {
			return nil, fmt.Errorf("scenarios: pools: %w", err)
		}
		poolsPath, s.givenPools = inMemoryPools, buf.Bytes()
		s.Owners.PoolsFile = poolsPath
	}
	if poolsPath == "" {
		d := opt.Derive
		s.Owners.Derive = &d
	} else {
		// Sites named in the pools file become lab sites, so a file that splits owners over rooms works.
		pools, err := s.readPools(poolsPath)
		if err != nil {
			return nil, fmt.Errorf("scenarios: pools: %w", err)
		}
		for _, p := range pools {
			if p.Site != "" && p.Site != farmSite && !slices.ContainsFunc(sites, func(x SiteSpec) bool { return x.Name == p.Site }) {
				sites = append(sites, SiteSpec{Name: p.Site, PUE: labPUE})
			}
		}
	}
	s.Sites = append(sites, farm)
	return s, nil
}

// FromWorkload builds the scenario FromFiles would, around jobs that are already in memory (replayed
// from the event log, say) instead of a workload file; name stands for the file in the scenario's
// name and hash. Given the same jobs, policies and options, the simulator's results are the same
// as with FromFiles on the file they came from.
func FromWorkload(w *gpuplan.Workload, name, poolsPath string, opt FileOptions) (*Built, error) {
	if opt.Name == "" {
		opt.Name, _, _ = strings.Cut(filepath.Base(name), ".")
	}
	s, err := scenarioFromFiles(name, traces.CSV, poolsPath, opt)
	if err != nil {
		return nil, err
	}
	s.given = w
	return s.Build()
}

func cloneWorkload(w *gpuplan.Workload) *gpuplan.Workload {
	c := *w
	c.Jobs = slices.Clone(w.Jobs)
	c.Owners = slices.Clone(w.Owners)
	c.Groups = slices.Clone(w.Groups)
	return &c
}

// workloadDigest hashes the jobs in their canonical CSV form, as fileDigest hashes a file.
func workloadDigest(w *gpuplan.Workload) (string, error) {
	h := sha256.New()
	if err := traces.WriteCSV(h, w); err != nil {
		return "", fmt.Errorf("scenarios: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readPools reads the scenario's pools: those given in memory, else the file at path.
func (s *Scenario) readPools(path string) ([]gpuplan.Pool, error) {
	if s.givenPools != nil {
		return traces.ReadPools(bytes.NewReader(s.givenPools), path)
	}
	return traces.ReadPoolsFile(path)
}

// poolsDigest is the sha256 of the scenario's pools CSV: the in-memory one, else the file at path.
func (s *Scenario) poolsDigest(path string) (string, error) {
	if s.givenPools != nil {
		sum := sha256.Sum256(s.givenPools)
		return hex.EncodeToString(sum[:]), nil
	}
	return fileDigest(path)
}
