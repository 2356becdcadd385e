package collectors

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gpuplan/gpuplan/events"
)

// Log is the part of the event log a Publisher uses; *jetstream.Store implements it.
type Log interface {
	events.Appender
	// OwnershipSeq returns the sequence of the node's last ownership event (0: none).
	OwnershipSeq(ctx context.Context, site, node string) (uint64, error)
	// ChangeOwnership stores an ownership event only if the node's last ownership event still
	// has sequence expected; otherwise it fails with an error for which IsConflict is true.
	ChangeOwnership(ctx context.Context, ev events.Event, expected uint64) (uint64, error)
}

// Publisher defaults.
const (
	DefaultPublishTimeout = 10 * time.Second
	DefaultAckEvery       = 64
	maxBackoff            = 5 * time.Second
	ownershipTries        = 5
)

// PublisherOptions configure a Publisher. Spool and Open are required.
type PublisherOptions struct {
	Spool *Spool
	// Open returns the log, connecting if needed; the Publisher calls it again (after a pause)
	// until it succeeds, so a collector starts while the server is down.
	Open func(ctx context.Context) (Log, error)
	// IsConflict recognises an ownership conflict (jetstream.ErrOwnershipConflict); nil means
	// no error is one.
	IsConflict func(error) bool
	// Timeout bounds one publish; 0 means DefaultPublishTimeout. On expiry the event is sent
	// again, with the same id.
	Timeout time.Duration
	// AckEvery is how many delivered events are acknowledged to the spool at once (one cursor
	// write); 0 means DefaultAckEvery. A crash resends at most this many, which the server's
	// duplicate window drops.
	AckEvery int
	// OnError, if set, hears every failed attempt.
	OnError func(error)
}

// PublisherStats count a Publisher's work.
type PublisherStats struct {
	Published   int64     // events acknowledged by the server
	Errors      int64     // failed attempts (each retried)
	Refused     int64     // events the log refused as invalid, dropped from the spool
	LastPublish time.Time // of the last acknowledged event; zero before the first
	Connected   bool      // the last attempt reached the server
}

// Publisher drains a Spool into the log in order; see the package doc.
type Publisher struct {
	opt PublisherOptions
	log Log

	mu    sync.Mutex
	stats PublisherStats
}

// NewPublisher validates opt.
func NewPublisher(opt PublisherOptions) (*Publisher, error) {
	if opt.Spool == nil || opt.Open == nil {
		return nil, errors.New("collectors: publisher needs a spool and a log")
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultPublishTimeout
	}
	if opt.AckEvery <= 0 {
		opt.AckEvery = DefaultAckEvery
	}
	if opt.IsConflict == nil {
		opt.IsConflict = func(error) bool { return false }
	}
	return &Publisher{opt: opt}, nil
}

// Stats returns the counts now.
func (p *Publisher) Stats() PublisherStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Run publishes spooled events as they come until ctx ends.
func (p *Publisher) Run(ctx context.Context) error {
	return p.loop(ctx, false)
}

// Drain publishes until the spool is empty, returning nil then, or ctx.Err() if ctx ends
// first (what is left stays spooled for the next start).
func (p *Publisher) Drain(ctx context.Context) error {
	return p.loop(ctx, true)
}

func (p *Publisher) loop(ctx context.Context, untilEmpty bool) error {
	attempt := 0
	for {
		if err := ctx.Err(); err != nil {
			if untilEmpty {
				return err
			}
			return nil
		}
		recs, err := p.opt.Spool.Peek(p.opt.AckEvery)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			if untilEmpty {
				return nil
			}
			select {
			case <-ctx.Done():
				return nil
			case <-p.opt.Spool.Notify():
			case <-time.After(time.Second): // a notification raced with Peek
			}
			continue
		}
		n, err := p.send(ctx, recs)
		if n > 0 {
			if aerr := p.opt.Spool.Ack(recs[n-1].Pos); aerr != nil {
				return aerr
			}
			attempt = 0
		}
		if err != nil {
			p.failed(err)
			attempt++
			if serr := sleepCtx(ctx, backoff(attempt)); serr != nil && untilEmpty {
				return serr
			}
		}
	}
}

// send publishes recs one at a time, in order, and returns how many were acknowledged.
func (p *Publisher) send(ctx context.Context, recs []Record) (int, error) {
	if p.log == nil {
		octx, cancel := context.WithTimeout(ctx, p.opt.Timeout)
		l, err := p.opt.Open(octx)
		cancel()
		if err != nil {
			return 0, fmt.Errorf("collectors: open log: %w", err)
		}
		p.log = l
	}
	for i, r := range recs {
		var err error
		switch r.Event.Kind {
		case events.KindOwnershipAssigned, events.KindOwnershipReleased:
			err = p.changeOwnership(ctx, r.Event)
		default:
			pctx, cancel := context.WithTimeout(ctx, p.opt.Timeout)
			err = p.log.Append(pctx, r.Event)
			cancel()
		}
		if errors.Is(err, events.ErrInvalid) {
			// The log refuses it and always will: resending would block the spool forever.
			p.mu.Lock()
			p.stats.Refused++
			p.mu.Unlock()
			if p.opt.OnError != nil {
				p.opt.OnError(fmt.Errorf("collectors: dropped spooled event %s: %w", r.Event.ID, err))
			}
			continue
		}
		if err != nil {
			return i, fmt.Errorf("collectors: publish %s %s: %w", r.Event.Name(), r.Event.ID, err)
		}
		p.mu.Lock()
		p.stats.Published++
		p.stats.LastPublish = time.Now()
		p.stats.Connected = true
		p.mu.Unlock()
	}
	return len(recs), nil
}

// changeOwnership stores an ownership event under optimistic concurrency: it reads the node's
// last ownership sequence and retries on a conflict. The node's config file is the authority
// for its GPUs, so a concurrent change by someone else is followed by the config's.
func (p *Publisher) changeOwnership(ctx context.Context, ev events.Event) error {
	var site, node string
	switch ev.Kind {
	case events.KindOwnershipAssigned:
		o, err := events.DecodeAs[events.OwnershipAssigned](ev)
		if err != nil {
			return err
		}
		site, node = o.Site, o.Node
	default:
		o, err := events.DecodeAs[events.OwnershipReleased](ev)
		if err != nil {
			return err
		}
		site, node = o.Site, o.Node
	}
	var err error
	for range ownershipTries {
		pctx, cancel := context.WithTimeout(ctx, p.opt.Timeout)
		var seq uint64
		if seq, err = p.log.OwnershipSeq(pctx, site, node); err == nil {
			_, err = p.log.ChangeOwnership(pctx, ev, seq)
		}
		cancel()
		if err == nil || !p.opt.IsConflict(err) {
			return err
		}
	}
	return err
}

func (p *Publisher) failed(err error) {
	p.mu.Lock()
	p.stats.Errors++
	p.stats.Connected = false
	p.mu.Unlock()
	if p.opt.OnError != nil {
		p.opt.OnError(err)
	}
}

func backoff(attempt int) time.Duration {
	d := 100 * time.Millisecond << min(attempt, 6)
	return min(d, maxBackoff)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
