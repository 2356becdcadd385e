package scenarios

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/gpuplan/gpuplan/sim"
)

// quotaYAML is a two-owner trace scenario built so that one preemption happens at a known time:
// ben borrows the whole 4-GPU farm at 0 for 10,000 s; ana's 2-GPU job, within her quota of 2,
// arrives at 3,000 s and takes ben's job back. QUOTA marks where tests put the quota keys.
const quotaYAML = `name: q
sites:
  - {name: lab, pue: 1.5}
  - {name: farm, pue: 1.2}
farm: {site: farm, gpus_per_node: 4}
owners:
  defaults: {site: lab, gpu_type: a100-pcie-80}
  list:
    - {name: ana, gpus: 2}
    - {name: ben, gpus: 2}
workload:
  trace: {file: jobs.csv}
policies: [quota, fairshare]
placement: pool
#QUOTA
`

const quotaJobs = "id,owner,submit_s,gpus,duration_s\nb1,ben,0,4,10000\na1,ana,3000,2,100\n"

// writeQuotaScenario writes the scenario with extra appended and its jobs beside it.
func writeQuotaScenario(t *testing.T, extra string) (path, text string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "jobs.csv"), []byte(quotaJobs), 0o644); err != nil {
		t.Fatal(err)
	}
	text = strings.Replace(quotaYAML, "#QUOTA\n", extra, 1)
	path = filepath.Join(dir, "q.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, text
}

func TestQuotaKeysMapToOptions(t *testing.T) {
	path, _ := writeQuotaScenario(t, `quota:
  no_borrow: true
  grace: 2m
  checkpoint: 30m
  restart_overhead: 90
  quotas: {ana: 3, ben: 1}
fairshare:
  half_life: 1d
  shares: {ana: 2, ben: 0.5}
`)
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	o := b.Options
	if !o.Quota.NoBorrow || o.Quota.GraceS != 120 || o.Quota.CheckpointS != 1800 || o.Quota.RestartOverheadS != 90 ||
		o.FairShare.HalfLifeS != 86400 {
		t.Errorf("options %+v", o)
	}
	if len(o.Quota.Quotas) != 2 || o.Quota.Quotas["ana"] != 3 || o.Quota.Quotas["ben"] != 1 {
		t.Errorf("quotas %v", o.Quota.Quotas)
	}
	if len(o.FairShare.Shares) != 2 || o.FairShare.Shares["ana"] != 2 || o.FairShare.Shares["ben"] != 0.5 {
		t.Errorf("shares %v", o.FairShare.Shares)
	}
	// Build copies the maps: a sweep changing the scenario must not change a built run.
	s.Quota.Quotas["ana"] = 9
	if o.Quota.Quotas["ana"] != 3 {
		t.Error("Options.Quota.Quotas shares the scenario's map")
	}
	c := s.Clone()
	c.FairShare.Shares["ana"] = 7
	if s.FairShare.Shares["ana"] != 2 {
		t.Error("Clone shares the shares map")
	}
}

// TestCheckpointChangesLostGPUHours runs the preemption scenario and reads lost_gpu_hours from the
// result's JSON. By hand: the preempted run made p = 3000 s of progress on 4 GPUs; it keeps
// floor(p / checkpoint) x checkpoint of it, so lost = 4 (p - kept) GPU-seconds, plus 4 x overhead
// when it restarts. No more preemptions follow (ana has no other job).
func TestCheckpointChangesLostGPUHours(t *testing.T) {
	tests := []struct {
		name, extra string
		preempt     int
		lostH       float64
	}{
		{"no quota key", "", 1, 4 * 3000.0 / 3600},
		{"checkpoint 30m", "quota: {checkpoint: 30m}\n", 1, 4 * 1200.0 / 3600},
		{"checkpoint 30m, overhead 10m", "quota: {checkpoint: 30m, restart_overhead: 10m}\n", 1, (4*1200.0 + 4*600) / 3600},
		{"checkpoint past the progress", "quota: {checkpoint: 1h}\n", 1, 4 * 3000.0 / 3600},
		// ben's quota covers his job, so ana waits instead of taking GPUs back.
		{"quota covers the borrower", "quota: {checkpoint: 30m, quotas: {ben: 4}}\n", 0, 0},
		// without borrowing ben's 4-GPU job exceeds his quota of 2: infeasible, nothing preempted.
		{"no borrowing", "quota: {no_borrow: true}\n", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, _ := writeQuotaScenario(t, tc.extra)
			s, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			b, err := s.Build()
			if err != nil {
				t.Fatal(err)
			}
			r, err := sim.Run(b.Cluster, b.Workload, "quota", b.Options)
			if err != nil {
				t.Fatal(err)
			}
			data, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Preemptions  int     `json:"preemptions"`
				LostGPUHours float64 `json:"lost_gpu_hours"`
			}
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Preemptions != tc.preempt || math.Abs(doc.LostGPUHours-tc.lostH) > 1e-9 {
				t.Errorf("preemptions %d, lost_gpu_hours %v; want %d, %v", doc.Preemptions, doc.LostGPUHours, tc.preempt, tc.lostH)
			}
		})
	}
}

func TestFairShareHalfLifeAccepted(t *testing.T) {
	path, _ := writeQuotaScenario(t, "fairshare: {half_life: 1h, shares: {ana: 1, ben: 3}}\n")
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	if b.Options.FairShare.HalfLifeS != 3600 {
		t.Fatalf("half-life %v s, want 3600", b.Options.FairShare.HalfLifeS)
	}
	r, err := sim.Run(b.Cluster, b.Workload, "fairshare", b.Options)
	if err != nil {
		t.Fatal(err)
	}
	// fairshare never preempts: ana's job waits for ben's to end at 10,000 s.
	if r.Jobs.Completed != 2 || r.Preemptions != 0 || math.Abs(r.WaitS.Max-7000) > 1e-9 {
		t.Errorf("jobs %+v, preemptions %d, max wait %v; want 2 completed, 0, 7000", r.Jobs, r.Preemptions, r.WaitS.Max)
	}
}

func TestQuotaMistakes(t *testing.T) {
	tests := []struct {
		block, marker, path, msg string
	}{
		{"quota: {grace: -5}", "grace", "quota.grace", "must be at least 0, got -5"},
		{"quota: {checkpoint: 1x}", "checkpoint", "quota.checkpoint", "want seconds or number-unit terms"},
		{"quota: {restart_overhead: .inf}", "restart_overhead", "quota.restart_overhead", "want a finite duration"},
		{"quota: {no_borrow: yes}", "no_borrow", "quota.no_borrow", "want true or false"},
		{"quota: {chekpoint: 1h}", "chekpoint", "quota.chekpoint", "unknown key; did you mean checkpoint?"},
		{"quota:\n  quotas: [ana]", "[ana]", "quota.quotas", "want a mapping {owner: GPUs}"},
		{"quota:\n  quotas:\n    ana: -1", "ana: -1", "quota.quotas.ana", "must be at least 0 GPUs, got -1"},
		{"quota:\n  quotas:\n    ana: 1.5", "ana: 1.5", "quota.quotas.ana", "want a whole number"},
		{"fairshare: {half_life: -60}", "half_life", "fairshare.half_life", "must be at least 0, got -60"},
		{"fairshare:\n  shares:\n    ben: .inf", "ben: .inf", "fairshare.shares.ben", "must be at least 0, got +Inf"},
		{"fairshare:\n  shares:\n    ben: -2", "ben: -2", "fairshare.shares.ben", "must be at least 0, got -2"},
		{"fairshare:\n  shares:\n    ben: lots", "ben: lots", "fairshare.shares.ben", "want a number"},
		{"fairshare: {shares: 3}", "shares", "fairshare.shares", "want a mapping {owner: weight}"},
	}
	for _, tc := range tests {
		text := strings.Replace(quotaYAML, "#QUOTA\n", tc.block+"\n", 1)
		_, err := Parse("q.yaml", []byte(text))
		fes := fieldErrors(err)
		want := lineOf(t, text, tc.marker)
		if len(fes) != 1 || fes[0].Path != tc.path || !strings.HasPrefix(fes[0].Msg, tc.msg) || fes[0].Line != want {
			t.Errorf("%q: want one error q.yaml:%d: %s: %s..., got %v", tc.block, want, tc.path, tc.msg, err)
		}
	}
}

// Every mistake comes at once, sorted by line; unknown owners are found at Build, when the owners
// exist, together with lab_owners' and at the lines of their keys.
func TestQuotaMistakesAtOnce(t *testing.T) {
	text := strings.Replace(quotaYAML, "#QUOTA\n", `quota:
  grace: -1
  restart_overhead: 1q
fairshare: {half_life: -3}
`, 1)
	_, err := Parse("q.yaml", []byte(text))
	fes := fieldErrors(err)
	want := []struct {
		path string
		line int
	}{{"quota.grace", lineOf(t, text, "grace")}, {"quota.restart_overhead", lineOf(t, text, "restart_overhead")},
		{"fairshare.half_life", lineOf(t, text, "half_life")}}
	if len(fes) != len(want) {
		t.Fatalf("want %d errors, got %v", len(want), err)
	}
	for i, w := range want {
		if fes[i].Path != w.path || fes[i].Line != w.line {
			t.Errorf("error %d: %v, want %s at line %d", i, fes[i], w.path, w.line)
		}
	}

	path, text := writeQuotaScenario(t, `lab_owners: [cy]
quota:
  quotas:
    ana: 2
    zed: 1
fairshare:
  shares: {yan: 2, ben: 1}
`)
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Build()
	fes = fieldErrors(err)
	want = []struct {
		path string
		line int
	}{{"lab_owners[0]", lineOf(t, text, "lab_owners")}, {"quota.quotas.zed", lineOf(t, text, "zed")},
		{"fairshare.shares.yan", lineOf(t, text, "yan")}}
	if len(fes) != len(want) {
		t.Fatalf("want %d errors, got %v", len(want), err)
	}
	for i, w := range want {
		if fes[i].Path != w.path || fes[i].Line != w.line || !strings.HasPrefix(fes[i].Msg, "unknown owner") || fes[i].File != path {
			t.Errorf("error %d: %v, want %s: %s:%d: unknown owner", i, fes[i], path, w.path, w.line)
		}
	}
}

// A scenario built in code is checked too (sweeps set fields directly).
func TestQuotaValidatedInCode(t *testing.T) {
	path, _ := writeQuotaScenario(t, "")
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Clone()
	c.Quota = &QuotaSpec{Checkpoint: Duration(math.Inf(1)), Quotas: OwnerQuotas{"": 1}}
	c.FairShare = &FairShareSpec{Shares: OwnerShares{"ana": math.NaN()}}
	paths := map[string]bool{}
	for _, fe := range fieldErrors(c.Validate()) {
		paths[fe.Path] = true
	}
	for _, p := range []string{"quota.checkpoint", "quota.quotas", "fairshare.shares.ana"} {
		if !paths[p] {
			t.Errorf("no error at %s; got %v", p, paths)
		}
	}
}

// Scenarios without the keys keep the hash they had before the keys existed: the keys are left
// out of the canonical form when absent; given, they change the hash.
func TestQuotaKeysInCanonicalFormOnlyWhenSet(t *testing.T) {
	s, err := Parse("t.yaml", []byte(baseYAML))
	if err != nil {
		t.Fatal(err)
	}
	data, err := yaml.Marshal(canonical{Version: 1, Scenario: s.Clone()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "allow_oversize") || strings.Contains(string(data), "quota") ||
		strings.Contains(string(data), "fairshare") {
		t.Errorf("canonical form:\n%s", data)
	}
	plain, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, extra := range []string{"quota: {checkpoint: 1h}\n", "fairshare: {half_life: 1d}\n"} {
		q, err := Parse("t.yaml", []byte(baseYAML+extra))
		if err != nil {
			t.Fatal(err)
		}
		b, err := q.Build()
		if err != nil {
			t.Fatal(err)
		}
		if b.Hash == plain.Hash {
			t.Errorf("%q did not change the scenario hash", extra)
		}
	}
}
