package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsserver"
)

// A test binary started with GPUPLAN_TEST_COLLECT set runs `gpuplan collect` with those
// arguments (separated by newlines), so a test can kill -9 a real collector process.
func init() {
	if args := os.Getenv("GPUPLAN_TEST_COLLECT"); args != "" {
		os.Exit(run(append([]string{"collect"}, strings.Split(args, "\n")...), os.Stdout, os.Stderr))
	}
}

func TestCollectErrors(t *testing.T) {
	dir := t.TempDir()
	badCfg := filepath.Join(dir, "node.yaml")
	os.WriteFile(badCfg, []byte("owners:\n  - owner: kim\n    gpus: [zero]\n"), 0o644)
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no nats", []string{"collect", "--fake", "dgxh100"}, 2, "needs --nats"},
		{"bad interval", []string{"collect", "--nats", "nats://127.0.0.1:1", "--interval", "0s"}, 2, "--interval"},
		{"unknown fake", []string{"collect", "--nats", "nats://127.0.0.1:1", "--fake", "dgx-nope", "--spool", dir}, 2, "unknown model"},
		{"bad config", []string{"collect", "--nats", "nats://127.0.0.1:1", "--fake", "dgxh100", "--spool", dir, "--config", badCfg}, 1, "node.yaml:3: owners[0].gpus[0]"},
		{"missing creds", []string{"collect", "--nats", "nats://127.0.0.1:1", "--fake", "dgxh100", "--spool", dir, "--creds", filepath.Join(dir, "none.creds")}, 1, "--creds"},
		{"bad spool size", []string{"collect", "--nats", "nats://127.0.0.1:1", "--spool-max-bytes", "lots"}, 2, "--spool-max-bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, &stdout, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.msg) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tc.code, tc.msg)
			}
		})
	}
}

// TestCollectWithoutDriver: on a machine without the NVIDIA driver (as this test machine is) the
// command says so and exits 1, without a crash.
func TestCollectWithoutDriver(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"collect", "--nats", "nats://127.0.0.1:1", "--spool", t.TempDir(), "--for", "200ms"}, &stdout, &stderr)
	if code == 0 {
		t.Logf("NVML initialised: this machine has a driver; nothing to check")
		return
	}
	if code != 1 || !strings.Contains(stderr.String(), "no NVIDIA driver") || !strings.Contains(stderr.String(), "--fake") {
		t.Fatalf("exit %d, stderr %q; want 1 and a message naming the driver and --fake", code, stderr.String())
	}
}

// TestCollectKill9 runs `gpuplan collect --fake` as a process, stops the server so that it
// spools, kills it with SIGKILL mid-spool, restarts the server and the collector on the same
// directories. The log then holds what it had before the outage, then every spooled batch not
// already in it, then the new batches: each once, in time order.
func TestCollectKill9(t *testing.T) {
	data, spool := t.TempDir(), t.TempDir()
	srv, err := natsserver.Start(natsserver.Options{Dir: data, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL())
	const interval = 50 * time.Millisecond
	args := []string{"--nats", srv.URL(), "--fake", "dgxh100", "--interval", interval.String(), "--node", "n1", "--spool", spool}
	child := func(extra ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "GPUPLAN_TEST_COLLECT="+strings.Join(append(args, extra...), "\n"))
		return cmd
	}
	var stderr1 bytes.Buffer
	c1 := child()
	c1.Stderr = &stderr1
	if err := c1.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	srv.Shutdown() // the log before the outage is fixed from here
	time.Sleep(1 * time.Second)
	c1.Process.Signal(syscall.SIGKILL)
	c1.Wait()

	// What the killed collector left unacknowledged (some of it may be stored already).
	sp, err := collectors.OpenSpool(spool, collectors.SpoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := sp.Peek(1 << 20)
	sp.Close()
	if err != nil {
		t.Fatal(err)
	}
	var pending []string
	for _, r := range recs {
		if r.Event.Kind == events.KindGPUSampleBatch {
			pending = append(pending, r.Event.ID)
		}
	}
	if len(pending) < 5 {
		t.Fatalf("only %d batches spooled during a 1 s outage at %v", len(pending), interval)
	}

	srv, err = natsserver.Start(natsserver.Options{Dir: data, Addr: u.Host})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	before, _ := storedBatches(t, srv.URL())
	if len(before) == 0 {
		t.Fatalf("nothing stored before the outage:\n%s", stderr1.String())
	}
	var stderr2 bytes.Buffer
	c2 := child("--for", "1s")
	c2.Stderr = &stderr2
	if err := c2.Run(); err != nil {
		t.Fatalf("second collector: %v\n%s", err, stderr2.String())
	}
	if !strings.Contains(stderr2.String(), "unsent events") || !strings.Contains(stderr2.String(), "everything sent") {
		t.Fatalf("second collector found no spool to drain or did not finish it:\n%s", stderr2.String())
	}

	after, times := storedBatches(t, srv.URL())
	want := append([]string(nil), before...)
	inBefore := map[string]bool{}
	for _, id := range before {
		inBefore[id] = true
	}
	for _, id := range pending {
		if !inBefore[id] {
			want = append(want, id)
		}
	}
	if len(after) <= len(want) {
		t.Fatalf("%d batches stored, want the %d from before the restart plus new ones", len(after), len(want))
	}
	if err := equalPrefix(after, want); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, id := range after {
		if seen[id] {
			t.Fatalf("batch %s stored twice", id)
		}
		seen[id] = true
		if i > 0 && !times[i].After(times[i-1]) {
			t.Fatalf("batch %d at %v is not after batch %d at %v", i, times[i], i-1, times[i-1])
		}
	}
}

func equalPrefix(got, want []string) error {
	for i := range want {
		if got[i] != want[i] {
			return fmt.Errorf("stored batch %d is %s, want %s (before the outage, then the spool, in order)", i, got[i], want[i])
		}
	}
	return nil
}

// storedBatches replays the sample batches at url: ids and times in stream order.
func storedBatches(t *testing.T, url string) ([]string, []time.Time) {
	t.Helper()
	nc, err := jetstream.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := jetstream.Open(ctx, nc, jetstream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var times []time.Time
	err = st.Replay(ctx, time.Time{}, time.Time{}, []events.Kind{events.KindGPUSampleBatch}, func(e events.Event) error {
		ids = append(ids, e.ID)
		times = append(times, e.Time)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, times
}

// TestCollectWithCollectorCredential: under `serve --auth` a collector's own credential lets it
// publish its node's inventory, samples and ownership (checked against the last ownership
// change); under another node's name the server refuses, and the events stay spooled.
func TestCollectWithCollectorCredential(t *testing.T) {
	auth := filepath.Join(t.TempDir(), "auth")
	if c, out, e := runCLI(t, "auth", "init", auth, "--node", "node-a"); c != 0 {
		t.Fatalf("auth init: exit %d: %s %s", c, out, e)
	}
	url, _ := serveAt(t, "nats://", "--addr", "127.0.0.1:0", "--auth", auth)
	// The admin creates the streams, as an operator would once.
	if c, _, e := runCLI(t, "events", "export", "--out", "-", "--nats", url, "--creds", filepath.Join(auth, "admin.creds")); c != 0 {
		t.Fatalf("export as admin: exit %d: %s", c, e)
	}
	cfg := writeFile(t, "node.yaml", "site: lab\nowners:\n  - owner: kim\n    gpus: [0, 1]\n")
	creds := filepath.Join(auth, "collector-node-a.creds")
	spool := t.TempDir()
	c, _, e := runCLI(t, "collect", "--nats", url, "--creds", creds, "--fake", "dgxh100", "--node", "node-a", "--config", cfg,
		"--interval", "100ms", "--for", "600ms", "--spool", spool)
	if c != 0 || !strings.Contains(e, "everything sent") {
		t.Fatalf("collect as node-a: exit %d: %s", c, e)
	}
	c, out, e := runCLI(t, "events", "export", "--out", "-", "--nats", url, "--creds", filepath.Join(auth, "planner.creds"))
	if c != 0 {
		t.Fatalf("export as planner: exit %d: %s", c, e)
	}
	for _, want := range []string{`"kind":"gpu.inventory"`, `"kind":"gpu.samples"`, `"kind":"ownership.assigned"`, `"node":"node-a"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s", want)
		}
	}
	c, _, e = runCLI(t, "collect", "--nats", url, "--creds", creds, "--fake", "dgxh100", "--node", "node-b",
		"--interval", "100ms", "--for", "500ms", "--flush-timeout", "300ms", "--spool", t.TempDir())
	if c != 0 || !strings.Contains(e, "publishing paused") || !strings.Contains(e, "stay spooled") {
		t.Fatalf("collect as node-b with node-a's credential: exit %d: %s", c, e)
	}
}

// TestCollectSIGTERM: SIGTERM stops a collector process cleanly, with everything sent.
func TestCollectSIGTERM(t *testing.T) {
	srv, err := natsserver.Start(natsserver.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	args := []string{"--nats", srv.URL(), "--fake", "dgxa100", "--interval", "50ms", "--node", "n1", "--spool", t.TempDir()}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GPUPLAN_TEST_COLLECT="+strings.Join(args, "\n"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("collector after SIGTERM: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped; everything sent") {
		t.Fatalf("stderr %q, want a clean stop with nothing left spooled", stderr.String())
	}
	ids, _ := storedBatches(t, srv.URL())
	if len(ids) < 5 {
		t.Fatalf("%d batches stored in 1 s at 50 ms", len(ids))
	}
}
