package jetstream

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/events/natsserver"
)

// childServerEnv, when set, makes the test binary a NATS server process instead of running the
// tests: the value is its natsserver.Options as JSON. Tests that must kill a server without
// warning (SIGKILL: no lame duck, no flush, no leader hand-over) run servers this way.
const childServerEnv = "GPUPLAN_JETSTREAM_TEST_SERVER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childServerEnv); spec != "" {
		os.Exit(runChildServer(spec))
	}
	os.Exit(m.Run())
}

// runChildServer starts the server, prints "ready URL" and serves until its stdin closes (the
// test ended, or died: then the server must not outlive it).
func runChildServer(spec string) int {
	var opt natsserver.Options
	if err := json.Unmarshal([]byte(spec), &opt); err != nil {
		fmt.Fprintln(os.Stderr, "child server:", err)
		return 2
	}
	srv, err := natsserver.Start(opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child server:", err)
		return 1
	}
	fmt.Printf("ready %s\n", srv.URL())
	io.Copy(io.Discard, os.Stdin)
	srv.Shutdown()
	return 0
}

// childServer is a NATS server running as a subprocess of the test.
type childServer struct {
	opt   natsserver.Options
	cmd   *exec.Cmd
	stdin io.WriteCloser
	ready chan string // the URL once it serves; closed without a value if it fails
}

// startChild starts a server process; its readiness is awaited with wait, so that the members of
// a cluster, which wait for each other, can start together.
func startChild(t *testing.T, opt natsserver.Options) *childServer {
	t.Helper()
	spec, err := json.Marshal(opt)
	if err != nil {
		t.Fatal(err)
	}
	c := &childServer{opt: opt, ready: make(chan string, 1)}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(os.Environ(), childServerEnv+"="+string(spec))
	c.cmd.Stderr = os.Stderr
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.ready)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				c.ready <- u
			}
		}
	}()
	cmd, stdin := c.cmd, c.stdin
	t.Cleanup(func() { stopChild(cmd, stdin) })
	return c
}

// wait returns the server's URL once it serves.
func (c *childServer) wait(t *testing.T, timeout time.Duration) string {
	t.Helper()
	select {
	case u, ok := <-c.ready:
		if !ok {
			t.Fatalf("server %s exited before serving", c.opt.Name)
		}
		return u
	case <-time.After(timeout):
		t.Fatalf("server %s not serving after %v", c.opt.Name, timeout)
	}
	return ""
}

// kill ends the process with SIGKILL: nothing of the server runs after it.
func (c *childServer) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	c.cmd.Wait() // "signal: killed" is the expected outcome
}

// stopChild asks a still running server to stop cleanly, and kills it after 10 s.
func stopChild(cmd *exec.Cmd, stdin io.Closer) {
	stdin.Close()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}
