package jetstream

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// ErrDenied: the server refused a publish or subscription for the connection's credentials.
var ErrDenied = errors.New("jetstream: permission denied")

// A NATS server answers a refused publish with an asynchronous -ERR, not on the request, so
// a refused JetStream API call or publish would only time out. The Store watches those errors
// on its connection and turns a wait for an answer that will never come into ErrDenied naming
// the subject.

var deniedRe = regexp.MustCompile(`(?i)(publish|subscription) to "([^"]+)"`)

// denials records the permission violations the server reported on one connection.
type denials struct {
	mu      sync.Mutex
	subject map[string]error // subjects refused, bounded
	lastAPI error            // the last refusal of a JetStream API subject, and when
	lastAt  time.Time
	changed chan struct{} // closed and replaced on every violation
}

func newDenials() *denials {
	return &denials{subject: map[string]error{}, changed: make(chan struct{})}
}

// watch makes d record nc's permission violations, keeping any error handler nc has.
func (d *denials) watch(nc *nats.Conn) {
	prev := nc.ErrorHandler()
	nc.SetErrorHandler(func(c *nats.Conn, sub *nats.Subscription, err error) {
		if errors.Is(err, nats.ErrPermissionViolation) {
			d.add(err)
		}
		if prev != nil {
			prev(c, sub, err)
		}
	})
}

func (d *denials) add(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	werr := fmt.Errorf("%w: %w", ErrDenied, err)
	if m := deniedRe.FindStringSubmatch(err.Error()); m != nil {
		if len(d.subject) >= 1024 { // a long-lived connection: forget the old ones
			clear(d.subject)
		}
		d.subject[m[2]] = werr
		if strings.HasPrefix(m[2], "$JS.API.") {
			d.lastAPI, d.lastAt = werr, time.Now()
		}
	}
	close(d.changed)
	d.changed = make(chan struct{})
}

// of returns the refusal of a publish to subject, if there was one, and a channel closed at the
// next violation.
func (d *denials) of(subject string) (error, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.subject[subject], d.changed
}

// recentAPI returns the last refusal of a JetStream API request if it came within the longest
// time such a request waits for its answer, or nil: a request that failed then was most likely
// the one refused.
func (d *denials) recentAPI() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lastAPI == nil || time.Since(d.lastAt) > 15*time.Second {
		return nil
	}
	return d.lastAPI
}

// apiSince reports whether a JetStream API request was refused after t, and returns a channel
// closed at the next refusal.
func (d *denials) apiSince(t time.Time) (bool, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lastAPI != nil && d.lastAt.After(t), d.changed
}

// untilDenied returns ctx, also cancelled when the server refuses a JetStream API request on the
// connection, for requests whose refusal would otherwise only time out; call cancel when done.
func (d *denials) untilDenied(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	start := time.Now()
	go func() {
		for {
			refused, next := d.apiSince(start)
			if refused {
				cancel()
				return
			}
			select {
			case <-next:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ctx, cancel
}
