package natsserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// DefaultAddr is where the server listens when Options.Addr is empty.
const DefaultAddr = "127.0.0.1:4222"

// defaultReadyTimeout bounds how long Start waits for the listeners and JetStream.
const defaultReadyTimeout = 10 * time.Second

// Errors.
var (
	// ErrNotReady: the server did not become ready in time.
	ErrNotReady = errors.New("natsserver: server not ready")
	// ErrDirInUse: another server (in this or another process) has the data directory.
	ErrDirInUse = errors.New("natsserver: data directory in use by another server")
)

// Options configure Start. The zero value is a single loopback server on DefaultAddr with its
// file store in DefaultDir.
type Options struct {
	// Dir holds the JetStream file store; "" means DefaultDir(). It is created (mode 0700: the
	// log names users) when missing.
	Dir string
	// Addr is the client listen address, host:port; "" means DefaultAddr and port 0 a free port.
	// A host of 0.0.0.0 or :: listens on every interface.
	Addr string
	// Name is the server name, which JetStream clusters require to be unique; "" means "gpuplan"
	// for a single server and is an error in a cluster.
	Name string
	// Cluster joins the server to a cluster; its zero value runs a single server.
	Cluster Cluster
	// MaxStore and MaxMemory bound JetStream's disk and memory use in bytes; 0 lets the server
	// choose (a share of the free disk and of the machine's memory).
	MaxStore, MaxMemory int64
	// SyncAlways fsyncs every write instead of every two minutes (see the package doc).
	SyncAlways bool
	// Log receives the server's warnings and errors, and with Verbose its notices too; nil
	// discards them.
	Log     io.Writer
	Verbose bool
	// ReadyTimeout bounds the wait for the listeners and, in a cluster, for JetStream's meta
	// leader; 0 means 10 s.
	ReadyTimeout time.Duration
	// Auth, when set, makes clients authenticate with user JWTs issued under its operator;
	// nil lets any client in (see the package doc).
	Auth *Auth
	// TLSCert and TLSKey are PEM files of the server's certificate chain and key; given, the
	// server accepts only TLS clients and URL starts with tls://.
	TLSCert, TLSKey string
}

// Auth is decentralized NATS authorization: an operator, the accounts it signed and the system
// account among them. Users are not listed: any user JWT signed by a listed account's key is
// accepted, so issuing one more credential needs no change to the server.
type Auth struct {
	// Operator is the operator JWT.
	Operator string
	// SystemAccount is the public key of the system account, which must be in Accounts.
	SystemAccount string
	// Accounts are the account JWTs, each signed by the operator.
	Accounts []string
}

// Cluster is a server's place in a JetStream cluster.
type Cluster struct {
	// Name is the cluster name, the same on every server; "" means no cluster.
	Name string
	// Addr is the route listen address, host:port; port 0 picks a free port.
	Addr string
	// Routes are the other servers' route URLs (nats-route://host:port or host:port). A
	// JetStream cluster needs them configured; listing this server's own address is harmless.
	Routes []string
}

// Server is a running embedded NATS server.
type Server struct {
	ns         *server.Server
	dir        string
	name       string
	host       string // as configured: the listener reports 0.0.0.0 as ::
	tls        bool
	lock       *os.File
	unlockOnce sync.Once
}

// Start runs a NATS server with JetStream as opt says and returns once it accepts clients and,
// in a cluster, JetStream has a meta leader.
func Start(opt Options) (*Server, error) {
	so, dir, err := serverOptions(opt)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("natsserver: data directory: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	ns, err := server.NewServer(so)
	if err != nil {
		unlock(lock)
		return nil, fmt.Errorf("natsserver: %w", err)
	}
	if opt.Log != nil {
		ns.SetLogger(&logger{w: opt.Log, verbose: opt.Verbose}, false, false)
	}
	wait := opt.ReadyTimeout
	if wait <= 0 {
		wait = defaultReadyTimeout
	}
	ns.Start()
	s := &Server{ns: ns, dir: dir, name: so.ServerName, host: so.Host, tls: so.TLSConfig != nil, lock: lock}
	if !ns.ReadyForConnections(wait) {
		s.Shutdown()
		return nil, fmt.Errorf("%w: not accepting clients on %s after %v (address in use, or see the log)", ErrNotReady, so.Host+":"+strconv.Itoa(so.Port), wait)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := s.WaitJetStream(ctx); err != nil {
		s.Shutdown()
		return nil, err
	}
	return s, nil
}

func serverOptions(opt Options) (*server.Options, string, error) {
	dir := opt.Dir
	if dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return nil, "", err
		}
		dir = d
	}
	addr := opt.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	host, port, err := splitAddr(addr)
	if err != nil {
		return nil, "", fmt.Errorf("natsserver: listen address: %w", err)
	}
	name := opt.Name
	if name == "" {
		if opt.Cluster.Name != "" {
			return nil, "", errors.New("natsserver: a cluster member needs a Name")
		}
		name = "gpuplan"
	}
	so := &server.Options{
		ServerName:         name,
		Host:               host,
		Port:               port,
		JetStream:          true,
		StoreDir:           dir,
		JetStreamMaxStore:  opt.MaxStore,
		JetStreamMaxMemory: opt.MaxMemory,
		SyncAlways:         opt.SyncAlways,
		// The embedding process owns signals (gpuplan serve handles SIGINT/SIGTERM itself).
		NoSigs: true,
		NoLog:  opt.Log == nil,
	}
	if opt.Auth != nil {
		if err := setAuth(so, opt.Auth); err != nil {
			return nil, "", err
		}
	}
	if opt.TLSCert != "" || opt.TLSKey != "" {
		if opt.TLSCert == "" || opt.TLSKey == "" {
			return nil, "", errors.New("natsserver: TLS needs both a certificate and a key")
		}
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: opt.TLSCert, KeyFile: opt.TLSKey})
		if err != nil {
			return nil, "", fmt.Errorf("natsserver: TLS certificate %s, key %s: %w", opt.TLSCert, opt.TLSKey, err)
		}
		so.TLSConfig, so.TLS, so.TLSTimeout = tc, true, 2
	}
	if c := opt.Cluster; c.Name != "" {
		chost, cport, err := splitAddr(c.Addr)
		if err != nil {
			return nil, "", fmt.Errorf("natsserver: cluster address: %w", err)
		}
		so.Cluster = server.ClusterOpts{Name: c.Name, Host: chost, Port: cport}
		for _, r := range c.Routes {
			u, err := routeURL(r)
			if err != nil {
				return nil, "", err
			}
			so.Routes = append(so.Routes, u)
		}
		if len(so.Routes) == 0 {
			return nil, "", errors.New("natsserver: a JetStream cluster needs routes")
		}
	}
	return so, dir, nil
}

// splitAddr parses host:port, mapping port 0 to the server's "random port" value.
func splitAddr(addr string) (string, int, error) {
	host, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q: port %q is not 0..65535", addr, ps)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	return host, port, nil
}

func routeURL(r string) (*url.URL, error) {
	if !strings.Contains(r, "://") {
		r = "nats-route://" + r
	}
	u, err := url.Parse(r)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("natsserver: route %q is not nats-route://host:port", r)
	}
	return u, nil
}

// WaitJetStream waits until JetStream serves requests: at once for a single server, and in a
// cluster once this server knows the meta leader.
func (s *Server) WaitJetStream(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if s.ns.JetStreamEnabled() && s.ns.JetStreamIsCurrent() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: JetStream on %s has no meta leader: %w", ErrNotReady, s.name, ctx.Err())
		case <-t.C:
		}
	}
}

// URL is the client URL, nats://host:port with the bound port. A server listening on every
// interface is reached locally through the loopback address.
func (s *Server) URL() string {
	a, ok := s.ns.Addr().(*net.TCPAddr)
	if !ok {
		return s.ns.ClientURL()
	}
	host := s.host
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "::1"
		}
	}
	scheme := "nats://"
	if s.tls {
		scheme = "tls://"
	}
	return scheme + net.JoinHostPort(host, strconv.Itoa(a.Port))
}

// InProcess is what nats.InProcessServer takes: a client connected through it skips the
// network and TLS (it still authenticates), which lets the embedding process manage the log
// of a TLS server without a certificate authority of its own.
func (s *Server) InProcess() interface {
	InProcessConn() (net.Conn, error)
} {
	return s.ns
}

// ClusterURL is the route URL other cluster members list in Cluster.Routes, or "" without a
// cluster.
func (s *Server) ClusterURL() string {
	a := s.ns.ClusterAddr()
	if a == nil {
		return ""
	}
	return "nats-route://" + net.JoinHostPort(a.IP.String(), strconv.Itoa(a.Port))
}

// Dir is the data directory.
func (s *Server) Dir() string { return s.dir }

// Name is the server name.
func (s *Server) Name() string { return s.name }

// Shutdown stops the server and waits until it is down: clients are disconnected, raft
// leadership is handed over in a cluster, and the file stores are flushed and closed. It is
// safe to call more than once.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
	s.unlockOnce.Do(func() { unlock(s.lock) })
}

func unlock(f *os.File) {
	if f != nil {
		f.Close() // closing the descriptor releases the lock
	}
}
