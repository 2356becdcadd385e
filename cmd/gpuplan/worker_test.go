package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events/natsserver"
)

// A test binary started with GPUPLAN_TEST_WORKER set runs `gpuplan worker` with those arguments
// (separated by newlines), so a test can kill -9 a real worker process.
func init() {
	if args := os.Getenv("GPUPLAN_TEST_WORKER"); args != "" {
		os.Exit(run(append([]string{"worker"}, strings.Split(args, "\n")...), os.Stdout, os.Stderr))
	}
}

// startWorker starts a worker process; it is killed at the end of the test.
func startWorker(t testing.TB, args ...string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GPUPLAN_TEST_WORKER="+strings.Join(args, "\n"))
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd, stderr
}

var runLine = regexp.MustCompile(`: run ([0-9a-f]+\.\d+) seed`)

// TestDistributedPlanEqualsLocal: a plan spread over three worker processes writes the same
// results.json as a local plan, byte for byte, also when one worker is killed with SIGKILL in
// the middle of a run: its task goes to another worker after the ack wait.
func TestDistributedPlanEqualsLocal(t *testing.T) {
	args := []string{"plan", "--scenario", "small", "--sweep", "farm_share=0,0.5,1", "--sweep", "policy=fifo,easy",
		"--reps", "2", "--size", "cap"}
	local := t.TempDir()
	if code, _, stderr := runCLI(t, append(args, "--out", local)...); code != 0 {
		t.Fatalf("local plan: exit %d: %s", code, stderr)
	}
	_, want := readPlan(t, local)
	cases := []struct {
		name string
		hold string // each run waits this long first, so a kill lands mid-run
		kill bool
	}{
		{"three workers", "20ms", false},
		{"one killed mid-run", "400ms", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := natsserver.Start(natsserver.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0"})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Shutdown()
			var procs []*exec.Cmd
			var logs []*lockedBuffer
			for i := range 3 {
				p, l := startWorker(t, "--nats", srv.URL(), "--name", fmt.Sprintf("w%d", i), "--ack-wait", "2s", "--hold", tc.hold)
				procs, logs = append(procs, p), append(logs, l)
			}
			killed := make(chan string, 1)
			if tc.kill {
				go func() {
					deadline := time.Now().Add(30 * time.Second)
					for time.Now().Before(deadline) {
						if m := runLine.FindStringSubmatch(logs[0].String()); m != nil {
							_ = procs[0].Process.Signal(syscall.SIGKILL)
							killed <- m[1]
							return
						}
						time.Sleep(2 * time.Millisecond)
					}
					killed <- ""
				}()
			}
			dir := t.TempDir()
			code, _, stderr := runCLI(t, append(args, "--workers", "nats", "--nats", srv.URL(), "--out", dir)...)
			if code != 0 {
				t.Fatalf("distributed plan: exit %d: %s", code, stderr)
			}
			_, got := readPlan(t, dir)
			if string(got) != string(want) {
				t.Errorf("results.json differs from the local plan's:\n%s\nwant\n%s", got, want)
			}
			for _, name := range []string{"points.csv", "sizing.csv"} {
				a, _ := os.ReadFile(filepath.Join(local, name))
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil || string(a) != string(b) {
					t.Errorf("%s differs from the local plan's (%v)", name, err)
				}
			}
			if !tc.kill {
				return
			}
			task := <-killed
			if task == "" {
				t.Fatal("worker w0 never started a run")
			}
			if strings.Contains(logs[0].String(), "done "+task+" ") {
				t.Fatalf("w0 finished %s before the kill: the test killed nothing mid-run\n%s", task, logs[0])
			}
			redone := false
			for _, l := range logs[1:] {
				redone = redone || strings.Contains(l.String(), "done "+task+" ")
			}
			if !redone {
				t.Errorf("no other worker ran %s after w0 was killed:\n%s\n%s", task, logs[1], logs[2])
			}
		})
	}
}

func TestWorkerUsage(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no nats", []string{"worker"}, 2, "--nats URL is required"},
		{"argument", []string{"worker", "extra", "--nats", "nats://127.0.0.1:1"}, 2, "takes no arguments"},
		{"short ack wait", []string{"worker", "--nats", "nats://127.0.0.1:1", "--ack-wait", "10ms"}, 2, "--ack-wait"},
		{"no server", []string{"worker", "--nats", "nats://127.0.0.1:1"}, 1, "127.0.0.1:1"},
		{"plan without nats", []string{"plan", "--scenario", "small", "--workers", "nats", "--out", "x"}, 2, "--workers nats needs --nats"},
		{"plan bad workers", []string{"plan", "--scenario", "small", "--workers", "many", "--out", "x"}, 2, "--workers"},
		{"plan zero workers", []string{"plan", "--scenario", "small", "--workers", "0", "--out", "x"}, 2, "--workers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Fatalf("exit %d, stderr %q; want exit %d naming %q", code, stderr, tc.code, tc.msg)
			}
		})
	}
}

// TestDistributedPlanUnderAuth: under serve --auth, workers with worker.creds and a planner
// with planner.creds write the local plan's results.json; an importer cannot plan with the
// workers and a collector cannot work, each refused with permission denied.
func TestDistributedPlanUnderAuth(t *testing.T) {
	auth := filepath.Join(t.TempDir(), "auth")
	if c, out, e := runCLI(t, "auth", "init", auth, "--node", "node-a"); c != 0 || !strings.Contains(out, "worker.creds") {
		t.Fatalf("auth init: exit %d: %s %s", c, out, e)
	}
	url, _ := serveAt(t, "nats://", "--addr", "127.0.0.1:0", "--auth", auth)
	creds := func(name string) string { return filepath.Join(auth, name+".creds") }
	for i := range 2 {
		startWorker(t, "--nats", url, "--creds", creds("worker"), "--name", fmt.Sprintf("w%d", i), "--quiet")
	}
	args := []string{"plan", "--scenario", "small", "--sweep", "farm_share=0,0.5,1", "--reps", "2"}
	local := t.TempDir()
	if code, _, stderr := runCLI(t, append(args, "--out", local)...); code != 0 {
		t.Fatalf("local plan: exit %d: %s", code, stderr)
	}
	_, want := readPlan(t, local)
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, append(args, "--workers", "nats", "--nats", url, "--creds", creds("planner"), "--out", dir)...); code != 0 {
		t.Fatalf("distributed plan as planner: exit %d: %s", code, stderr)
	}
	if _, got := readPlan(t, dir); string(got) != string(want) {
		t.Fatalf("results.json under auth differs from the local plan's")
	}
	code, _, stderr := runCLI(t, append(args, "--workers", "nats", "--nats", url, "--creds", creds("importer"), "--out", t.TempDir())...)
	if code != 1 || !strings.Contains(stderr, "permission denied") {
		t.Errorf("plan as importer: exit %d, stderr %q; want 1 and permission denied", code, stderr)
	}
	code, _, stderr = runCLI(t, "worker", "--nats", url, "--creds", creds("collector-node-a"))
	if code != 1 || !strings.Contains(stderr, "permission denied") {
		t.Errorf("worker as collector: exit %d, stderr %q; want 1 and permission denied", code, stderr)
	}
}

// TestWorkerSIGTERM: SIGTERM stops an idle worker process with exit status 0.
func TestWorkerSIGTERM(t *testing.T) {
	srv, err := natsserver.Start(natsserver.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	cmd, stderr := startWorker(t, "--nats", srv.URL())
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(stderr.String(), "waiting for runs") {
		if time.Now().After(deadline) {
			t.Fatalf("worker not ready after 15 s: %s", stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("worker after SIGTERM: %v\n%s", err, stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("worker still running 10 s after SIGTERM:\n%s", stderr)
	}
}
