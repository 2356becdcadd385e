package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/natsserver"
)

// lockedBuffer is a bytes.Buffer that a running command writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs `gpuplan serve` in-process and returns its URL and a channel with its exit
// status.
func startServe(t *testing.T, ctx context.Context, args ...string) (string, <-chan int, *lockedBuffer) {
	t.Helper()
	var stdout, stderr lockedBuffer
	code := make(chan int, 1)
	go func() {
		root := newRootCmd(&stdout, &stderr)
		root.SetArgs(append([]string{"serve"}, args...))
		if err := root.ExecuteContext(ctx); err != nil {
			stderr.Write([]byte(err.Error()))
			code <- 1
			return
		}
		code <- 0
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if line, ok := strings.CutSuffix(stdout.String(), "\n"); ok {
			if !strings.HasPrefix(line, "nats://127.0.0.1:") || strings.Contains(line, "\n") {
				t.Fatalf("stdout %q: want the URL alone", stdout.String())
			}
			return line, code, &stderr
		}
		select {
		case c := <-code:
			t.Fatalf("serve exited with %d: %s", c, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no URL after 15 s; stderr: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitExit(t *testing.T, code <-chan int, stderr *lockedBuffer) {
	t.Helper()
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("serve exited with %d: %s", c, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func testEvents(t *testing.T, n int) []events.Event {
	t.Helper()
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	var evs []events.Event
	for i := range n {
		e, err := events.New(events.KindJobFinished, events.DeriveID("serve-test", string(rune('a'+i))), "test", at,
			events.JobFinished{JobID: string(rune('a' + i)), Owner: "kim", GPUs: 1, Start: at, End: at.Add(time.Hour), Source: events.JobSourceImport})
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	return evs
}

func countEvents(t *testing.T, l *eventLog) int {
	t.Helper()
	n := 0
	if err := l.Replay(context.Background(), time.Time{}, time.Time{}, nil, func(events.Event) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// Events acknowledged before SIGTERM are there after a restart on the same directory.
func TestServeStopsOnSIGTERMAndRestartKeepsEvents(t *testing.T) {
	dir := t.TempDir()
	url, code, stderr := startServe(t, context.Background(), "--data", dir, "--addr", "127.0.0.1:0")
	f := natsFlags{url: url}
	l, err := f.connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append(context.Background(), testEvents(t, 20)...); err != nil {
		t.Fatal(err)
	}
	l.Close()
	// serve has registered for SIGTERM before printing its URL, so the signal reaches it and
	// not the test binary's default handler.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitExit(t, code, stderr)
	if !strings.Contains(stderr.String(), "stopped; the log is in "+dir) {
		t.Errorf("stderr %q", stderr.String())
	}

	ctx, cancel := context.WithCancel(context.Background())
	url, code, stderr = startServe(t, ctx, "--data", dir, "--addr", "127.0.0.1:0")
	f = natsFlags{url: url}
	l, err = f.connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if n := countEvents(t, l); n != 20 {
		t.Errorf("after restart: %d events, want 20", n)
	}
	// A second server on the same directory is refused while the first runs.
	if c, _, e := runCLI(t, "serve", "--data", dir, "--addr", "127.0.0.1:0"); c != 1 || !strings.Contains(e, "in use") {
		t.Errorf("second serve on %s: exit %d, %q", dir, c, e)
	}
	l.Close()
	cancel()
	waitExit(t, code, stderr)
}

func TestServeBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "--data", t.TempDir(), "--samples-max-bytes", "lots"}, 2, "--samples-max-bytes"},
		{[]string{"serve", "--data", t.TempDir(), "--samples-max-age", "-1h"}, 2, "--samples-max-age"},
		{[]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1"}, 2, "want host:port"},
		{[]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:70000"}, 2, "port \"70000\""},
	} {
		c, _, e := runCLI(t, tc.args...)
		if c != tc.code || !strings.Contains(e, tc.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, c, e, tc.code, tc.want)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"10GiB", 10 << 30}, {"500MiB", 500 << 20}, {"2GB", 2e9}, {"1.5KiB", 1536}, {"4096", 4096}, {"7 B", 7}} {
		if got, err := parseBytes(tc.in); err != nil || got != tc.want {
			t.Errorf("%q: %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "GiB", "-1GiB", "0", "ten"} {
		if _, err := parseBytes(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestConnectWithoutURLUsesATemporaryServer(t *testing.T) {
	var f natsFlags
	l, err := f.connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !l.Embedded || !strings.HasPrefix(l.URL, "nats://127.0.0.1:") {
		t.Errorf("embedded %v, URL %q", l.Embedded, l.URL)
	}
	if err := l.Append(context.Background(), testEvents(t, 3)...); err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, l); n != 3 {
		t.Errorf("%d events, want 3", n)
	}
	dir := l.tmp
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary directory %s left behind: %v", dir, err)
	}
}

func TestConnectErrors(t *testing.T) {
	// A stopped server: the error names its URL.
	srv, err := natsserver.Start(natsserver.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	down := srv.URL()
	srv.Shutdown()
	creds := writeFile(t, "user.creds", "not a credentials file")
	for _, tc := range []struct {
		name  string
		f     natsFlags
		usage bool
		want  string
	}{
		{"server down", natsFlags{url: down}, false, down},
		{"creds without nats", natsFlags{creds: creds}, true, "--creds needs --nats"},
		{"missing creds file", natsFlags{url: down, creds: "/nonexistent/user.creds"}, false, "/nonexistent/user.creds"},
		{"bad creds file", natsFlags{url: down, creds: creds}, false, "--creds " + creds + ": not a NATS user credentials file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := tc.f.connect(context.Background())
			if err == nil {
				l.Close()
				t.Fatal("connected")
			}
			var u usageError
			if errors.As(err, &u) != tc.usage || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q (usage %v): want %q", err, errors.As(err, &u), tc.want)
			}
		})
	}
}

// A well-formed credentials file goes to the server (one without accounts ignores it).
func TestConnectWithCreds(t *testing.T) {
	srv, err := natsserver.Start(natsserver.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	creds := writeFile(t, "user.creds", "-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QifQ.e30.sig\n------END NATS USER JWT------\n\n"+
		"-----BEGIN USER NKEY SEED-----\n"+string(seed)+"\n------END USER NKEY SEED------\n")
	f := natsFlags{url: srv.URL(), creds: creds}
	l, err := f.connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}
