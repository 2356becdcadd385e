package main

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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
// directories: the log holds every batch once, in time order, with no gap before the kill.
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
	srv.Shutdown()
	time.Sleep(1 * time.Second) // about 20 batches go to the spool only
	c1.Process.Signal(syscall.SIGKILL)
	c1.Wait()

	srv, err = natsserver.Start(natsserver.Options{Dir: data, Addr: u.Host})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	var stderr2 bytes.Buffer
	c2 := child("--for", "1s")
	c2.Stderr = &stderr2
	if err := c2.Run(); err != nil {
		t.Fatalf("second collector: %v\n%s", err, stderr2.String())
	}
	if !strings.Contains(stderr2.String(), "unsent events") || !strings.Contains(stderr2.String(), "everything sent") {
		t.Fatalf("second collector found no spool to drain or did not finish it:\n%s\nfirst:\n%s", stderr2.String(), stderr1.String())
	}

	nc, err := jetstream.Connect(srv.URL())
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
	var times []time.Time
	seen := map[string]bool{}
	err = st.Replay(ctx, time.Time{}, time.Time{}, []events.Kind{events.KindGPUSampleBatch}, func(e events.Event) error {
		if seen[e.ID] {
			t.Errorf("batch %s stored twice", e.ID)
		}
		seen[e.ID] = true
		times = append(times, e.Time)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(times) < 40 {
		t.Fatalf("%d batches stored, want at least 40 (2.5 s at 50 ms, then 1 s)", len(times))
	}
	gaps := 0
	for i := 1; i < len(times); i++ {
		d := times[i].Sub(times[i-1])
		if d <= 0 {
			t.Fatalf("batch %d at %v is not after batch %d at %v", i, times[i], i-1, times[i-1])
		}
		if d > 4*interval {
			gaps++ // the restart; batches lost before the kill would add more
		}
	}
	if gaps > 1 {
		t.Errorf("%d gaps of more than 4 intervals in the stored batches, want 1 (the restart)", gaps)
	}
}
