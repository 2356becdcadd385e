package jetstream

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events"
)

// Defaults for Options. See the package doc for why the duplicate windows differ.
const (
	DefaultSamplesMaxAge     = 30 * 24 * time.Hour
	DefaultSamplesMaxBytes   = 10 << 30
	DefaultSamplesDuplicates = time.Hour
	DefaultKeptDuplicates    = 24 * time.Hour
	DefaultMaxPending        = 4096
	DefaultAckTimeout        = 10 * time.Second
	DefaultRetryFor          = time.Minute
	DefaultSinceSlack        = time.Hour
)

// Errors. Callers match them with errors.Is.
var (
	// ErrOwnershipConflict: the node's ownership changed after the caller read its sequence.
	ErrOwnershipConflict = errors.New("jetstream: ownership changed concurrently")
	// ErrNoStream: the event's kind belongs to no stream of this store (a domain this version
	// does not know), so there is nowhere to keep it.
	ErrNoStream = errors.New("jetstream: no stream for kind")
	// ErrNotConnected: the connection is not usable (closed, or never connected).
	ErrNotConnected = errors.New("jetstream: not connected")
)

// Options configure Open. The zero value gives the defaults documented on each field.
type Options struct {
	// Prefix is the first subject token(s); "" means events.DefaultSubjectPrefix ("gpuplan").
	Prefix string
	// StreamPrefix starts the stream names (<StreamPrefix>_SAMPLES, _JOBS, _RUNS); "" means
	// Prefix in upper case with every character other than A-Z, 0-9, '-' and '_' as '_'.
	StreamPrefix string
	// Replicas of each stream (1 to MaxReplicas); 0 chooses from the cluster connected to:
	// ClusterReplicas when the client knows that many of its servers, otherwise 1 (see
	// ChooseReplicas). An existing stream with fewer replicas is scaled up to this count; one
	// with more is left alone unless Reconfigure is set.
	Replicas int
	// SamplesMaxAge and SamplesMaxBytes limit the samples stream (oldest dropped first);
	// 0 means 30 days and 10 GiB, a negative value no limit.
	SamplesMaxAge   time.Duration
	SamplesMaxBytes int64
	// SamplesDuplicates and KeptDuplicates are the duplicate windows of the samples stream and
	// of the kept streams; 0 means 1 h and 24 h.
	SamplesDuplicates time.Duration
	KeptDuplicates    time.Duration
	// Reconfigure applies the limits above to streams that exist already. Without it, Open
	// creates missing streams and adds missing subjects but leaves an existing stream's limits
	// alone, so an administrator's settings survive every gpuplan command.
	Reconfigure bool
	// MaxPending bounds the publishes awaiting acknowledgement; 0 means 4096.
	MaxPending int
	// AckTimeout is how long one publish waits for its acknowledgement before it is retried;
	// 0 means 10 s.
	AckTimeout time.Duration
	// RetryFor is how long Append keeps retrying without any publish succeeding before it gives
	// up; 0 means 1 min.
	RetryFor time.Duration
	// SinceSlack widens the seek of a replay with a since time in the samples stream, whose
	// seek uses the time the server stored a message (see Replay); 0 means 1 h, a negative
	// value disables the seek.
	SinceSlack time.Duration
}

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = events.DefaultSubjectPrefix
	}
	if o.StreamPrefix == "" {
		o.StreamPrefix = streamName(o.Prefix)
	}
	if o.SamplesMaxAge == 0 {
		o.SamplesMaxAge = DefaultSamplesMaxAge
	}
	if o.SamplesMaxBytes == 0 {
		o.SamplesMaxBytes = DefaultSamplesMaxBytes
	}
	if o.SamplesDuplicates <= 0 {
		o.SamplesDuplicates = DefaultSamplesDuplicates
	}
	if o.KeptDuplicates <= 0 {
		o.KeptDuplicates = DefaultKeptDuplicates
	}
	if o.MaxPending <= 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = DefaultAckTimeout
	}
	if o.RetryFor <= 0 {
		o.RetryFor = DefaultRetryFor
	}
	if o.SinceSlack == 0 {
		o.SinceSlack = DefaultSinceSlack
	}
	return o
}

func streamName(prefix string) string {
	b := []byte(strings.ToUpper(prefix))
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// Stream indexes, in the fixed order replays merge ties in.
const (
	streamSamples = iota
	streamJobs
	streamRuns
	numStreams
)

// streamDomains are the kind domains (the first token of a wire name) each stream holds.
var streamDomains = [numStreams][]string{
	streamSamples: {"gpu"},
	streamJobs:    {"job", "ownership"},
	streamRuns:    {"planner"},
}

var streamSuffix = [numStreams]string{streamSamples: "_SAMPLES", streamJobs: "_JOBS", streamRuns: "_RUNS"}

// streamOf returns the stream holding a kind name, or -1.
func streamOf(kindName string) int {
	domain, _, _ := strings.Cut(kindName, ".")
	for i, ds := range streamDomains {
		if slices.Contains(ds, domain) {
			return i
		}
	}
	return -1
}

// Store is the JetStream event log. It implements events.Appender and events.Replayer and is
// safe for concurrent use. It does not own the connection: close that after the last call.
type Store struct {
	nc      *nats.Conn
	js      natsjs.JetStream
	opt     Options
	names   [numStreams]string
	streams [numStreams]natsjs.Stream
	// legacy marks kept streams created by gpuplan before one-subject-per-event: they keep
	// their five-token subjects and deduplicate only within the duplicate window.
	legacy  [numStreams]bool
	prefix  string // subject prefix as Subject writes it
	denied  *denials
	statsMu sync.Mutex
	stats   Stats
}

var (
	_ events.Appender = (*Store)(nil)
	_ events.Replayer = (*Store)(nil)
)

// Open checks that nc reaches a JetStream server and creates the streams that are missing (see
// Options.Reconfigure for existing ones).
func Open(ctx context.Context, nc *nats.Conn, opt Options) (*Store, error) {
	opt = opt.withDefaults()
	s := &Store{nc: nc, opt: opt, denied: newDenials()}
	s.prefix = strings.TrimSuffix(events.Subject(opt.Prefix, "", "a.b", ""), "._.a.b._")
	if nc == nil || !nc.IsConnected() {
		return nil, fmt.Errorf("%w to NATS at %s", ErrNotConnected, s.where())
	}
	s.denied.watch(nc)
	js, err := natsjs.New(nc,
		natsjs.WithPublishAsyncMaxPending(opt.MaxPending),
		natsjs.WithPublishAsyncTimeout(opt.AckTimeout))
	if err != nil {
		return nil, fmt.Errorf("jetstream: %s: %w", s.where(), err)
	}
	s.js = js
	if s.opt.Replicas, err = ChooseReplicas(opt.Replicas, nc.ConnectedClusterName(), KnownServers(nc)); err != nil {
		return nil, fmt.Errorf("%w (NATS at %s)", err, s.where())
	}
	sctx, cancel := s.denied.untilDenied(ctx)
	defer cancel()
	for i := range numStreams {
		s.names[i] = opt.StreamPrefix + streamSuffix[i]
		if err := s.ensureStream(sctx, i); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Store) streamConfig(i int) natsjs.StreamConfig {
	cfg := natsjs.StreamConfig{
		Name:        s.names[i],
		Description: "gpuplan event log",
		Subjects:    s.streamSubjects(i),
		Retention:   natsjs.LimitsPolicy,
		Discard:     natsjs.DiscardOld,
		Storage:     natsjs.FileStorage,
		Replicas:    s.opt.Replicas,
		Duplicates:  s.opt.KeptDuplicates,
		AllowDirect: true,
	}
	if i == streamSamples {
		cfg.Description = "gpuplan GPU inventory and sample batches (limited by age and size)"
		cfg.MaxAge = max(s.opt.SamplesMaxAge, 0)
		cfg.MaxBytes = s.opt.SamplesMaxBytes
		if cfg.MaxBytes < 0 {
			cfg.MaxBytes = -1
		}
		cfg.Duplicates = s.opt.SamplesDuplicates
		if cfg.MaxAge > 0 && cfg.Duplicates > cfg.MaxAge {
			cfg.Duplicates = cfg.MaxAge // the server refuses a window longer than the age limit
		}
	} else {
		cfg.Description = "gpuplan " + strings.Join(streamDomains[i], " and ") + " events (kept, one message per event id)"
		// One subject per event id holding at most one message, refusing a second: an event is
		// stored once however long after the first its copy comes (see the package doc).
		cfg.MaxMsgsPerSubject = 1
		cfg.Discard = natsjs.DiscardNew
		cfg.DiscardNewPerSubject = true
	}
	return cfg
}

// kept reports whether stream i keeps one message per event id.
func kept(i int) bool { return i != streamSamples }

// streamSubjects are the subject filters of stream i: prefix.*.<domain>.*.* per domain, with a
// sixth token, the event id, in the kept streams.
func (s *Store) streamSubjects(i int) []string {
	var subs []string
	for _, d := range streamDomains[i] {
		sub := s.prefix + ".*." + d + ".*.*"
		if kept(i) && !s.legacy[i] {
			sub += ".*"
		}
		subs = append(subs, sub)
	}
	return subs
}

// perEvent reports whether stream i puts each event on a subject of its own.
func (s *Store) perEvent(i int) bool { return kept(i) && !s.legacy[i] }

func (s *Store) ensureStream(ctx context.Context, i int) error {
	want := s.streamConfig(i)
	st, err := s.js.Stream(ctx, want.Name)
	if errors.Is(err, natsjs.ErrStreamNotFound) {
		if s.streams[i], err = s.js.CreateStream(ctx, want); err != nil {
			if want.Replicas > 1 {
				err = fmt.Errorf("%w (%d replicas need %d servers of the cluster up)", err, want.Replicas, want.Replicas)
			}
			err = s.apiErr("create stream "+want.Name, err)
			if errors.Is(err, ErrDenied) {
				err = fmt.Errorf("%w; only the admin role creates streams: start gpuplan serve --auth, or run one command with the admin's --creds", err)
			}
			return err
		}
		return nil
	}
	if err != nil {
		return s.apiErr("stream "+want.Name, err)
	}
	s.streams[i] = st
	info := st.CachedInfo()
	have := info.Config
	if kept(i) && have.MaxMsgsPerSubject != 1 {
		if info.State.Msgs > 0 {
			// Made by an older gpuplan. Setting a limit of one message per subject would
			// delete all but the last event of each node, so the stream keeps its layout.
			s.legacy[i] = true
			want = s.streamConfig(i)
		} else {
			// Empty: nothing to lose by converting it.
			cfg := have
			cfg.Subjects = want.Subjects
			cfg.MaxMsgsPerSubject, cfg.Discard, cfg.DiscardNewPerSubject = 1, natsjs.DiscardNew, true
			cfg.Description = want.Description
			cfg.Replicas = max(cfg.Replicas, want.Replicas)
			if s.streams[i], err = s.js.UpdateStream(ctx, cfg); err != nil {
				return s.apiErr("convert empty stream "+want.Name+" to one subject per event (needs the admin role)", err)
			}
			return nil
		}
	}
	cfg := have
	for _, sub := range want.Subjects {
		if !slices.Contains(cfg.Subjects, sub) {
			cfg.Subjects = append(slices.Clip(cfg.Subjects), sub)
		}
	}
	if s.opt.Reconfigure {
		cfg.MaxAge, cfg.MaxBytes, cfg.Duplicates, cfg.Replicas = want.MaxAge, want.MaxBytes, want.Duplicates, want.Replicas
	}
	// Too few copies is what takes a log offline with one server, so it is fixed even without
	// Reconfigure; more than asked is an administrator's choice and stays.
	cfg.Replicas = max(cfg.Replicas, want.Replicas)
	if len(cfg.Subjects) == len(have.Subjects) && cfg.MaxAge == have.MaxAge && cfg.MaxBytes == have.MaxBytes &&
		cfg.Duplicates == have.Duplicates && cfg.Replicas == have.Replicas {
		return nil
	}
	if _, err := s.js.UpdateStream(ctx, cfg); err != nil {
		if cfg.Replicas != have.Replicas {
			err = fmt.Errorf("%w (raising its replicas from %d to %d needs %d servers of the cluster up and the right to "+
				"edit streams; or ask for %d replicas to use it as it is)", err, have.Replicas, cfg.Replicas, cfg.Replicas, have.Replicas)
		}
		return s.apiErr("update stream "+want.Name, err)
	}
	return nil
}

// apiErr names the server in errors and turns the bare "no responders" of a server without
// JetStream into words.
func (s *Store) apiErr(what string, err error) error {
	if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, natsjs.ErrJetStreamNotEnabled) {
		return fmt.Errorf("jetstream: %s: JetStream is not enabled on the NATS server at %s: %w", what, s.where(), err)
	}
	if d := s.denied.recentAPI(); d != nil && !errors.Is(err, ErrDenied) {
		// A refused API request only times out; the refusal came on the side.
		return fmt.Errorf("jetstream: %s at %s: %w (then %v)", what, s.where(), d, err)
	}
	return fmt.Errorf("jetstream: %s at %s: %w", what, s.where(), err)
}

// LegacyStreams names the kept streams that an older gpuplan created and that still hold its
// events: they keep working, but there an event re-published after the duplicate window (24 h by
// default) is stored again. Export them and import the file into a new log to get the
// one-message-per-event layout.
func (s *Store) LegacyStreams() []string {
	var out []string
	for i, l := range s.legacy {
		if l {
			out = append(out, s.names[i])
		}
	}
	return out
}

// StreamNames returns the names of the samples, jobs-and-ownership and planner-runs streams.
func (s *Store) StreamNames() []string { return slices.Clone(s.names[:]) }

// Replicas returns the replica count the store asks of its streams (see Options.Replicas).
func (s *Store) Replicas() int { return s.opt.Replicas }

// Prefix returns the subject prefix.
func (s *Store) Prefix() string { return s.prefix }

// where names the server for errors, without credentials: the one connected to, or the
// configured ones while disconnected.
func (s *Store) where() string {
	nc := s.nc
	if nc == nil {
		return "(no connection)"
	}
	if u := nc.ConnectedUrlRedacted(); u != "" {
		return u
	}
	return redact(nc.Opts.Url, nc.Opts.Servers)
}

func redact(u string, servers []string) string {
	var all []string
	if u != "" {
		all = strings.Split(u, ",")
	}
	all = append(all, servers...)
	out := make([]string, 0, len(all))
	for _, a := range all {
		a = strings.TrimSpace(a)
		if p, err := url.Parse(a); err == nil && p.User != nil {
			a = p.Redacted()
		}
		out = append(out, a)
	}
	return strings.Join(out, ",")
}
