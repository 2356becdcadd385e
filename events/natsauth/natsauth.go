package natsauth

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	"github.com/gpuplan/gpuplan/events"
	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsserver"
)

// Account names, as written in the JWTs and file names.
const (
	systemAccount = "SYS"
	logAccount    = "GPUPLAN"
)

// Errors.
var (
	// ErrExists: Init on a directory that holds credentials already, or AddNode for a node that
	// has one.
	ErrExists = errors.New("natsauth: credentials exist already")
	// ErrNoAuth: the directory holds no credentials made by Init.
	ErrNoAuth = errors.New("natsauth: not a credential directory (run gpuplan auth init)")
)

// Options configure Init. The zero value issues the admin, importer, planner and worker credentials
// for the default subject prefix and no collector.
type Options struct {
	// Nodes get one collector credential each.
	Nodes []string
	// Log is the subject prefix and stream names the permissions cover (only Prefix and
	// StreamPrefix are read); the zero value is gpuplan's default.
	Log jetstream.Options
}

// SiteRoles are the roles Init issues one credential each for, in that order: every role but the
// collector, whose credentials are per node (AddNode).
func SiteRoles() []jetstream.Role {
	return []jetstream.Role{jetstream.RoleAdmin, jetstream.RoleImporter, jetstream.RolePlanner, jetstream.RoleWorker}
}

// Init creates dir (mode 0700) with a new operator, the system and log accounts, and one
// credentials file per role and per node in opt.Nodes. It refuses a directory that has an
// operator already: its keys would be lost.
func Init(dir string, opt Options) error {
	if _, err := os.Stat(filepath.Join(dir, "operator.jwt")); err == nil {
		return fmt.Errorf("%w in %s", ErrExists, dir)
	}
	for _, d := range []string{dir, filepath.Join(dir, "accounts"), filepath.Join(dir, "keys")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("natsauth: %w", err)
		}
	}
	okp, err := nkeys.CreateOperator()
	if err != nil {
		return fmt.Errorf("natsauth: %w", err)
	}
	opub, _ := okp.PublicKey()
	sys, err := newAccount(okp, systemAccount, false)
	if err != nil {
		return err
	}
	lg, err := newAccount(okp, logAccount, true)
	if err != nil {
		return err
	}
	oc := jwt.NewOperatorClaims(opub)
	oc.Name = "gpuplan"
	oc.SystemAccount = sys.pub
	otok, err := oc.Encode(okp)
	if err != nil {
		return fmt.Errorf("natsauth: operator JWT: %w", err)
	}
	oseed, _ := okp.Seed()
	files := []struct {
		path string
		data []byte
	}{
		{filepath.Join("keys", "operator.nk"), oseed},
		{filepath.Join("keys", systemAccount+".nk"), sys.seed},
		{filepath.Join("keys", logAccount+".nk"), lg.seed},
		{filepath.Join("accounts", systemAccount+".jwt"), []byte(sys.jwt)},
		{filepath.Join("accounts", logAccount+".jwt"), []byte(lg.jwt)},
		{"operator.jwt", []byte(otok)}, // last: its presence marks a complete directory
	}
	for _, f := range files {
		if err := writeNew(filepath.Join(dir, f.path), f.data); err != nil {
			return err
		}
	}
	if err := writeLogOptions(dir, opt.Log); err != nil {
		return err
	}
	for _, r := range SiteRoles() {
		if _, err := issue(dir, r, ""); err != nil {
			return err
		}
	}
	for _, n := range opt.Nodes {
		if _, err := AddNode(dir, n); err != nil {
			return err
		}
	}
	return nil
}

// AddNode issues a collector credential for node and returns its path. The server needs no
// change: it accepts every user the log account signs.
func AddNode(dir, node string) (string, error) {
	if strings.TrimSpace(node) == "" {
		return "", errors.New("natsauth: a collector needs a node name")
	}
	return issue(dir, jetstream.RoleCollector, node)
}

// CredsPath is where Init and AddNode put the credentials of role (and node, for a collector):
// <role>.creds, or collector-<node>.creds with the node as one subject token (so a node name
// with '/' or '.' stays one file name).
func CredsPath(dir string, role jetstream.Role, node string) string {
	if role == jetstream.RoleCollector {
		return filepath.Join(dir, "collector-"+events.SubjectToken(node)+".creds")
	}
	return filepath.Join(dir, string(role)+".creds")
}

// Load reads the authorization a server needs from dir.
func Load(dir string) (*natsserver.Auth, error) {
	op, err := os.ReadFile(filepath.Join(dir, "operator.jwt"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s has no operator.jwt", ErrNoAuth, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("natsauth: %w", err)
	}
	oc, err := jwt.DecodeOperatorClaims(string(op))
	if err != nil {
		return nil, fmt.Errorf("natsauth: %s: %w", filepath.Join(dir, "operator.jwt"), err)
	}
	a := &natsserver.Auth{Operator: string(op), SystemAccount: oc.SystemAccount}
	for _, name := range []string{systemAccount, logAccount} {
		p := filepath.Join(dir, "accounts", name+".jwt")
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("natsauth: %w", err)
		}
		a.Accounts = append(a.Accounts, strings.TrimSpace(string(b)))
	}
	return a, nil
}

type account struct {
	pub, jwt string
	seed     []byte
}

func newAccount(okp nkeys.KeyPair, name string, jetStream bool) (account, error) {
	kp, err := nkeys.CreateAccount()
	if err != nil {
		return account{}, fmt.Errorf("natsauth: %w", err)
	}
	pub, _ := kp.PublicKey()
	seed, _ := kp.Seed()
	ac := jwt.NewAccountClaims(pub)
	ac.Name = name
	if jetStream {
		// No limits of the account's own: the server's MaxStore and MaxMemory bound it, and
		// the streams their own limits.
		ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1, MaxAckPending: -1}
	}
	tok, err := ac.Encode(okp)
	if err != nil {
		return account{}, fmt.Errorf("natsauth: account %s JWT: %w", name, err)
	}
	return account{pub: pub, jwt: tok, seed: seed}, nil
}

// issue signs a user of role with the log account's key and writes its credentials file.
func issue(dir string, role jetstream.Role, node string) (string, error) {
	path := CredsPath(dir, role, node)
	if _, err := os.Stat(path); err == nil {
		return "", fmt.Errorf("%w: %s", ErrExists, path)
	}
	seed, err := os.ReadFile(filepath.Join(dir, "keys", logAccount+".nk"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s has no keys/%s.nk", ErrNoAuth, dir, logAccount)
	}
	if err != nil {
		return "", fmt.Errorf("natsauth: %w", err)
	}
	akp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(seed))))
	if err != nil {
		return "", fmt.Errorf("natsauth: keys/%s.nk: %w", logAccount, err)
	}
	lopt, err := readLogOptions(dir)
	if err != nil {
		return "", err
	}
	ukp, err := nkeys.CreateUser()
	if err != nil {
		return "", fmt.Errorf("natsauth: %w", err)
	}
	upub, _ := ukp.PublicKey()
	perm, err := jetstream.RolePermissions(role, node, upub, lopt)
	if err != nil {
		return "", err
	}
	uc := jwt.NewUserClaims(upub)
	uc.Name = strings.TrimSuffix(filepath.Base(path), ".creds")
	uc.Pub.Allow.Add(perm.Publish...)
	uc.Sub.Allow.Add(perm.Subscribe...)
	tok, err := uc.Encode(akp)
	if err != nil {
		return "", fmt.Errorf("natsauth: user %s JWT: %w", uc.Name, err)
	}
	useed, _ := ukp.Seed()
	creds, err := jwt.FormatUserConfig(tok, useed)
	if err != nil {
		return "", fmt.Errorf("natsauth: %w", err)
	}
	return path, writeNew(path, creds)
}

// writeNew writes a new file readable by its owner only: seeds and credentials are secrets.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("natsauth: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("natsauth: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("natsauth: %w", err)
	}
	return nil
}
