package jetstream

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events"
)

// AppendStats says what one Publish did.
type AppendStats struct {
	Stored     int // events the streams stored now
	Duplicates int // events the streams already held (same id within the duplicate window)
	Retries    int // publishes repeated after a timeout, a lost connection or a leader change
}

// Append implements events.Appender; see Publish.
func (s *Store) Append(ctx context.Context, evs ...events.Event) error {
	_, err := s.Publish(ctx, evs...)
	return err
}

// Publish stores events, each under its subject with its id as Nats-Msg-Id, and returns once the
// server has acknowledged every one (on a cluster: once a majority of replicas hold it).
//
// All events are validated first; one invalid event stores nothing and returns an error
// wrapping events.ErrInvalid, and an event whose kind belongs to no stream one wrapping
// ErrNoStream. Publishing is asynchronous with at most Options.MaxPending messages in flight.
// A publish that times out, meets no stream leader or is cut off by a lost connection is sent
// again with the same id, so the stream keeps one copy; Publish gives up only when nothing has
// succeeded for Options.RetryFor, on a server refusal, on a closed connection, or when ctx ends.
//
// Events are stored in the order given, except that an event sent again after a failure lands
// after the events that succeeded meanwhile. When Publish fails, any subset of the events may be
// stored; calling it again with the same events is safe.
func (s *Store) Publish(ctx context.Context, evs ...events.Event) (AppendStats, error) {
	var st AppendStats
	if err := ctx.Err(); err != nil {
		return st, err
	}
	// Everything that can refuse an event is checked first, so that one invalid event stores
	// nothing; encoding waits until just before each send, where it overlaps with the server
	// storing the messages in flight (built up front, it left the server idle for a third of an
	// import). Encoded messages are held until acknowledged: long calls go in chunks to bound
	// memory.
	subjects := make([]string, len(evs))
	for i, e := range evs {
		if err := e.Validate(); err != nil {
			return st, fmt.Errorf("jetstream: append event %d (id %q): %w", i, e.ID, err)
		}
		k := streamOf(e.Name())
		if k < 0 {
			return st, fmt.Errorf("jetstream: append event %d (id %q): %w %q", i, e.ID, ErrNoStream, e.Name())
		}
		subj, err := subjectOf(s.opt.Prefix, e)
		if err != nil {
			return st, fmt.Errorf("jetstream: append event %d (id %q): %w", i, e.ID, err)
		}
		if s.perEvent(k) {
			subj += "." + events.SubjectToken(e.ID)
		}
		subjects[i] = subj
	}
	chunk := 2 * s.opt.MaxPending
	msgs := make([]*nats.Msg, min(len(evs), chunk))
	for from := 0; from < len(evs); from += chunk {
		b := batch{evs: evs[from:min(from+chunk, len(evs))], subjects: subjects[from:], from: from, msgs: msgs}
		b.msgs = b.msgs[:len(b.evs)]
		clear(b.msgs)
		var cs AppendStats
		err := s.publishAll(ctx, &b, &cs)
		st.Stored, st.Duplicates, st.Retries = st.Stored+cs.Stored, st.Duplicates+cs.Duplicates, st.Retries+cs.Retries
		s.statsMu.Lock()
		s.stats.Stored += cs.Stored
		s.stats.Duplicates += cs.Duplicates
		s.stats.Retries += cs.Retries
		s.statsMu.Unlock()
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// batch is one chunk of a Publish: its events, their subjects, and their messages once encoded.
type batch struct {
	evs      []events.Event
	subjects []string
	from     int // the index of evs[0] in the Publish call, for errors
	msgs     []*nats.Msg
}

// msg returns message i, encoding it on first use.
func (b *batch) msg(i int) (*nats.Msg, error) {
	if m := b.msgs[i]; m != nil {
		return m, nil
	}
	e := b.evs[i]
	data, err := events.Marshal(e) // cannot fail after Validate; checked all the same
	if err != nil {
		return nil, fmt.Errorf("jetstream: append event %d (id %q): %w", b.from+i, e.ID, err)
	}
	m := &nats.Msg{Subject: b.subjects[i], Data: data, Header: nats.Header{natsjs.MsgIDHeader: []string{e.ID}}}
	b.msgs[i] = m
	return m, nil
}

// publishAll sends msgs, resending those whose publish failed in a retryable way, until all are
// acknowledged, or nothing succeeded for Options.RetryFor, or an error retrying cannot fix.
func (s *Store) publishAll(ctx context.Context, msgs *batch, st *AppendStats) error {
	todo := make([]int, len(msgs.evs))
	for i := range todo {
		todo[i] = i
	}
	lastProgress := time.Now()
	var last error // the latest retryable error, for the message when retries run out
	for attempt := 0; len(todo) > 0; attempt++ {
		if attempt > 0 {
			if time.Since(lastProgress) > s.opt.RetryFor {
				if !s.nc.IsConnected() {
					last = fmt.Errorf("server unreachable, connection %s: %w", s.nc.Status(), last)
				}
				return fmt.Errorf("jetstream: append to %s: %d events not acknowledged after retrying for %v: %w",
					s.where(), len(todo), s.opt.RetryFor, last)
			}
			if err := sleep(ctx, backoff(attempt)); err != nil {
				return err
			}
			st.Retries += len(todo)
		}
		failed, err := s.publishRound(ctx, msgs, todo, st)
		if err != nil {
			return err
		}
		if len(failed) > 0 {
			last = failed[len(failed)-1].err
		}
		if len(failed) < len(todo) {
			lastProgress = time.Now()
		}
		todo = todo[:0]
		for _, f := range failed {
			todo = append(todo, f.idx)
		}
	}
	return nil
}

type inflight struct {
	idx int
	paf natsjs.PubAckFuture
}

type failure struct {
	idx int
	err error
}

// publishRound sends msgs[todo...] in order and waits for every acknowledgement. It returns the
// indexes that failed in a way worth retrying, in order, or an error that retrying cannot fix.
func (s *Store) publishRound(ctx context.Context, msgs *batch, todo []int, st *AppendStats) ([]failure, error) {
	var failed []failure
	queue := make([]inflight, 0, min(len(todo), s.opt.MaxPending))
	head := 0
	settle := func() error { // waits for the oldest publish in flight
		f := queue[head]
		head++
		var err error
	wait:
		for {
			denied, next := s.denied.of(msgs.msgs[f.idx].Subject)
			if denied != nil {
				return s.publishErr(msgs.msgs[f.idx], denied)
			}
			select {
			case ack := <-f.paf.Ok():
				if ack.Duplicate {
					st.Duplicates++
				} else {
					st.Stored++
				}
				return nil
			case err = <-f.paf.Err():
				break wait
			case <-next: // a refusal: of this message?
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if isSubjectFull(err) {
			// The event's own subject holds it already: stored before the duplicate window.
			st.Duplicates++
			return nil
		}
		if retryable(err) {
			failed = append(failed, failure{f.idx, err})
			return nil
		}
		return s.publishErr(msgs.msgs[f.idx], err)
	}
	for _, i := range todo {
		m, err := msgs.msg(i)
		if err != nil {
			return nil, err
		}
		for {
			paf, err := s.js.PublishMsgAsync(m)
			if err == nil {
				if head == len(queue) {
					queue, head = queue[:0], 0
				}
				queue = append(queue, inflight{i, paf})
				break
			}
			if errors.Is(err, natsjs.ErrTooManyStalledMsgs) && head < len(queue) {
				if err := settle(); err != nil {
					return nil, err
				}
				continue
			}
			if errors.Is(err, natsjs.ErrTooManyStalledMsgs) || retryable(err) {
				// Full reconnect buffer, or other Appends hold every slot: try again next round.
				failed = append(failed, failure{i, err})
				break
			}
			return nil, s.publishErr(m, err)
		}
		if len(queue)-head >= s.opt.MaxPending {
			if err := settle(); err != nil {
				return nil, err
			}
		}
	}
	for head < len(queue) {
		if err := settle(); err != nil {
			return nil, err
		}
	}
	// Publish-time and acknowledgement failures interleave: resend in the caller's order.
	slices.SortFunc(failed, func(a, b failure) int { return cmp.Compare(a.idx, b.idx) })
	return failed, nil
}

func (s *Store) publishErr(m *nats.Msg, err error) error {
	return fmt.Errorf("jetstream: append event %s on %s to %s: %w", m.Header.Get(natsjs.MsgIDHeader), m.Subject, s.where(), err)
}

// isSubjectFull recognises the refusal of a second message on a subject limited to one with
// discard-new per subject (nats-server v2.15 server/store.go ErrMaxMsgsPerSubject, answered as
// 10077 JSStreamStoreFailedF with code 503, which retryable would otherwise retry).
func isSubjectFull(err error) bool {
	var apiErr *natsjs.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == 10077 &&
		strings.Contains(apiErr.Description, "maximum messages per subject exceeded")
}

// retryable reports whether sending the same message again may succeed: timeouts, lost
// connections, no stream leader (during an election), a cluster that is busy.
func retryable(err error) bool {
	var apiErr *natsjs.APIError
	if errors.As(err, &apiErr) {
		// 10008: JetStream system temporarily unavailable; 503: no leader / not current.
		return apiErr.Code == 503 || apiErr.ErrorCode == 10008
	}
	switch {
	case errors.Is(err, natsjs.ErrAsyncPublishTimeout),
		errors.Is(err, natsjs.ErrNoStreamResponse),
		errors.Is(err, nats.ErrNoResponders),
		errors.Is(err, nats.ErrTimeout),
		errors.Is(err, nats.ErrDisconnected),
		errors.Is(err, nats.ErrReconnectBufExceeded),
		errors.Is(err, nats.ErrConnectionReconnecting),
		errors.Is(err, nats.ErrStaleConnection):
		return true
	}
	return false
}

func backoff(attempt int) time.Duration {
	d := 50 * time.Millisecond << min(attempt-1, 5)
	return min(d, time.Second)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
