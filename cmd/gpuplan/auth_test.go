package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan/internal/testpki"
)

// serveAt runs `gpuplan serve` in-process, waits for the URL it prints (which must start with
// scheme) and stops it when the test ends. It returns the URL and serve's stderr.
func serveAt(t *testing.T, scheme string, args ...string) (string, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	code := make(chan int, 1)
	go func() {
		root := newRootCmd(&stdout, &stderr)
		root.SetArgs(append([]string{"serve", "--data", t.TempDir()}, args...))
		if err := root.ExecuteContext(ctx); err != nil {
			stderr.Write([]byte(err.Error()))
			code <- 1
			return
		}
		code <- 0
	}()
	t.Cleanup(func() { cancel(); waitExit(t, code, &stderr) })
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if line, ok := strings.CutSuffix(stdout.String(), "\n"); ok {
			if !strings.HasPrefix(line, scheme+"127.0.0.1:") {
				t.Fatalf("serve printed %q, want %s127.0.0.1:PORT", line, scheme)
			}
			return line, &stderr
		}
		select {
		case c := <-code:
			code <- c
			t.Fatalf("serve exited with %d: %s", c, stderr.String())
		default:
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no URL after 15 s: %s", stderr.String())
	return "", nil
}

// Without --auth, serve stays on loopback: another address is a command-line mistake saying
// why, unless --insecure.
func TestServeOnlyLoopbackWithoutAuth(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"every interface", []string{"--addr", "0.0.0.0:0"}, 2, "--addr 0.0.0.0:0 listens beyond this machine, and without --auth any client"},
		{"every interface, IPv6", []string{"--addr", "[::]:0"}, 2, "--insecure to accept that"},
		{"a host name", []string{"--addr", "gpu-farm.example:4222"}, 2, "without --auth"},
		{"tls cert without key", []string{"--tls-cert", "x.pem"}, 2, "--tls-cert and --tls-key go together"},
		{"auth directory missing", []string{"--auth", "/nonexistent/auth"}, 1, "gpuplan auth init"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, e := runCLI(t, append([]string{"serve", "--data", t.TempDir()}, tc.args...)...)
			if c != tc.code || !strings.Contains(e, tc.want) {
				t.Errorf("exit %d, %q; want %d and %q", c, e, tc.code, tc.want)
			}
		})
	}
	// --insecure: the operator accepted it, and is reminded.
	if _, stderr := serveAt(t, "nats://", "--addr", "0.0.0.0:0", "--insecure"); !strings.Contains(stderr.String(), "WARNING: no authorization on 0.0.0.0:0") {
		t.Errorf("serve --insecure: stderr %q", stderr.String())
	}
}

// End to end with roles and TLS: each command does what its credential allows, is refused
// the rest with a message saying so, and replay under the planner's credential equals simulate.
func TestServeWithAuthAndTLS(t *testing.T) {
	pki := testpki.Write(t)
	ca, cert, key, otherCA := pki.CA, pki.Cert, pki.Key, pki.OtherCA
	auth := filepath.Join(t.TempDir(), "auth")
	if c, out, e := runCLI(t, "auth", "init", auth, "--node", "node-a"); c != 0 || !strings.Contains(out, "importer.creds") {
		t.Fatalf("auth init: exit %d: %s %s", c, out, e)
	}
	if c, out, e := runCLI(t, "auth", "add-node", "node-b", "--auth", auth); c != 0 || strings.TrimSpace(out) != filepath.Join(auth, "collector-node-b.creds") {
		t.Fatalf("auth add-node: exit %d: %q %s", c, out, e)
	}
	if c, _, e := runCLI(t, "auth", "add-node", "node-c"); c != 2 || !strings.Contains(e, "--auth") {
		t.Errorf("add-node without --auth: exit %d, %q", c, e)
	}
	// node-b's credential is revoked before the server starts: it cannot connect.
	if c, out, e := runCLI(t, "auth", "revoke", filepath.Join(auth, "collector-node-b.creds"), "--auth", auth); c != 0 || !strings.Contains(out, "revoked collector-node-b") {
		t.Fatalf("auth revoke: exit %d: %q %s", c, out, e)
	}
	url, stderr := serveAt(t, "tls://", "--addr", "127.0.0.1:0", "--auth", auth, "--tls-cert", cert, "--tls-key", key)
	if want := "roles of " + auth + " enforced; TLS only"; !strings.Contains(stderr.String(), want) {
		t.Errorf("serve stderr %q, want %q", stderr.String(), want)
	}
	creds := func(role string) string { return filepath.Join(auth, role+".creds") }
	workload := writeFile(t, "w.csv", "id,owner,submit_s,gpus,duration_s\nj1,kim,0,2,3600\nj2,lee,60,1,1800\nj3,kim,120,4,7200\nj4,park,300,1,600\n")
	log := func(role string, args ...string) []string {
		return append(args, "--nats", url, "--creds", creds(role), "--tls-ca", ca)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stdout for exit 0, in stderr otherwise
	}{
		{"import as importer", log("importer", "import", "--format", "csv", workload), 0, "4 events new"},
		{"import again, stores nothing", log("importer", "import", "--format", "csv", workload), 0, "0 events new"},
		{"import as planner", log("planner", "import", "--format", "csv", workload), 1, "permission denied"},
		{"import as a collector", log("collector-node-a", "import", "--format", "csv", workload), 1, "permission denied"},
		{"export as planner", log("planner", "events", "export", "--out", "-"), 0, `"job_id":"j4"`},
		{"export as importer", log("importer", "events", "export", "--out", "-"), 1, "permission denied"},
		{"no CA: the server's certificate is not trusted", []string{"events", "export", "--out", "-", "--nats", url, "--creds", creds("planner")}, 1, "certificate"},
		{"another CA", []string{"events", "export", "--out", "-", "--nats", url, "--creds", creds("planner"), "--tls-ca", otherCA}, 1, "certificate"},
		{"no credentials", []string{"events", "export", "--out", "-", "--nats", url, "--tls-ca", ca}, 1, "uthorization"},
		{"revoked credentials", log("collector-node-b", "events", "export", "--out", "-"), 1, "uthorization"},
		{"CA file missing", []string{"events", "export", "--out", "-", "--nats", url, "--creds", creds("planner"), "--tls-ca", "/nonexistent/ca.pem"}, 1, "/nonexistent/ca.pem"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, out, e := runCLI(t, tc.args...)
			got := e
			if tc.code == 0 {
				got = out
			}
			if c != tc.code || !strings.Contains(got, tc.want) {
				t.Errorf("exit %d (want %d), stdout %.300q, stderr %.300q; want %q", c, tc.code, out, e, tc.want)
			}
		})
	}
	c, replayed, e := runCLI(t, log("planner", "replay", "--json", "-")...)
	if c != 0 {
		t.Fatalf("replay as planner: exit %d: %s", c, e)
	}
	c, simulated, e := runCLI(t, "simulate", "--workload", workload, "--json", "-")
	if c != 0 {
		t.Fatalf("simulate: exit %d: %s", c, e)
	}
	if a, b := policiesOf(t, replayed), policiesOf(t, simulated); a != b {
		t.Errorf("replay and simulate differ:\nreplay:   %.300s\nsimulate: %.300s", a, b)
	}
}
