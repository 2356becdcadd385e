package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"github.com/gpuplan/gpuplan/collectors"
	"github.com/gpuplan/gpuplan/collectors/fakenode"
	"github.com/gpuplan/gpuplan/collectors/nvmlsource"
	"github.com/gpuplan/gpuplan/collectors/promexport"
	"github.com/gpuplan/gpuplan/events/jetstream"
)

// The collector publishes to the JetStream log through its own small interface.
var _ collectors.Log = (*jetstream.Store)(nil)

type collectOptions struct {
	nats          natsFlags
	interval      time.Duration
	node, site    string
	config        string
	spool         string
	spoolMax      string
	fake          string
	seed          uint64
	metrics       string
	runFor        time.Duration
	flushTimeout  time.Duration
	inventoryEvry time.Duration
}

func newCollectCmd() *cobra.Command {
	var o collectOptions
	cmd := &cobra.Command{
		Use:   "collect",
		Short: "Sample this node's GPUs (NVML) and publish inventory, samples and ownership to the event log",
		Long: `Sample this node's GPUs through NVML every --interval and publish the GPU inventory (on start
and on change), one sample batch per interval (utilization, memory, power, energy counter,
temperature, clocks, throttle reasons, and the compute processes with pid, user, cgroup and
Slurm job id) and the ownership given in --config to the event log at --nats.

Every event is first written to the on-disk spool (--spool, bounded by --spool-max-bytes; when
full, the oldest segment is dropped and counted on /metrics) and then published in order, with
ids the server deduplicates; while the server is unreachable the spool grows and is drained
after reconnecting. SIGINT or SIGTERM stops sampling, sends what it can within --flush-timeout
and keeps the rest spooled for the next start. --fake MODEL runs the same code on go-nvml's
mock of a DGX (` + strings.Join(fakenode.Models(), ", ") + `) with a seeded workload.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.nats.url == "" {
				return usagef("collect needs --nats: a collector publishes to a long-lived event log (start one with gpuplan serve)")
			}
			if o.interval <= 0 {
				return usagef("--interval %v must be positive", o.interval)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runCollect(ctx, cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	addNATSFlags(f, &o.nats)
	f.DurationVar(&o.interval, "interval", collectors.DefaultInterval, "time between sample batches")
	f.StringVar(&o.node, "node", "", "node name in the log (default: the config's node, else the host name up to its first dot)")
	f.StringVar(&o.site, "site", "", "site of the node (default: the config's site)")
	f.StringVar(&o.config, "config", "", "node config YAML: owners and groups of the GPUs (re-read when it changes)")
	f.StringVar(&o.spool, "spool", "", "spool directory (default: $STATE_DIRECTORY/spool under systemd, else the user cache directory)")
	f.StringVar(&o.spoolMax, "spool-max-bytes", "256MiB", "spool size limit; when reached the oldest unsent events are dropped")
	f.StringVar(&o.fake, "fake", "", "sample a mock node instead of NVML: "+strings.Join(fakenode.Models(), ", "))
	f.Uint64Var(&o.seed, "seed", 1, "seed of the --fake node's workload")
	f.StringVar(&o.metrics, "metrics", "", "serve Prometheus /metrics on this address, e.g. :9401 (DCGM exporter uses 9400)")
	f.DurationVar(&o.runFor, "for", 0, "stop after this long (0: until SIGINT or SIGTERM)")
	f.DurationVar(&o.flushTimeout, "flush-timeout", 10*time.Second, "on stop, how long to keep sending spooled events")
	f.DurationVar(&o.inventoryEvry, "inventory-every", collectors.DefaultInventoryEvery, "how often the inventory is read again to notice changes")
	return cmd
}

func runCollect(ctx context.Context, stderr io.Writer, o collectOptions) error {
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "gpuplan collect: "+format+"\n", a...) }
	spoolMax, err := parseBytes(o.spoolMax)
	if err != nil {
		return usagef("--spool-max-bytes: %v", err)
	}
	var cfg collectors.NodeConfig
	var cfgStamp fileStamp
	if o.config != "" {
		if cfg, err = collectors.LoadNodeConfig(o.config); err != nil {
			return err
		}
		cfgStamp = stampOf(o.config)
	}
	node := firstNonEmpty(o.node, cfg.Node, shortHostname())
	site := firstNonEmpty(o.site, cfg.Site)
	if o.spool == "" {
		if o.spool, err = defaultSpoolDir(node); err != nil {
			return err
		}
	}
	var nopts []nats.Option
	if o.nats.creds != "" {
		// Read now so that a bad file is named; the options also carry the user's own inbox
		// prefix, without which a collector credential gets no acknowledgements.
		co, err := jetstream.CredsOptions(o.nats.creds)
		if err != nil {
			return fmt.Errorf("--creds %w", err)
		}
		nopts = append(nopts, co...)
	}
	if o.nats.tlsCA != "" {
		opt, err := tlsCAOption(o.nats.url, o.nats.tlsCA)
		if err != nil {
			return err
		}
		nopts = append(nopts, opt)
	}

	// The GPUs first: without a driver there is nothing to do, and nothing is left behind.
	var (
		lib   nvml.Interface
		procs collectors.ProcReader
	)
	if o.fake != "" {
		fn, err := fakenode.New(fakenode.Options{Model: o.fake, Name: node, Seed: o.seed,
			Epoch: time.Now().Add(-time.Hour), Horizon: 30 * 24 * time.Hour})
		if err != nil {
			return usagef("--fake: %v", err)
		}
		lib, procs = fn.Lib(), fn.Procs()
	} else {
		lib = nvml.New()
	}
	src, err := nvmlsource.Open(lib)
	if errors.Is(err, collectors.ErrNoDriver) {
		return fmt.Errorf("%w; install the NVIDIA driver (libnvidia-ml.so.1 must be on the library path), or try --fake dgxh100", err)
	}
	if err != nil {
		return err
	}
	defer src.Close()

	spool, err := collectors.OpenSpool(o.spool, collectors.SpoolOptions{MaxBytes: spoolMax})
	if err != nil {
		return err
	}
	defer spool.Close()
	if st := spool.Stats(); st.Records > 0 || st.TornRecords > 0 {
		logf("spool %s holds %d unsent events (%d damaged records dropped)", o.spool, st.Records, st.TornRecords)
	}

	var (
		cfgMu sync.Mutex
		nc    *nats.Conn
	)
	owner := func(i int, uuid string) (string, string) {
		cfgMu.Lock()
		defer cfgMu.Unlock()
		return cfg.OwnerOf(i, uuid)
	}
	var pub *collectors.Publisher
	var col *collectors.Collector
	var lastSample time.Time
	var lastSampleMu sync.Mutex
	exp := promexport.New(node, owner, func() promexport.Health {
		lastSampleMu.Lock()
		defer lastSampleMu.Unlock()
		return promexport.Health{Spool: spool.Stats(), Publisher: pub.Stats(), Collector: col.Stats(), LastSample: lastSample}
	})
	if col, err = collectors.New(collectors.Options{Node: node, Site: site, Interval: o.interval, InventoryEvery: o.inventoryEvry,
		Source: src, Procs: procs, Queue: spool, Observer: exp}); err != nil {
		return err
	}
	var errMu sync.Mutex
	down := false
	pub, err = collectors.NewPublisher(collectors.PublisherOptions{
		Spool: spool,
		Open: func(ctx context.Context) (collectors.Log, error) {
			if nc == nil {
				c, err := jetstream.Connect(o.nats.url, append(nopts, nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1))...)
				if err != nil {
					return nil, err
				}
				nc = c
			}
			return jetstream.Open(ctx, nc, jetstream.Options{})
		},
		IsConflict: func(err error) bool { return errors.Is(err, jetstream.ErrOwnershipConflict) },
		OnError: func(err error) {
			errMu.Lock()
			defer errMu.Unlock()
			if !down { // one line per outage, not one per retry
				logf("publishing paused, spooling to %s: %v", o.spool, err)
				down = true
			}
		},
	})
	if err != nil {
		return err
	}
	defer func() {
		if nc != nil {
			nc.Close()
		}
	}()

	if o.metrics != "" {
		ln, err := net.Listen("tcp", o.metrics)
		if err != nil {
			return fmt.Errorf("--metrics: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", exp.Handler())
		hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go hs.Serve(ln)
		defer hs.Close()
		logf("metrics on http://%s/metrics", ln.Addr())
	}

	start := time.Now().UTC()
	if len(cfg.Owners) > 0 {
		evs, err := cfg.OwnershipEvents(nil, node, site, start)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			if err := spool.Append(ev); err != nil {
				return err
			}
		}
	}
	logf("node %s%s, every %v, spool %s, log %s", node, siteSuffix(site), o.interval, o.spool, o.nats.url)

	runCtx := ctx
	if o.runFor > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, o.runFor)
		defer cancel()
	}
	pubCtx, stopPub := context.WithCancel(context.Background())
	pubDone := make(chan error, 1)
	go func() { pubDone <- pub.Run(pubCtx) }()

	tick := time.NewTicker(o.interval)
	defer tick.Stop()
	var sampleErrs int
	for {
		now := time.Now()
		if err := col.Tick(now); err != nil {
			sampleErrs++
			if sampleErrs == 1 || sampleErrs%100 == 0 {
				logf("sampling failed (%d so far): %v", sampleErrs, err)
			}
		} else {
			lastSampleMu.Lock()
			lastSample = now
			lastSampleMu.Unlock()
		}
		errMu.Lock()
		if down && pub.Stats().Connected {
			logf("publishing again; %d events spooled", spool.Stats().Records)
			down = false
		}
		errMu.Unlock()
		if o.config != "" {
			if st := stampOf(o.config); st != cfgStamp {
				cfgStamp = st
				reloadConfig(o.config, &cfgMu, &cfg, node, site, spool, logf)
			}
		}
		select {
		case <-runCtx.Done():
			stopPub()
			if err := <-pubDone; err != nil {
				logf("publisher: %v", err)
			}
			fctx, cancel := context.WithTimeout(context.Background(), o.flushTimeout)
			err := pub.Drain(fctx)
			cancel()
			st := spool.Stats()
			if err != nil {
				logf("stopped; %d events stay spooled in %s for the next start", st.Records, o.spool)
			} else {
				logf("stopped; everything sent")
			}
			return nil
		case <-tick.C:
		}
	}
}

// reloadConfig applies a changed node config: the ownership events from the old to the new
// one go to the spool. A config that does not load is reported and ignored.
func reloadConfig(path string, mu *sync.Mutex, cfg *collectors.NodeConfig, node, site string, spool *collectors.Spool, logf func(string, ...any)) {
	next, err := collectors.LoadNodeConfig(path)
	if err != nil {
		logf("config not reloaded, keeping the previous one: %v", err)
		return
	}
	mu.Lock()
	prev := *cfg
	mu.Unlock()
	evs, err := next.OwnershipEvents(&prev, node, site, time.Now().UTC())
	if err != nil {
		logf("config not reloaded: %v", err)
		return
	}
	for _, ev := range evs {
		if err := spool.Append(ev); err != nil {
			logf("config change not queued: %v", err)
			return
		}
	}
	mu.Lock()
	*cfg = next
	mu.Unlock()
	logf("config %s reloaded: %d ownership changes queued", path, len(evs))
}

type fileStamp struct {
	mod  time.Time
	size int64
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{fi.ModTime(), fi.Size()}
}

func defaultSpoolDir(node string) (string, error) {
	if d := os.Getenv("STATE_DIRECTORY"); d != "" { // systemd's StateDirectory=
		return filepath.Join(strings.Split(d, ":")[0], "spool"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no --spool and no cache directory: %w", err)
	}
	return filepath.Join(d, "gpuplan", "spool-"+node), nil
}

func shortHostname() string {
	h, err := os.Hostname()
	if err != nil {
		return ""
	}
	h, _, _ = strings.Cut(h, ".")
	return h
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func siteSuffix(site string) string {
	if site == "" {
		return ""
	}
	return " at " + site
}
