package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/nats-io/nats.go"
	"github.com/spf13/pflag"

	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsserver"
)

// natsFlags are the flags of every command that talks to the event log.
type natsFlags struct {
	url      string
	creds    string
	tlsCA    string
	replicas int
}

// natsUsage names the value (pflag shows the word in backquotes as --nats URL) and claims no
// default: most commands refuse to run without a log that outlives them.
const natsUsage = "`URL` of the NATS server keeping the event log, or several separated by commas for a cluster, e.g. nats://127.0.0.1:4222 as printed by 'gpuplan serve'"

// addNATSFlags registers --nats and --creds for a command that needs --nats.
func addNATSFlags(fs *pflag.FlagSet, f *natsFlags) {
	fs.StringVar(&f.url, "nats", "", natsUsage)
	fs.StringVar(&f.creds, "creds", "", "NATS credentials `FILE` (user JWT and NKey seed) for --nats")
	fs.StringVar(&f.tlsCA, "tls-ca", "", "PEM `FILE` of the certificate authority that signed the server's TLS certificate (tls:// URLs)")
	addReplicasFlag(fs, f)
}

// addNATSFlagsEmbedded registers --nats and --creds for a command that, without --nats, runs its
// own server (see connectWith).
func addNATSFlagsEmbedded(fs *pflag.FlagSet, f *natsFlags) {
	addNATSFlags(fs, f)
	fs.Lookup("nats").Usage = natsUsage + " (default: an embedded server in a temporary directory, removed when the command ends)"
}

// eventLog is an open event log and whatever must be closed with it.
type eventLog struct {
	*jetstream.Store
	// URL is the server the log lives on (the embedded one's when --nats was empty).
	URL string
	// Embedded reports that the log lives in a temporary server, gone after Close.
	Embedded bool

	nc  *nats.Conn
	srv *natsserver.Server
	tmp string
}

// connect opens the event log with the store's defaults; see connectWith.
func (f *natsFlags) connect(ctx context.Context) (*eventLog, error) {
	return f.connectWith(ctx, jetstream.Options{})
}

// connectWith opens the event log at --nats, or, without --nats, in an embedded server with its
// file store in a new temporary directory: right for a demo or a one-off import and replay in
// one command, while a log that outlives the command needs `gpuplan serve` or an existing
// server. The caller must Close the log.
func (f *natsFlags) connectWith(ctx context.Context, opt jetstream.Options) (*eventLog, error) {
	l := &eventLog{URL: f.url}
	if err := f.checkReplicas(); err != nil {
		return nil, err
	}
	if opt.Replicas == 0 {
		opt.Replicas = f.replicas
	}
	if f.url == "" && f.creds != "" {
		return nil, usagef("--creds needs --nats: the embedded server has no accounts")
	}
	var nopts []nats.Option
	if f.creds != "" {
		// nats.go reads the file only during the handshake, and a server that asks for no
		// credentials never makes it look: CredsOptions checks it here, naming the file.
		co, err := jetstream.CredsOptions(f.creds)
		if err != nil {
			return nil, fmt.Errorf("--creds %w", err)
		}
		nopts = append(nopts, co...)
	}
	if f.tlsCA != "" {
		o, err := tlsCAOption(f.url, f.tlsCA)
		if err != nil {
			return nil, err
		}
		nopts = append(nopts, o)
	}
	if f.url == "" {
		tmp, err := os.MkdirTemp("", "gpuplan-nats-")
		if err != nil {
			return nil, err
		}
		l.tmp, l.Embedded = tmp, true
		srv, err := natsserver.Start(natsserver.Options{Dir: tmp, Addr: "127.0.0.1:0"})
		if err != nil {
			l.Close()
			return nil, err
		}
		l.srv, l.URL = srv, srv.URL()
	}
	nc, err := jetstream.Connect(l.URL, nopts...)
	if err != nil {
		l.Close()
		if f.creds != "" {
			return nil, fmt.Errorf("%w (credentials %s)", err, f.creds)
		}
		return nil, err
	}
	l.nc = nc
	if l.Store, err = jetstream.Open(ctx, nc, opt); err != nil {
		l.Close()
		if errors.Is(err, jetstream.ErrReplicas) {
			return nil, usagef("--replicas: %w", err)
		}
		return nil, err
	}
	return l, nil
}

// tlsCAOption trusts the certificate authority in file, read now so that errors name it.
func tlsCAOption(url, file string) (nats.Option, error) {
	if url == "" {
		return nil, usagef("--tls-ca needs --nats: the embedded server has no TLS")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--tls-ca %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("--tls-ca %s: no PEM certificate in the file", file)
	}
	return nats.Secure(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}), nil
}

// Close closes the connection and, for an embedded log, stops the server and removes its
// directory.
func (l *eventLog) Close() error {
	if l.nc != nil {
		l.nc.Close() // Append returns only once all is acknowledged: closing loses nothing
	}
	if l.srv != nil {
		l.srv.Shutdown()
	}
	if l.tmp != "" {
		return os.RemoveAll(l.tmp)
	}
	return nil
}
