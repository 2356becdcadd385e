package natsserver

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestStartServesJetStreamOnLoopback(t *testing.T) {
	dir := t.TempDir()
	s, err := Start(Options{Dir: dir, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	if !strings.HasPrefix(s.URL(), "nats://127.0.0.1:") || strings.HasSuffix(s.URL(), ":4222") {
		t.Errorf("URL %q: want nats://127.0.0.1:<random port>", s.URL())
	}
	if s.Dir() != dir || s.Name() != "gpuplan" || s.ClusterURL() != "" {
		t.Errorf("Dir %q Name %q ClusterURL %q", s.Dir(), s.Name(), s.ClusterURL())
	}
	nc, err := nats.Connect(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "t.1", []byte("x")); err != nil {
		t.Fatal(err)
	}
	s.Shutdown()
	s.Shutdown() // idempotent
	// The file store lives where Dir says.
	if m, _ := filepath.Glob(filepath.Join(dir, "jetstream", "*", "streams", "T")); len(m) != 1 {
		t.Errorf("stream T not under %s/jetstream: %v", dir, m)
	}
}

func TestEveryInterfaceURLIsLoopback(t *testing.T) {
	s, err := Start(Options{Dir: t.TempDir(), Addr: "0.0.0.0:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	if !strings.HasPrefix(s.URL(), "nats://127.0.0.1:") {
		t.Errorf("URL %q: want the loopback address", s.URL())
	}
}

func TestBadOptions(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		opt  Options
		want string
	}{
		{"no port", Options{Dir: dir, Addr: "127.0.0.1"}, "listen address"},
		{"bad port", Options{Dir: dir, Addr: "127.0.0.1:99999"}, "port"},
		{"cluster without name", Options{Dir: dir, Addr: "127.0.0.1:0", Cluster: Cluster{Name: "c", Addr: "127.0.0.1:0", Routes: []string{"127.0.0.1:1"}}}, "needs a Name"},
		{"cluster without routes", Options{Dir: dir, Addr: "127.0.0.1:0", Name: "a", Cluster: Cluster{Name: "c", Addr: "127.0.0.1:0"}}, "routes"},
		{"bad cluster address", Options{Dir: dir, Addr: "127.0.0.1:0", Name: "a", Cluster: Cluster{Name: "c", Addr: "x"}}, "cluster address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Start(tc.opt)
			if err == nil {
				s.Shutdown()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "natsserver: ") {
				t.Errorf("error %q: want natsserver: ... %q", err, tc.want)
			}
		})
	}
}

func TestPortInUse(t *testing.T) {
	a, err := Start(Options{Dir: t.TempDir(), Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown()
	addr := strings.TrimPrefix(a.URL(), "nats://")
	b, err := Start(Options{Dir: t.TempDir(), Addr: addr, ReadyTimeout: time.Second})
	if err == nil {
		b.Shutdown()
		t.Fatalf("second server on %s started", addr)
	}
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q does not name %s", err, addr)
	}
}

func TestDefaultDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("XDG rule is for Unix")
	}
	t.Setenv("XDG_DATA_HOME", "/srv/data")
	if d, err := DefaultDir(); err != nil || d != "/srv/data/gpuplan/nats" {
		t.Errorf("XDG_DATA_HOME=/srv/data: %q, %v", d, err)
	}
	t.Setenv("XDG_DATA_HOME", "relative/ignored")
	t.Setenv("HOME", "/home/kim")
	want := "/home/kim/.local/share/gpuplan/nats"
	if runtime.GOOS == "darwin" {
		want = "/home/kim/Library/Application Support/gpuplan/nats"
	}
	if d, err := DefaultDir(); err != nil || d != want {
		t.Errorf("relative XDG_DATA_HOME: %q, %v; want %q", d, err, want)
	}
}

func TestDirLockedWhileRunning(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no directory lock without flock")
	}
	dir := t.TempDir()
	a, err := Start(Options{Dir: dir, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Start(Options{Dir: dir, Addr: "127.0.0.1:0"})
	if err == nil {
		b.Shutdown()
		t.Fatal("two servers share one data directory")
	}
	if !errors.Is(err, ErrDirInUse) || !strings.Contains(err.Error(), dir) {
		t.Errorf("error %v: want ErrDirInUse naming %s", err, dir)
	}
	a.Shutdown()
	b, err = Start(Options{Dir: dir, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("restart after shutdown: %v", err)
	}
	b.Shutdown()
}
