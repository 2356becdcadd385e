package main

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

// Alice holds 2 GPUs and submits two 2-GPU jobs of 1,000 s; Bob holds 2 and submits one 1-GPU job of
// 500 s at 20 s. Fragmented: Alice's second job waits 990 s, Bob's none. Farm fifo over 4 GPUs:
// both of Alice's start at once and Bob's waits for the first to end, 1,000 - 20 = 980 s. So Alice
// is better off (mean wait 495 -> 0) and Bob worse (0 -> 980 s, 0.27 h), both far past max(60 s, 5%).
const compareJobs = `id,owner,submit_s,gpus,duration_s
a,alice,0,2,1000
b,alice,10,2,1000
c,bob,20,1,500
`

func TestSimulateBaselineTableAndJSON(t *testing.T) {
	workload := writeFile(t, "jobs.csv", compareJobs)
	pools := writeFile(t, "pools.csv", "owner,gpus\nalice,2\nbob,2\n")
	args := []string{"simulate", "--workload", workload, "--pools", pools, "--policy", "fragmented,fifo",
		"--placement", "pool", "--baseline", "fragmented"}

	code, out, errOut := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	_, section, ok := strings.Cut(out, "owners better or worse off than fragmented")
	if !ok {
		t.Fatalf("no comparison section under the table:\n%s", out)
	}
	if !strings.Contains(section, "fifo: 1 better, 1 worse, 0 unchanged") {
		t.Errorf("counts missing:\n%s", section)
	}
	// Bob's mean and p95 wait both rise by 980 s = 0.27 h.
	if !lineStartsWith(section, "bob", "+0.27", "+0.27") {
		t.Errorf("worst-off row for bob missing:\n%s", section)
	}

	code, out, errOut = runCLI(t, append(args, "--json", "-")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Comparisons []struct {
			Baseline, Policy         string
			Better, Worse, Unchanged int
			Worst                    []string
			Owners                   []struct {
				Owner          string
				DeltaMeanWaitS float64 `json:"delta_mean_wait_s"`
				DeltaP95WaitS  float64 `json:"delta_p95_wait_s"`
				Verdict        string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
	}
	if len(doc.Comparisons) != 1 {
		t.Fatalf("%d comparisons, want 1 (fifo against fragmented)", len(doc.Comparisons))
	}
	c := doc.Comparisons[0]
	if c.Baseline != "fragmented" || c.Policy != "fifo" || c.Better != 1 || c.Worse != 1 || c.Unchanged != 0 ||
		!slices.Equal(c.Worst, []string{"bob"}) || len(c.Owners) != 2 {
		t.Fatalf("comparison %+v", c)
	}
	want := []struct {
		owner       string
		dMean, dP95 float64
		verdict     string
	}{
		{"alice", -495, -0.95 * 990, "better"}, // waits 0 and 990: p95 = 0.95 x 990
		{"bob", 980, 980, "worse"},
	}
	for i, w := range want {
		o := c.Owners[i]
		if o.Owner != w.owner || o.Verdict != w.verdict || math.Abs(o.DeltaMeanWaitS-w.dMean) > 1e-9 ||
			math.Abs(o.DeltaP95WaitS-w.dP95) > 1e-9 {
			t.Errorf("owner %d: %+v, want %+v", i, o, w)
		}
	}
}

func TestSimulateWithoutBaselineHasNoComparisons(t *testing.T) {
	code, out, errOut := runCLI(t, "simulate", "--scenario", "small", "--policy", "fragmented,easy", "--json", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, `"comparisons"`) {
		t.Error("comparisons written without --baseline")
	}
}

func TestSimulateBaselineNotRun(t *testing.T) {
	code, out, errOut := runCLI(t, "simulate", "--scenario", "small", "--policy", "fifo,easy", "--baseline", "fragmented")
	if code != 2 || out != "" || !strings.Contains(errOut, "--baseline") || !strings.Contains(errOut, "fragmented") {
		t.Errorf("exit %d, stdout %q, stderr %q; want usage error 2 naming --baseline and the policy", code, out, errOut)
	}
}

// lineStartsWith reports whether some line of s starts with these fields.
func lineStartsWith(s string, fields ...string) bool {
	for _, line := range strings.Split(s, "\n") {
		if slices.Equal(strings.Fields(line)[:min(len(fields), len(strings.Fields(line)))], fields) {
			return true
		}
	}
	return false
}

// Replay shares simulate's output flags, --baseline included.
func TestReplayHasBaseline(t *testing.T) {
	code, out, errOut := runCLI(t, "replay", "--help")
	if code != 0 || !strings.Contains(out+errOut, "--baseline") {
		t.Errorf("exit %d; replay --help lacks --baseline:\n%s%s", code, out, errOut)
	}
}
