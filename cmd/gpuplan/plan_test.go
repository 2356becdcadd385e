package main

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/planner"
)

// planDoc is the part of results.json the tests read.
type planDoc struct {
	Kind   string `json:"kind"`
	Policy string `json:"policy"`
	Seeds  []uint64
	Reps   int
	Sweep  []planner.Axis
	Points []struct {
		Params  map[string]any          `json:"params"`
		Runs    int                     `json:"runs"`
		Metrics map[string]planner.Stat `json:"metrics"`
	}
	Sizing *planner.Sizing
	Run    struct {
		Scenario    string            `json:"scenario"`
		Policies    []json.RawMessage `json:"policies"`
		Comparisons []json.RawMessage `json:"comparisons"`
		LargeJobs   []json.RawMessage `json:"large_jobs"`
	}
}

func readPlan(t *testing.T, dir string) (planDoc, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d planDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d, b
}

func TestPlanWritesResultsAndTables(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, "plan", "--scenario", "small", "--sweep", "farm_share=0,1",
		"--seeds", "3,4", "--size", "gpus", "--range", "8:24", "--step", "4", "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "sizing gpus:") || stderr != "" {
		t.Errorf("stdout %q stderr %q", stdout, stderr)
	}
	d, _ := readPlan(t, dir)
	if d.Kind != "plan" || d.Policy != "fifo" || d.Reps != 2 || len(d.Seeds) != 2 || d.Seeds[0] != 3 || len(d.Sweep) != 1 || len(d.Points) != 2 {
		t.Fatalf("document: %+v", d)
	}
	for _, name := range []string{"wait_mean_s", "wait_p50_s", "wait_p95_s", "wait_p99_s", "utilization",
		"energy_facility_kwh", "energy_it_kwh", "peak_power_kw", "cost_krw",
		"kwh_per_gpu_hour", "krw_per_gpu_hour", "mean_bounded_slowdown", "cap_time_share", "completed", "infeasible"} {
		s, ok := d.Points[1].Metrics[name]
		if !ok || s.N != 2 {
			t.Errorf("point metrics lack %s (got %+v)", name, s)
		}
	}
	// small sets no grid factor: emissions have no input behind them and are left out, never 0.
	if s, ok := d.Points[1].Metrics["emissions_kg_co2"]; ok {
		t.Errorf("emissions_kg_co2 without a grid factor: %+v", s)
	}
	if d.Points[0].Params["farm_share"] != 0.0 || d.Points[1].Params["farm_share"] != 1.0 {
		t.Errorf("params %v, %v", d.Points[0].Params, d.Points[1].Params)
	}
	if d.Run.Scenario != "small" || len(d.Run.Policies) != 3 || len(d.Run.Comparisons) != 2 || len(d.Run.LargeJobs) != 3 {
		t.Errorf("run: scenario %q, %d policies, %d comparisons", d.Run.Scenario, len(d.Run.Policies), len(d.Run.Comparisons))
	}
	if d.Sizing == nil || d.Sizing.Kind != "gpus" || d.Sizing.Target.From != "fragmented" || len(d.Sizing.Curve) < 2 {
		t.Fatalf("sizing %+v", d.Sizing)
	}
	rows := readCSV(t, filepath.Join(dir, "points.csv"))
	if len(rows) != 3 || rows[0][0] != "farm_share" || rows[0][1] != "runs" || rows[1][0] != "0" || rows[2][0] != "1" {
		t.Errorf("points.csv: %v", rows)
	}
	sz := readCSV(t, filepath.Join(dir, "sizing.csv"))
	if len(sz) != len(d.Sizing.Curve)+1 || sz[0][1] != "farm_gpus" {
		t.Errorf("sizing.csv: %d rows for %d curve points; header %v", len(sz), len(d.Sizing.Curve), sz[0][:4])
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestPlanSameBytesWhateverTheWorkers: one worker and several write the same results.json.
func TestPlanSameBytesWhateverTheWorkers(t *testing.T) {
	var docs [2][]byte
	for i, workers := range []string{"1", "4"} {
		dir := t.TempDir()
		code, _, stderr := runCLI(t, "plan", "--scenario", "small", "--sweep", "load_growth=1,1.3",
			"--sweep", "policy=fifo,easy", "--reps", "3", "--size", "cap", "--workers", workers, "--out", dir)
		if code != 0 {
			t.Fatalf("workers %s: exit %d: %s", workers, code, stderr)
		}
		_, docs[i] = readPlan(t, dir)
	}
	if string(docs[0]) != string(docs[1]) {
		t.Fatal("results.json differs between 1 and 4 workers")
	}
}

func TestPlanUsage(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no scenario", []string{"--out", dir}, 2, "--scenario"},
		{"no out", []string{"--scenario", "small"}, 2, "--out"},
		{"bad key", []string{"--scenario", "small", "--out", dir, "--sweep", "colour=red"}, 2, "unknown key"},
		{"bad value", []string{"--scenario", "small", "--out", dir, "--sweep", "farm_share=2"}, 2, "farm_share"},
		{"key twice", []string{"--scenario", "small", "--out", dir, "--sweep", "farm_share=0", "--sweep", "farm_share=1"}, 2, "twice"},
		{"bad size", []string{"--scenario", "small", "--out", dir, "--size", "racks"}, 2, "--size"},
		{"target alone", []string{"--scenario", "small", "--out", dir, "--target", "p95=1h"}, 2, "--target goes with --size"},
		{"bad target", []string{"--scenario", "small", "--out", dir, "--size", "gpus", "--target", "p99=1h"}, 2, "p95="},
		{"bad range", []string{"--scenario", "small", "--out", dir, "--size", "gpus", "--range", "24:8"}, 2, "range"},
		{"power without budget", []string{"--scenario", "small", "--out", dir, "--size", "power"}, 2, "--budget-kw"},
		{"seeds twice", []string{"--scenario", "small", "--out", dir, "--seeds", "1,1"}, 2, "twice"},
		{"zero reps", []string{"--scenario", "small", "--out", dir, "--reps", "0"}, 2, "--reps"},
		{"one rep has no interval", []string{"--scenario", "small", "--out", dir, "--reps", "1"}, 2, "at least 2"},
		{"one seed has no interval", []string{"--scenario", "small", "--out", dir, "--seeds", "7"}, 2, "at least 2"},
		{"unknown scenario", []string{"--scenario", "nowhere", "--out", dir}, 1, "nowhere"},
		{"sized key fixed", []string{"--scenario", "small", "--out", dir, "--sweep", "farm_gpus=16", "--size", "gpus"}, 2, "farm_gpus"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, append([]string{"plan"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.msg)
			}
		})
	}
}

// TestPlanRecordsRun: with --nats the run is stored as a planner-run event whose summary holds
// the seeds and the digest of the results.json written.
func TestPlanRecordsRun(t *testing.T) {
	url := startLog(t)
	dir := t.TempDir()
	code, _, stderr := runCLI(t, "plan", "--scenario", "small", "--sweep", "farm_share=0.5,1", "--reps", "2",
		"--nats", url, "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, raw := readPlan(t, dir)
	sum := sha256.Sum256(raw)
	want := "sha256:" + hex.EncodeToString(sum[:])

	nf := natsFlags{url: url}
	log, err := nf.connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	var got []events.PlannerRun
	err = log.Replay(context.Background(), time.Time{}, time.Time{}, []events.Kind{events.KindPlannerRun}, func(e events.Event) error {
		var p events.PlannerRun
		if err := json.Unmarshal(e.Data, &p); err != nil {
			return err
		}
		got = append(got, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d planner-run events, want 1", len(got))
	}
	var s struct {
		Inputs struct {
			Sweep []planner.Axis `json:"sweep"`
		} `json:"inputs"`
		Seeds   []uint64 `json:"seeds"`
		Results string   `json:"results_sha256"`
	}
	if err := json.Unmarshal(got[0].Summary, &s); err != nil {
		t.Fatal(err)
	}
	if s.Results != want || len(s.Seeds) != 2 || got[0].Scenario != "small" || !strings.HasPrefix(got[0].InputsHash, "sha256:") ||
		len(s.Inputs.Sweep) != 1 || s.Inputs.Sweep[0].Key != "farm_share" {
		t.Errorf("event %+v summary %s; want results %s", got[0], got[0].Summary, want)
	}
}

// TestPlanSizingUsesFixedKeys: a sweep key given one value applies to the sizing too.
func TestPlanSizingUsesFixedKeys(t *testing.T) {
	for _, policy := range []string{"fifo", "easy"} {
		dir := t.TempDir()
		code, _, stderr := runCLI(t, "plan", "--scenario", "small", "--sweep", "policy="+policy, "--sweep", "power_cap_kw=6",
			"--reps", "2", "--size", "gpus", "--range", "4:24", "--step", "2", "--target", "p95=10h", "--out", dir)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		d, _ := readPlan(t, dir)
		if d.Sizing == nil || d.Sizing.Params["policy"] != policy || d.Sizing.Params["power_cap_kw"] != 6.0 {
			t.Fatalf("sizing params %+v", d.Sizing)
		}
		// The curve's points ran under the cap: it binds some of the time.
		binds := false
		for _, c := range d.Sizing.Curve {
			binds = binds || c.Metrics["cap_time_share"].Mean > 0
		}
		if !binds {
			t.Errorf("%s: a 6 kW cap never bound on the sizing curve", policy)
		}
	}
}
