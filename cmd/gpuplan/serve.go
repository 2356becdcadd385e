package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/gpuplan/gpuplan/events/jetstream"
	"github.com/gpuplan/gpuplan/events/natsserver"
	"github.com/gpuplan/gpuplan/planner/natsqueue"
)

type serveOptions struct {
	data, addr      string
	syncAlways      bool
	verbose         bool
	samplesMaxAge   time.Duration
	samplesMaxBytes string
	limitsChanged   bool // --samples-max-* given: apply them to existing streams too
	// Security (see serve_security.go).
	auth, tlsCert, tlsKey string
	insecure              bool
}

func newServeCmd() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the embedded NATS server with JetStream that keeps the event log",
		Long: `Run the embedded NATS server with JetStream and a file store in --data, on loopback by
default, and create the event log's streams. The client URL is printed on stdout, alone on its
line, for other commands' --nats. SIGINT or SIGTERM stops the server cleanly: every event it has
acknowledged is on disk, and a restart on the same directory keeps everything.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.limitsChanged = cmd.Flags().Changed("samples-max-age") || cmd.Flags().Changed("samples-max-bytes")
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	def, err := natsserver.DefaultDir()
	if err != nil {
		def = "" // reported when serve runs without --data
	}
	f := cmd.Flags()
	f.StringVar(&o.data, "data", def, "directory of the JetStream file store")
	f.StringVar(&o.addr, "addr", natsserver.DefaultAddr, "client listen address host:port (0.0.0.0:4222 for every interface; port 0 picks a free one)")
	f.BoolVar(&o.syncAlways, "sync-always", false, "fsync every write (survives power loss; publishing gets much slower)")
	f.BoolVar(&o.verbose, "verbose", false, "log the server's notices, not only its warnings and errors")
	f.DurationVar(&o.samplesMaxAge, "samples-max-age", jetstream.DefaultSamplesMaxAge, "age after which GPU samples are dropped (given: applied to an existing stream too)")
	f.StringVar(&o.samplesMaxBytes, "samples-max-bytes", "10GiB", "size at which the oldest GPU samples are dropped, e.g. 500MiB, 10GiB (given: applied to an existing stream too)")
	addServeSecurityFlags(f, &o)
	return cmd
}

func runServe(ctx context.Context, stdout, stderr io.Writer, o serveOptions) error {
	if o.data == "" {
		return usagef("--data: no default data directory on this system; give one")
	}
	maxBytes, err := parseBytes(o.samplesMaxBytes)
	if err != nil {
		return usagef("--samples-max-bytes: %v", err)
	}
	if o.samplesMaxAge <= 0 {
		return usagef("--samples-max-age %v: must be positive", o.samplesMaxAge)
	}
	if _, port, err := net.SplitHostPort(o.addr); err != nil {
		return usagef("--addr %q: want host:port, e.g. 127.0.0.1:4222: %v", o.addr, err)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return usagef("--addr %q: port %q is not a number from 0 to 65535", o.addr, port)
	}
	sec, err := o.security()
	if err != nil {
		return err
	}
	if err := checkListen(o.addr); err != nil {
		return err
	}
	srv, err := natsserver.Start(natsserver.Options{Dir: o.data, Addr: o.addr, SyncAlways: o.syncAlways, Log: stderr, Verbose: o.verbose,
		Auth: sec.auth, TLSCert: o.tlsCert, TLSKey: o.tlsKey})
	if err != nil {
		return err
	}
	defer srv.Shutdown()
	names, legacy, err := createStreams(ctx, sec.adminURL(srv), jetstream.Options{
		SamplesMaxAge: o.samplesMaxAge, SamplesMaxBytes: maxBytes, Reconfigure: o.limitsChanged,
	}, sec.adminOptions(srv)...)
	if err != nil {
		return err
	}
	if d := o.securityNote(); d != "" {
		fmt.Fprintln(stderr, "gpuplan serve: "+d)
	}
	for _, l := range legacy {
		fmt.Fprintf(stderr, "gpuplan serve: stream %s was created by an older gpuplan: an event imported again after its duplicate window is stored twice there (export the log and import it into a new one to fix)\n", l)
	}
	fmt.Fprintln(stdout, srv.URL())
	fmt.Fprintf(stderr, "gpuplan serve: JetStream file store in %s, streams %s; SIGINT or SIGTERM stops\n", srv.Dir(), strings.Join(names, ", "))
	<-ctx.Done()
	srv.Shutdown()
	fmt.Fprintf(stderr, "gpuplan serve: stopped; the log is in %s\n", srv.Dir())
	return nil
}

// checkListen binds the address once before the server starts: the NATS server only logs a
// failed listen, and Start then waits 10 s for a readiness that never comes, where the user needs
// the port named at once. The probe is closed at once (Go listeners set SO_REUSEADDR, so the
// server can bind right after).
func checkListen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln.Close()
	}
	_, port, _ := net.SplitHostPort(addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("--addr %s: port %s is already in use (another gpuplan serve or NATS server?); stop it or choose another port", addr, port)
	}
	return fmt.Errorf("--addr %s: cannot listen on port %s: %w", addr, port, err)
}

// createStreams opens the log once so that its streams exist, with serve's limits, before any
// collector publishes, and names the streams and those of an older layout.
func createStreams(ctx context.Context, url string, opt jetstream.Options, nopts ...nats.Option) ([]string, []string, error) {
	nc, err := jetstream.Connect(url, nopts...)
	if err != nil {
		return nil, nil, err
	}
	defer nc.Close()
	s, err := jetstream.Open(ctx, nc, opt)
	if err != nil {
		return nil, nil, err
	}
	// The work queue of 'plan --workers nats' too: under --auth only admin may create it.
	opt.Replicas = s.Replicas() // as many copies as the log's streams
	if err := natsqueue.Ensure(ctx, nc, natsqueue.Options{Log: opt}); err != nil {
		return nil, nil, err
	}
	wq := jetstream.WorkQueueOf(opt)
	return append(s.StreamNames(), wq.TaskStream, wq.ResultStream), s.LegacyStreams(), nil
}

// parseBytes reads a size such as 10GiB, 500MiB, 2GB or a plain number of bytes.
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v <= 0 || v*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("%q is not a positive size such as 500MiB or 10GiB", s)
	}
	return int64(v * float64(mult)), nil
}
