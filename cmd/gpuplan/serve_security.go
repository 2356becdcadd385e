package main

import (
	"fmt"
	"net"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/spf13/pflag"

	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsauth"
	"github.com/gpuplan/gpuplan/events/natsserver"
)

func addServeSecurityFlags(f *pflag.FlagSet, o *serveOptions) {
	f.StringVar(&o.auth, "auth", "", "enforce the roles of credential `DIR` (made by gpuplan auth init); the streams are created as its admin")
	f.BoolVar(&o.insecure, "insecure", false, "allow --addr beyond loopback without --auth: anyone who reaches the port can read, forge and purge the log")
	f.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate (chain) `FILE`: accept only TLS clients (tls:// URLs, --tls-ca on clients)")
	f.StringVar(&o.tlsKey, "tls-key", "", "PEM private key `FILE` of --tls-cert")
}

// serveSecurity is what serve's security flags amount to.
type serveSecurity struct {
	auth  *natsserver.Auth
	admin []nats.Option // the admin's credentials, with --auth
}

// security checks the security flags: a server without --auth stays on loopback unless
// --insecure says otherwise.
func (o serveOptions) security() (serveSecurity, error) {
	var sec serveSecurity
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return sec, usagef("--tls-cert and --tls-key go together")
	}
	if o.auth == "" {
		if !o.insecure && !loopback(o.addr) {
			return sec, usagef("--addr %s listens beyond this machine, and without --auth any client that reaches it can read, forge, purge or delete the log; "+
				"give --auth DIR (see gpuplan auth init), or --insecure to accept that", o.addr)
		}
		return sec, nil
	}
	a, err := natsauth.Load(o.auth)
	if err != nil {
		return sec, err
	}
	creds := natsauth.CredsPath(o.auth, jetstream.RoleAdmin, "")
	admin, err := jetstream.CredsOptions(creds)
	if err != nil {
		return sec, fmt.Errorf("--auth %s: serve creates the streams as admin and needs %s: %w", o.auth, creds, err)
	}
	sec.auth, sec.admin = a, admin
	return sec, nil
}

// adminOptions connect serve's own client in-process (no TLS needed) and, with --auth, as the
// admin, the one role that may create streams.
func (sec serveSecurity) adminOptions(srv *natsserver.Server) []nats.Option {
	return append([]nats.Option{nats.InProcessServer(srv.InProcess())}, sec.admin...)
}

// adminURL is the URL serve's own client gives with adminOptions: in-process, so never tls://
// (the client would start a TLS handshake the in-process connection does not do).
func (sec serveSecurity) adminURL(srv *natsserver.Server) string {
	return strings.Replace(srv.URL(), "tls://", "nats://", 1)
}

// securityNote says what protects the server, for its start-up message.
func (o serveOptions) securityNote() string {
	var parts []string
	if o.auth != "" {
		parts = append(parts, "roles of "+o.auth+" enforced")
	}
	if o.tlsCert != "" {
		parts = append(parts, "TLS only ("+o.tlsCert+")")
	}
	if o.auth == "" && o.insecure && !loopback(o.addr) {
		parts = append(parts, "WARNING: no authorization on "+o.addr+" (--insecure): anyone who reaches it can read, forge and purge the log")
	}
	return strings.Join(parts, "; ")
}

// loopback reports whether addr (host:port) listens on this machine only. An empty host is
// loopback (natsserver's default); a host name other than localhost may resolve anywhere.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return true // natsserver.Start reports the malformed address
	}
	if host == "" || host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
