package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events/natsserver"
	"github.com/gpuplan/gpuplan/scenarios"
)

// smallFile writes the built-in small scenario with extra appended as plan.yaml in a folder of
// its own, and returns the file's path and text.
func smallFile(t *testing.T, extra string) (string, string) {
	t.Helper()
	base, ok := scenarios.BuiltinSource("small")
	if !ok {
		t.Fatal("no built-in small")
	}
	text := string(base) + "\n" + extra
	return writeFile(t, "plan.yaml", text), text
}

func planFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range []string{"results.json", "points.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(b)
	}
	return out
}

const fileSweep = "sweep:\n  farm_share: [0, 0.5, 1]\n  policy: [fifo, easy]\nreps: 3\n"

// TestPlanFileSweepEqualsFlags: the sweep and reps kept in a scenario file give, byte for byte,
// the results of the same sweep and reps given as flags, whether the file holds a sweep or not
// (a sweep is not part of the scenario's hash).
func TestPlanFileSweepEqualsFlags(t *testing.T) {
	withSweep, _ := smallFile(t, fileSweep)
	without, _ := smallFile(t, "")
	flags := []string{"--sweep", "farm_share=0,0.5,1", "--sweep", "policy=fifo,easy", "--reps", "3"}
	runs := []struct {
		name string
		args []string
	}{
		{"file sweep", []string{"--scenario", withSweep}},
		{"flags over the same file sweep", append([]string{"--scenario", withSweep}, flags...)},
		{"flags on a file without one", append([]string{"--scenario", without}, flags...)},
	}
	var want map[string]string
	for _, r := range runs {
		dir := t.TempDir()
		code, _, stderr := runCLI(t, append(append([]string{"plan"}, r.args...), "--out", dir)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", r.name, code, stderr)
		}
		if fromFile := strings.Contains(stderr, "the sweep of "+withSweep); fromFile != (r.name == "file sweep") {
			t.Errorf("%s: stderr %q says the sweep came from the file: %v", r.name, stderr, fromFile)
		}
		got := planFiles(t, dir)
		if want == nil {
			doc, _ := readPlan(t, dir)
			if len(doc.Points) != 6 || len(doc.Seeds) != 3 || doc.Sweep[0].Key != "farm_share" {
				t.Fatalf("%s: %d points x %d seeds, sweep %+v; want 6 x 3, farm_share first", r.name, len(doc.Points), len(doc.Seeds), doc.Sweep)
			}
			want = got
			continue
		}
		for name := range want {
			if got[name] != want[name] {
				t.Errorf("%s: %s differs from the file sweep's:\n%s\nwant\n%s", r.name, name, got[name], want[name])
			}
		}
	}
}

// TestPlanFlagsOverrideFileSweep: any --sweep replaces the file's whole sweep, --sweep none runs
// the scenario as it is, and --reps or --seeds replace the file's reps.
func TestPlanFlagsOverrideFileSweep(t *testing.T) {
	file, _ := smallFile(t, fileSweep)
	cases := []struct {
		name   string
		args   []string
		keys   []string
		points int
		seeds  []uint64
	}{
		{"file", nil, []string{"farm_share", "policy"}, 6, []uint64{1, 2, 3}},
		{"--sweep replaces all", []string{"--sweep", "load_growth=1,1.2"}, []string{"load_growth"}, 2, []uint64{1, 2, 3}},
		{"--sweep none", []string{"--sweep", "none"}, nil, 1, []uint64{1, 2, 3}},
		{"--reps", []string{"--sweep", "none", "--reps", "2"}, nil, 1, []uint64{1, 2}},
		{"--reps at its default", []string{"--sweep", "none", "--reps", "5"}, nil, 1, []uint64{1, 2, 3, 4, 5}},
		{"--seeds", []string{"--sweep", "none", "--seeds", "7,9"}, nil, 1, []uint64{7, 9}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			code, _, stderr := runCLI(t, append(append([]string{"plan", "--scenario", file}, tc.args...), "--out", dir)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			doc, _ := readPlan(t, dir)
			var keys []string
			for _, a := range doc.Sweep {
				keys = append(keys, a.Key)
			}
			if strings.Join(keys, ",") != strings.Join(tc.keys, ",") || len(doc.Points) != tc.points {
				t.Errorf("swept %v in %d points, want %v in %d", keys, len(doc.Points), tc.keys, tc.points)
			}
			if len(doc.Seeds) != len(tc.seeds) {
				t.Fatalf("seeds %v, want %v", doc.Seeds, tc.seeds)
			}
			for i := range tc.seeds {
				if doc.Seeds[i] != tc.seeds[i] {
					t.Fatalf("seeds %v, want %v", doc.Seeds, tc.seeds)
				}
			}
		})
	}
}

// TestPlanFileSweepMistakes: a bad sweep entry in a file is bad input (exit 1) named by file,
// line and field; the same mistake on the command line stays a command-line mistake (exit 2).
func TestPlanFileSweepMistakes(t *testing.T) {
	cases := []struct {
		name, extra string
		args        []string
		code        int
		path, line  string // line: a marker on the line the message must name
		msg         string
	}{
		{"unknown key in file", "sweep: {colour: [red]}\n", nil, 1, "sweep.colour", "colour", "unknown sweep key"},
		{"value out of range in file", "sweep:\n  farm_share: [0, 2]\n", nil, 1, "sweep.farm_share[1]", "farm_share", "want a share in [0, 1], got 2"},
		{"policy in file", "sweep:\n  policy:\n    - fifo\n    - fragmented\n", nil, 1, "sweep.policy[1]", "- fragmented", "want a farm policy"},
		{"one rep in file", "reps: 1\n", nil, 1, "reps", "reps: 1", "want 2 to 10000"},
		{"not a mapping", "sweep: farm_share=0,1\n", nil, 1, "sweep", "sweep:", "want a mapping"},
		{"unknown key on the command line", "", []string{"--sweep", "colour=red"}, 2, "", "", "unknown key"},
		{"none with a key", fileSweep, []string{"--sweep", "none", "--sweep", "farm_share=1"}, 2, "", "", "--sweep none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file, text := smallFile(t, tc.extra)
			code, stdout, stderr := runCLI(t, append(append([]string{"plan", "--scenario", file}, tc.args...), "--out", t.TempDir())...)
			if code != tc.code || stdout != "" || !strings.Contains(stderr, tc.msg) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, tc.code, tc.msg)
			}
			if tc.path == "" {
				return
			}
			line := 0
			for i, l := range strings.Split(text, "\n") {
				if strings.Contains(l, tc.line) {
					line = i + 1 // the last match: the sweep is at the end
				}
			}
			if want := file + ":" + strconv.Itoa(line) + ": " + tc.path + ": "; !strings.Contains(stderr, want) {
				t.Errorf("stderr %q does not name %q", stderr, want)
			}
		})
	}
}

// TestPlanWithoutWorkers: a distributed plan nobody serves fails (exit 1) within
// --worker-timeout, naming the stream and subject its runs wait on and how to start a worker.
func TestPlanWithoutWorkers(t *testing.T) {
	srv, err := natsserver.Start(natsserver.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	code, stdout, stderr := runCLI(t, "plan", "--scenario", "small", "--sweep", "farm_share=0,1", "--reps", "2",
		"--workers", "nats", "--nats", srv.URL(), "--worker-timeout", "1s", "--out", t.TempDir())
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	for _, want := range []string{"no worker took a run", "in 1s", "stream GPUPLAN_WORK", "subject gpuplan.work.task.",
		"gpuplan worker --nats " + srv.URL(), "--worker-timeout"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stdout, "wrote") {
		t.Errorf("stdout %q: a failed plan wrote results", stdout)
	}
	if code, _, stderr := runCLI(t, "plan", "--scenario", "small", "--workers", "nats", "--nats", srv.URL(),
		"--worker-timeout", "-1s", "--out", t.TempDir()); code != 2 || !strings.Contains(stderr, "--worker-timeout") {
		t.Errorf("negative --worker-timeout: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "plan", "--scenario", "small", "--worker-timeout", "1s", "--out", t.TempDir()); code != 2 ||
		!strings.Contains(stderr, "--worker-timeout goes with --workers nats") {
		t.Errorf("--worker-timeout without --workers nats: exit %d: %s", code, stderr)
	}
}

// TestPlanWorkerJoinsLate: a worker process started after the plan queued its runs takes them,
// and the plan writes the local plan's results, byte for byte.
func TestPlanWorkerJoinsLate(t *testing.T) {
	args := []string{"plan", "--scenario", "small", "--sweep", "farm_share=0,1", "--sweep", "policy=fifo,easy", "--reps", "2"}
	local := t.TempDir()
	if code, _, stderr := runCLI(t, append(args, "--out", local)...); code != 0 {
		t.Fatalf("local plan: exit %d: %s", code, stderr)
	}
	srv, err := natsserver.Start(natsserver.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	type result struct {
		code   int
		stderr string
	}
	dir := t.TempDir()
	done := make(chan result, 1)
	go func() {
		code, _, stderr := runCLI(t, append(args, "--workers", "nats", "--nats", srv.URL(), "--worker-timeout", "60s", "--out", dir)...)
		done <- result{code, stderr}
	}()
	// Start the worker only once the plan's 8 runs wait on the queue.
	js := jetStreamClient(t, srv.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		st, err := js.Stream(ctx, "GPUPLAN_WORK")
		if err == nil && st.CachedInfo().State.Msgs == 8 {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("plan ended before its runs were queued: exit %d: %s", r.code, r.stderr)
		case <-ctx.Done():
			t.Fatal("the plan's runs never reached the queue")
		case <-time.After(20 * time.Millisecond):
		}
	}
	startWorker(t, "--nats", srv.URL(), "--quiet")
	r := <-done
	if r.code != 0 {
		t.Fatalf("distributed plan: exit %d: %s", r.code, r.stderr)
	}
	want, got := planFiles(t, local), planFiles(t, dir)
	for name := range want {
		if got[name] != want[name] {
			t.Errorf("%s differs from the local plan's", name)
		}
	}
}
