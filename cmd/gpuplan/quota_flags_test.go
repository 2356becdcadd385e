package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan/scenarios"
)

// quotaScenario writes a two-owner scenario where one preemption happens at a known time: ben
// borrows the whole 4-GPU farm at 0 for 10,000 s, and ana's 2-GPU job (her quota is 2) arrives at
// 3,000 s and takes the GPUs back. extra is appended to the YAML.
func quotaScenario(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	jobs := "id,owner,submit_s,gpus,duration_s\nb1,ben,0,4,10000\na1,ana,3000,2,100\n"
	yaml := `name: q
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
policies: [quota]
placement: pool
` + extra
	if err := os.WriteFile(filepath.Join(dir, "jobs.csv"), []byte(jobs), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "q.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type quotaOutcome struct {
	Preemptions         int     `json:"preemptions"`
	LostGPUHours        float64 `json:"lost_gpu_hours"`
	GuaranteeViolations int     `json:"guarantee_violations"`
}

func simulateQuota(t *testing.T, args ...string) quotaOutcome {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"simulate", "--json", "-"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Policies []quotaOutcome `json:"policies"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Policies) != 1 {
		t.Fatalf("policies %v, %v:\n%s", doc.Policies, err, out)
	}
	return doc.Policies[0]
}

// TestQuotaFlagsOverrideScenario checks each flag against hand-computed outcomes. The preempted
// run made p = 3000 s of progress on 4 GPUs and keeps floor(p / checkpoint) x checkpoint of it, so
// lost GPU-hours are 4 (p - kept) / 3600 plus 4 x overhead / 3600 for its restart.
func TestQuotaFlagsOverrideScenario(t *testing.T) {
	withKeys := quotaScenario(t, "quota: {checkpoint: 30m, restart_overhead: 10m, no_borrow: false}\n")
	noBorrow := quotaScenario(t, "quota: {no_borrow: true}\n")
	// ben's quota covers his job, so ana's in-quota job waits 7,000 s for it instead.
	covered := quotaScenario(t, "quota: {quotas: {ben: 4}}\n")
	tests := []struct {
		name string
		args []string
		want quotaOutcome
	}{
		{"scenario keys", []string{"--scenario", withKeys}, quotaOutcome{1, (4*1200 + 4*600) / 3600.0, 0}},
		{"--checkpoint 0", []string{"--scenario", withKeys, "--checkpoint", "0"}, quotaOutcome{1, (4*3000 + 4*600) / 3600.0, 0}},
		{"--checkpoint 1h --restart-overhead 0", []string{"--scenario", withKeys, "--checkpoint", "1h", "--restart-overhead", "0"},
			quotaOutcome{1, 4 * 3000 / 3600.0, 0}},
		{"--restart-overhead 1200 (seconds)", []string{"--scenario", withKeys, "--restart-overhead", "1200"},
			quotaOutcome{1, (4*1200 + 4*1200) / 3600.0, 0}},
		// Without borrowing, ben's 4-GPU job exceeds his quota of 2 and is infeasible.
		{"--no-borrow", []string{"--scenario", withKeys, "--no-borrow"}, quotaOutcome{0, 0, 0}},
		{"--no-borrow=false", []string{"--scenario", noBorrow, "--no-borrow=false"}, quotaOutcome{1, 4 * 3000 / 3600.0, 0}},
		{"default grace 60s", []string{"--scenario", covered}, quotaOutcome{0, 0, 1}},
		{"--quota-grace 2h", []string{"--scenario", covered, "--quota-grace", "2h"}, quotaOutcome{0, 0, 0}},
		{"--quota-grace 6999", []string{"--scenario", covered, "--quota-grace", "6999"}, quotaOutcome{0, 0, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := simulateQuota(t, tc.args...)
			if got.Preemptions != tc.want.Preemptions || got.GuaranteeViolations != tc.want.GuaranteeViolations ||
				math.Abs(got.LostGPUHours-tc.want.LostGPUHours) > 1e-9 {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestQuotaFlagsSetOptions checks what each flag writes into the options, in the scenario syntax.
func TestQuotaFlagsSetOptions(t *testing.T) {
	s, err := scenarios.Load(quotaScenario(t, "quota: {checkpoint: 1h, grace: 5m, no_borrow: true}\nfairshare: {half_life: 1d}\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	f := simulateFlags{checkpoint: "1d12h", restartOverhead: "90", quotaGrace: "0", halfLife: "12h",
		noBorrow: optionalBool{set: true, v: false}}
	if err := applyOverrides(b, f); err != nil {
		t.Fatal(err)
	}
	o := b.Options
	if o.Quota.CheckpointS != 36*3600 || o.Quota.RestartOverheadS != 90 || o.Quota.GraceS != 0 || o.FairShare.HalfLifeS != 12*3600 || o.Quota.NoBorrow {
		t.Errorf("options %+v", o)
	}
	// Flags not given leave the scenario's values.
	b2, err := s.Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := applyOverrides(b2, simulateFlags{}); err != nil {
		t.Fatal(err)
	}
	if o := b2.Options; o.Quota.CheckpointS != 3600 || o.Quota.GraceS != 300 || !o.Quota.NoBorrow || o.FairShare.HalfLifeS != 86400 {
		t.Errorf("options %+v", o)
	}
}

func TestHalfLifeFlagRuns(t *testing.T) {
	path := quotaScenario(t, "")
	code, out, errOut := runCLI(t, "simulate", "--scenario", path, "--policy", "fairshare", "--half-life", "12h", "--json", "-")
	if code != 0 || !strings.Contains(out, `"name": "fairshare"`) {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
}

func TestQuotaFlagsBadValues(t *testing.T) {
	path := quotaScenario(t, "")
	tests := []struct {
		args []string
		flag string
	}{
		{[]string{"--checkpoint", "1x"}, "--checkpoint"},
		{[]string{"--checkpoint", "-5"}, "--checkpoint"},
		{[]string{"--restart-overhead", "ten"}, "--restart-overhead"},
		{[]string{"--quota-grace", "inf"}, "--quota-grace"},
		{[]string{"--half-life", "7q"}, "--half-life"},
		{[]string{"--half-life", " "}, "--half-life"},
		{[]string{"--no-borrow=maybe"}, "no-borrow"},
	}
	for _, tc := range tests {
		code, out, errOut := runCLI(t, append([]string{"simulate", "--scenario", path}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.flag) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want 2 and a message naming %s", tc.args, code, errOut, out, tc.flag)
		}
	}
}

// replay shares the flags with simulate.
func TestReplayHasQuotaFlags(t *testing.T) {
	code, out, errOut := runCLI(t, "replay", "--help")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, f := range []string{"--checkpoint", "--restart-overhead", "--quota-grace", "--no-borrow", "--half-life"} {
		if !strings.Contains(out, f) {
			t.Errorf("replay --help lacks %s", f)
		}
	}
}
