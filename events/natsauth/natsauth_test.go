package natsauth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsserver"
)

// A node added while the server runs can publish at once; its credential is its own file,
// readable by its owner only, and issuing it twice or re-initialising is refused.
func TestAddNodeWithoutRestart(t *testing.T) {
	dir, url := authServer(t)
	path, err := AddNode(dir, "dgx 17/b")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "collector-dgx%2017%2Fb.creds"); path != want {
		t.Errorf("path %s, want %s", path, want)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file: %v, %v; want mode 0600", fi, err)
	}
	c := connectAs(t, url, path)
	s, err := jetstream.Open(context.Background(), c.nc, jetstream.Options{AckTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	own := mustEvent(t, events.KindGPUSampleBatch, "s1", events.GPUSampleBatch{Node: "dgx 17/b", Site: "lab", IntervalS: 10})
	if err := s.Append(ctx, own); err != nil {
		t.Errorf("own node: %v", err)
	}
	other := mustEvent(t, events.KindGPUSampleBatch, "s2", events.GPUSampleBatch{Node: "dgx 17", Site: "lab", IntervalS: 10})
	if err := s.Append(ctx, other); !errors.Is(err, jetstream.ErrDenied) {
		t.Errorf("a node whose name is a prefix of ours: %v, want ErrDenied", err)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"add the node again", func() error { _, err := AddNode(dir, "dgx 17/b"); return err }()},
		{"init again", Init(dir, Options{})},
	} {
		if !errors.Is(tc.err, ErrExists) {
			t.Errorf("%s: %v, want ErrExists", tc.name, tc.err)
		}
	}
	if _, err := AddNode(t.TempDir(), "n1"); !errors.Is(err, ErrNoAuth) {
		t.Errorf("add-node in an empty directory: %v, want ErrNoAuth", err)
	}
	if _, err := Load(t.TempDir()); !errors.Is(err, ErrNoAuth) {
		t.Errorf("load an empty directory: %v, want ErrNoAuth", err)
	}
}

// A credential issued under another operator is refused at connect.
func TestForeignCredentialsRefused(t *testing.T) {
	_, url := authServer(t)
	other := t.TempDir()
	if err := Init(other, Options{}); err != nil {
		t.Fatal(err)
	}
	opts, err := jetstream.CredsOptions(CredsPath(other, jetstream.RoleAdmin, ""))
	if err != nil {
		t.Fatal(err)
	}
	if nc, err := jetstream.Connect(url, opts...); err == nil {
		nc.Close()
		t.Fatal("connected with another operator's admin")
	}
	if nc, err := jetstream.Connect(url); err == nil {
		nc.Close()
		t.Fatal("connected without credentials")
	}
}

// A restricted role on a server whose streams nobody created is told who creates them.
func TestRestrictedRoleWithoutStreams(t *testing.T) {
	dir, url := bareAuthServer(t)
	c := connectAs(t, url, CredsPath(dir, jetstream.RoleImporter, ""))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := jetstream.Open(ctx, c.nc, jetstream.Options{})
	if !errors.Is(err, jetstream.ErrDenied) || !strings.Contains(err.Error(), "only the admin role creates streams") {
		t.Errorf("open as importer: %v", err)
	}
}

// A revoked credential is refused once the server has restarted with the re-signed account;
// the other credentials keep working, and a credential from elsewhere cannot be revoked here.
func TestRevoke(t *testing.T) {
	dir := t.TempDir()
	if err := Init(dir, Options{Nodes: []string{"node-a", "node-b"}}); err != nil {
		t.Fatal(err)
	}
	name, err := Revoke(dir, CredsPath(dir, jetstream.RoleCollector, "node-a"))
	if err != nil || name != "collector-node-a" {
		t.Fatalf("revoke: %q, %v", name, err)
	}
	other := t.TempDir()
	if err := Init(other, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Revoke(dir, CredsPath(other, jetstream.RoleAdmin, "")); err == nil || !strings.Contains(err.Error(), "not issued by") {
		t.Errorf("revoke a foreign credential: %v", err)
	}
	a, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := natsserver.Start(natsserver.Options{Dir: t.TempDir(), Addr: "127.0.0.1:0", Auth: a})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	for _, tc := range []struct {
		creds string
		ok    bool
	}{
		{CredsPath(dir, jetstream.RoleCollector, "node-a"), false},
		{CredsPath(dir, jetstream.RoleCollector, "node-b"), true},
		{CredsPath(dir, jetstream.RolePlanner, ""), true},
	} {
		opts, err := jetstream.CredsOptions(tc.creds)
		if err != nil {
			t.Fatal(err)
		}
		nc, err := jetstream.Connect(srv.URL(), append(opts, nats.NoReconnect())...)
		if err == nil {
			nc.Close()
		}
		if (err == nil) != tc.ok {
			t.Errorf("%s: connect %v, want ok %v", filepath.Base(tc.creds), err, tc.ok)
		}
	}
}
