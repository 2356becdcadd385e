package jetstream

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events"
)

// maxMalformedKept bounds the malformed messages a replay describes (all are counted).
const maxMalformedKept = 16

// replayBatch is how many decoded events travel from a stream's reader to the caller at once:
// one channel operation per event would cost more than decoding a small one.
const replayBatch = 256

// ReplayStats says what one replay read.
type ReplayStats struct {
	Events    int           // events passed to fn
	Malformed int           // messages that are not a valid envelope, skipped
	Skipped   []events.Skip // unknown kinds not asked for and newer envelope versions, sorted by kind and version
	Errors    []*MalformedError
	// Unknown names the first 16 events of unknown kinds skipped, by stream and sequence, in
	// stream order per stream (Skipped counts all of them).
	Unknown []UnknownKind
}

// UnknownKind is a stored event of a kind this binary does not know, skipped by a replay.
type UnknownKind struct {
	Stream string
	Seq    uint64
	ID     string
	Kind   string // its wire name
	V      int
}

// MalformedError describes a message that is not a valid event. ReplayStats keeps the first 16.
type MalformedError struct {
	Stream  string
	Seq     uint64
	Subject string
	Err     error
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("stream %s message %d on %s: %v", e.Stream, e.Seq, e.Subject, e.Err)
}

func (e *MalformedError) Unwrap() error { return e.Err }

// Stats are a Store's running totals since Open.
type Stats struct {
	Stored, Duplicates, Retries  int // from Publish
	Replayed, Malformed, Skipped int // from Replay
}

// Stats returns the running totals.
func (s *Store) Stats() Stats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	return s.stats
}

// Replay implements events.Replayer; see ReplayCounted.
func (s *Store) Replay(ctx context.Context, since, until time.Time, kinds []events.Kind, fn func(events.Event) error) error {
	_, err := s.ReplayCounted(ctx, since, until, kinds, fn)
	return err
}

// ReplayCounted calls fn for every stored event whose time lies in [since, until) and whose kind
// is in kinds (the rules of events.Replayer), and says what it skipped.
//
// Each stream involved is read through an ordered consumer, filtered on the server by the kinds'
// subjects (except the streams with one subject per event, filtered on the client), up to the last message it held when the replay began: events stored meanwhile are
// left for the next replay. Malformed messages (anything that is not a valid envelope) are
// counted and skipped, as are events of unknown kinds that were not asked for and events of a
// newer envelope version.
//
// Order: within a stream, stream order. Across streams, events are merged by the time the server
// stored them, ties going to the samples stream, then jobs and ownership, then planner runs, so
// a replay of the same log yields the same sequence every time and follows arrival order.
//
// Event times and stored times differ (importers store old events, collectors spool), so the time
// range is applied to event times on the client. Only the samples stream, written live by
// collectors, seeks: a replay with a since time starts at messages stored from since minus
// Options.SinceSlack, which finds every sample whose event time is not later than its arrival
// by more than the slack (a collector clock running ahead, say). The kept streams are read
// whole: imports may carry any times.
func (s *Store) ReplayCounted(ctx context.Context, since, until time.Time, kinds []events.Kind, fn func(events.Event) error) (ReplayStats, error) {
	return s.replay(ctx, since, until, kinds, func(_ uint64, e events.Event) error { return fn(e) })
}

// ReplaySeq is Replay that also gives each event's stream sequence, so that a consumer that
// skips an event can name it ("seq 42"), and returns the messages the replay itself skipped:
// malformed messages and events of unknown kinds (the first 16 of each) and newer envelope
// versions (counted only), each with its sequence where known, and how many messages it skipped
// in all. The sequence counts within the event's stream.
func (s *Store) ReplaySeq(ctx context.Context, since, until time.Time, kinds []events.Kind, fn func(seq uint64, e events.Event) error) ([]events.Rejection, int, error) {
	st, err := s.replay(ctx, since, until, kinds, fn)
	var rej []events.Rejection
	total := st.Malformed
	for _, k := range st.Skipped {
		total += k.Count
	}
	for _, m := range st.Errors {
		rej = append(rej, events.Rejection{Stream: m.Stream, Seq: m.Seq, Reason: m.Err.Error()})
	}
	for _, u := range st.Unknown {
		rej = append(rej, events.Rejection{Stream: u.Stream, Seq: u.Seq, Kind: u.Kind, ID: u.ID,
			Reason: fmt.Sprintf("%s: unknown kind (v%d)", u.Kind, u.V)})
	}
	if n := st.Malformed - len(st.Errors); n > 0 {
		rej = append(rej, events.Rejection{Reason: fmt.Sprintf("and %d more malformed messages", n)})
	}
	for _, k := range st.Skipped {
		if k.V > events.CurrentVersion {
			rej = append(rej, events.Rejection{Kind: k.Kind,
				Reason: fmt.Sprintf("%d events of envelope version %d, newer than this gpuplan reads", k.Count, k.V)})
		}
	}
	slices.SortStableFunc(rej, func(a, b events.Rejection) int {
		return cmp.Or(cmp.Compare(a.Stream, b.Stream), cmp.Compare(a.Seq, b.Seq))
	})
	return rej, total, err
}

func (s *Store) replay(ctx context.Context, since, until time.Time, kinds []events.Kind, fn func(uint64, events.Event) error) (ReplayStats, error) {
	var st ReplayStats
	srcs, err := s.plan(ctx, since, kinds)
	if err != nil {
		return st, err
	}
	stop := make(chan struct{})
	want := kindSet(kinds)
	for _, r := range srcs {
		r.stop, r.since, r.until, r.want = stop, since, until, want
		err := s.retryUnanswered(ctx, func(ctx context.Context) error {
			sctx, cancel := s.denied.untilDenied(ctx)
			defer cancel()
			return r.start(sctx, s.js)
		})
		if err != nil {
			close(stop)
			for _, r := range srcs {
				r.close(s.js)
			}
			return st, s.apiErr("replay "+r.stream, err)
		}
	}
	err = merge(ctx, srcs, func(it *item) error {
		st.Events++
		return fn(it.seq, it.ev)
	})
	close(stop)
	skips := map[skipKey]int{}
	for _, r := range srcs {
		r.close(s.js)
		r.mu.Lock()
		st.Malformed += r.malformed
		for _, m := range r.errs {
			if len(st.Errors) < maxMalformedKept {
				st.Errors = append(st.Errors, m)
			}
		}
		for _, u := range r.unknown {
			if len(st.Unknown) < maxMalformedKept {
				st.Unknown = append(st.Unknown, u)
			}
		}
		for k, n := range r.skips {
			skips[k] += n
		}
		if err == nil && r.err != nil {
			err = s.apiErr("replay "+r.stream, r.err)
		}
		r.mu.Unlock()
	}
	for k, n := range skips {
		st.Skipped = append(st.Skipped, events.Skip{Kind: k.kind, V: k.v, Count: n})
	}
	slices.SortFunc(st.Skipped, func(a, b events.Skip) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.V, b.V))
	})
	s.statsMu.Lock()
	s.stats.Replayed += st.Events
	s.stats.Malformed += st.Malformed
	for _, k := range st.Skipped {
		s.stats.Skipped += k.Count
	}
	s.statsMu.Unlock()
	return st, err
}

// kindSet applies the kinds rule of events.Replayer.
func kindSet(kinds []events.Kind) *[256]bool {
	var set [256]bool
	if len(kinds) == 0 {
		for _, k := range events.Kinds() {
			set[k] = true
		}
		return &set
	}
	for _, k := range kinds {
		set[k] = true
	}
	return &set
}

// plan picks the streams a replay reads, their subject filters and where they end.
func (s *Store) plan(ctx context.Context, since time.Time, kinds []events.Kind) ([]*reader, error) {
	unknown := slices.Contains(kinds, events.KindUnknown)
	var srcs []*reader
	for i := range numStreams {
		var filters []string
		if len(kinds) > 0 && !unknown {
			all := true
			for _, k := range events.Kinds() {
				if streamOf(k.String()) != i {
					continue
				}
				if slices.Contains(kinds, k) {
					f := events.SubjectFilter(s.opt.Prefix, "", k.String(), "")
					if s.perEvent(i) {
						f += ".*"
					}
					filters = append(filters, f)
				} else {
					all = false
				}
			}
			if len(filters) == 0 {
				continue
			}
			if all || s.perEvent(i) {
				// The whole stream: no filter is cheaper for the server. On a stream with one
				// subject per event a filter is dearer still: creating the consumer matches it
				// against every subject (seconds at 1M jobs, past the request timeout), while
				// the events of other kinds are few and the handler drops them (want).
				filters = nil
			}
		}
		var info *natsjs.StreamInfo
		err := s.retryUnanswered(ctx, func(ctx context.Context) (err error) {
			sctx, cancel := s.denied.untilDenied(ctx)
			defer cancel()
			info, err = s.streams[i].Info(sctx)
			return err
		})
		if err != nil {
			return nil, s.apiErr("replay "+s.names[i], err)
		}
		state := info.State
		if state.Msgs == 0 {
			continue
		}
		r := &reader{idx: i, stream: s.names[i], filters: filters, last: state.LastSeq}
		if i == streamSamples && !since.IsZero() && s.opt.SinceSlack >= 0 {
			t := since.Add(-s.opt.SinceSlack)
			r.startTime = &t
		}
		srcs = append(srcs, r)
	}
	return srcs, nil
}

type skipKey struct {
	kind string
	v    int
}

// item is a decoded event with its stream sequence and the time its stream stored it, for
// merging streams.
type item struct {
	ev     events.Event
	seq    uint64
	stored int64
}

// reader reads one stream through an ordered consumer. Its handler runs on the subscription's
// goroutine, decodes and filters, and hands batches to the replay on out.
type reader struct {
	idx          int
	stream       string
	filters      []string
	startTime    *time.Time
	last         uint64 // the stream's last sequence when the replay began
	since, until time.Time
	want         *[256]bool
	stop         <-chan struct{}
	out          chan []item
	cons         natsjs.Consumer

	// mu serialises the handler with the error handler and the replay's end. It is held while
	// a batch waits to be taken, which the replay does until it closes stop.
	mu        sync.Mutex
	cc        natsjs.ConsumeContext
	done      bool
	batch     []item
	malformed int
	errs      []*MalformedError
	skips     map[skipKey]int
	unknown   []UnknownKind // the first few unknown-kind events skipped
	err       error
}

func (r *reader) start(ctx context.Context, js natsjs.JetStream) error {
	r.out = make(chan []item, 4)
	cfg := natsjs.OrderedConsumerConfig{FilterSubjects: r.filters}
	if r.startTime != nil {
		cfg.DeliverPolicy = natsjs.DeliverByStartTimePolicy
		cfg.OptStartTime = r.startTime
	}
	cons, err := js.OrderedConsumer(ctx, r.stream, cfg)
	if err != nil {
		return err
	}
	r.cons = cons
	// Large pulls keep the server sending while the client decodes: with 500 (the library's
	// default) a replay of job events ran at half the rate of 8192. The client buffers at most
	// this many messages (24 MB of 8-GPU sample batches).
	cc, err := cons.Consume(r.handle,
		natsjs.PullMaxMessages(8192),
		natsjs.ConsumeErrHandler(func(_ natsjs.ConsumeContext, err error) {
			// The ordered consumer recreates itself after missed heartbeats and the like; a
			// closed connection is the end.
			if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, natsjs.ErrConnectionClosed) {
				r.fail(err)
			}
		}))
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cc = cc
	if r.done {
		cc.Stop()
	}
	// An empty selection delivers nothing, so nothing would end the read.
	if info := cons.CachedInfo(); info != nil && info.NumPending == 0 && info.Delivered.Stream == 0 {
		r.finishLocked()
	}
	return nil
}

func (r *reader) handle(m natsjs.Msg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	seq, stored, pending, ok := ackMeta(m.Reply())
	if !ok {
		meta, err := m.Metadata()
		if err != nil {
			r.failLocked(err)
			return
		}
		seq, stored, pending = meta.Sequence.Stream, meta.Timestamp.UnixNano(), meta.NumPending
	}
	if seq > r.last {
		r.finishLocked()
		return
	}
	r.decode(m, seq, stored)
	if seq == r.last || pending == 0 {
		r.finishLocked()
	}
}

// ackMeta reads the stream sequence, stored time (Unix ns) and pending count from a JetStream
// reply subject, as Msg.Metadata does but without its allocations, which cost a tenth of a
// replay's client time:
//
//	$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<tm>.<pending>
//	$JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<tm>.<pending>[.<token>…]
//
// ok is false for anything else; the caller then asks Metadata for its error.
func ackMeta(reply string) (seq uint64, stored int64, pending uint64, ok bool) {
	const prefix = "$JS.ACK."
	if !strings.HasPrefix(reply, prefix) {
		return 0, 0, 0, false
	}
	var tok [10]string // the tokens after the prefix, at most the ten a v2 subject needs
	n, rest := 0, reply[len(prefix):]
	for n < len(tok) {
		t, after, more := strings.Cut(rest, ".")
		tok[n] = t
		n++
		if !more {
			rest = ""
			break
		}
		rest = after
	}
	var s, tm, p string
	switch {
	case n == 7 && rest == "": // v1
		s, tm, p = tok[3], tok[5], tok[6]
	case n >= 9: // v2: nine tokens, or more after them
		s, tm, p = tok[5], tok[7], tok[8]
	default:
		return 0, 0, 0, false
	}
	var ts uint64
	if seq, ok = parseNum(s); !ok {
		return 0, 0, 0, false
	}
	if ts, ok = parseNum(tm); !ok || ts > math.MaxInt64 {
		return 0, 0, 0, false
	}
	if pending, ok = parseNum(p); !ok {
		return 0, 0, 0, false
	}
	return seq, int64(ts), pending, true
}

func parseNum(s string) (uint64, bool) {
	if s == "" || len(s) > 19 { // 19 digits cannot overflow
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

func (r *reader) decode(m natsjs.Msg, seq uint64, stored int64) {
	// The client copies every message's data for it alone, and m is dropped after this.
	e, err := events.UnmarshalOwned(m.Data())
	switch {
	case errors.Is(err, events.ErrNewerVersion):
		r.skip(e.KindName, e.V)
		return
	case err != nil:
		r.malformed++
		if len(r.errs) < maxMalformedKept {
			r.errs = append(r.errs, &MalformedError{Stream: r.stream, Seq: seq, Subject: m.Subject(), Err: err})
		}
		return
	}
	if !r.want[e.Kind] {
		if e.Kind == events.KindUnknown {
			r.skip(e.KindName, e.V)
			if len(r.unknown) < maxMalformedKept {
				r.unknown = append(r.unknown, UnknownKind{Stream: r.stream, Seq: seq, ID: e.ID, Kind: e.KindName, V: e.V})
			}
		}
		return
	}
	if !r.since.IsZero() && e.Time.Before(r.since) || !r.until.IsZero() && !e.Time.Before(r.until) {
		return
	}
	if r.batch == nil {
		r.batch = make([]item, 0, replayBatch)
	}
	r.batch = append(r.batch, item{e, seq, stored})
	if len(r.batch) == replayBatch {
		r.flush()
	}
}

func (r *reader) skip(kind string, v int) {
	if r.skips == nil {
		r.skips = map[skipKey]int{}
	}
	r.skips[skipKey{kind, v}]++
}

// flush hands the batch over, or drops it when the replay has ended.
func (r *reader) flush() {
	if len(r.batch) == 0 {
		return
	}
	select {
	case r.out <- r.batch:
	case <-r.stop:
	}
	r.batch = nil
}

// finishLocked ends the read: what is decoded goes out and out is closed.
func (r *reader) finishLocked() {
	if r.done {
		return
	}
	r.done = true
	r.flush()
	close(r.out)
	if r.cc != nil {
		r.cc.Stop()
	}
}

func (r *reader) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failLocked(err)
}

func (r *reader) failLocked(err error) {
	if r.err == nil {
		r.err = err
	}
	r.finishLocked()
}

// close ends the read if the replay stopped early, then deletes the consumer on the server,
// which would otherwise keep it until its inactivity threshold. stop must be closed.
func (r *reader) close(js natsjs.JetStream) {
	if r.cons == nil {
		return
	}
	r.mu.Lock()
	r.finishLocked()
	r.mu.Unlock()
	if info := r.cons.CachedInfo(); info != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = js.DeleteConsumer(ctx, r.stream, info.Name)
		cancel()
	}
}

// merge feeds fn the events of all readers: one reader's in its order, several merged by stored
// time with ties to the lower stream index.
func merge(ctx context.Context, srcs []*reader, fn func(*item) error) error {
	type head struct {
		r     *reader
		batch []item
		pos   int
	}
	next := func(h *head) (bool, error) { // refills h; false when its reader is done
		for h.pos >= len(h.batch) {
			select {
			case b, ok := <-h.r.out:
				if !ok {
					return false, nil
				}
				h.batch, h.pos = b, 0
			case <-ctx.Done():
				return false, ctx.Err()
			}
		}
		return true, nil
	}
	heads := make([]*head, 0, len(srcs))
	for _, r := range srcs {
		h := &head{r: r}
		ok, err := next(h)
		if err != nil {
			return err
		}
		if ok {
			heads = append(heads, h)
		}
	}
	if len(heads) == 1 {
		h := heads[0]
		for {
			for i := range h.batch[h.pos:] {
				if err := fn(&h.batch[h.pos+i]); err != nil {
					return err
				}
			}
			h.pos = len(h.batch)
			if err := ctx.Err(); err != nil {
				return err
			}
			if ok, err := next(h); err != nil || !ok {
				return err
			}
		}
	}
	for len(heads) > 0 {
		best := 0
		for i := 1; i < len(heads); i++ { // heads stay in stream order, so ties go to the first
			if heads[i].batch[heads[i].pos].stored < heads[best].batch[heads[best].pos].stored {
				best = i
			}
		}
		h := heads[best]
		if err := fn(&h.batch[h.pos]); err != nil {
			return err
		}
		h.pos++
		if h.pos == len(h.batch) {
			if err := ctx.Err(); err != nil {
				return err
			}
			ok, err := next(h)
			if err != nil {
				return err
			}
			if !ok {
				heads = slices.Delete(heads, best, best+1)
			}
		}
	}
	return nil
}
