package jetstream

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
)

// Connect dials the NATS server or cluster at url (several URLs separated by commas) with
// gpuplan's connection defaults, which opts may override: a client name, a 5 s dial timeout and
// reconnection for about two minutes before a lost server fails the calls waiting on it. Errors
// name the URL (credentials removed), so "connection refused" says which server is down.
func Connect(url string, opts ...nats.Option) (*nats.Conn, error) {
	all := append([]nats.Option{
		nats.Name("gpuplan"),
		nats.Timeout(5 * time.Second),
		nats.MaxReconnects(60),
		nats.ReconnectWait(2 * time.Second),
		nats.ErrorHandler(quietDenials),
	}, opts...)
	nc, err := nats.Connect(url, all...)
	if err != nil {
		return nil, fmt.Errorf("jetstream: connect to NATS at %s: %w", redact(url, nil), err)
	}
	return nc, nil
}

// quietDenials is the connection's error handler unless opts give one: it prints asynchronous
// errors on stderr as nats.go's default does, except the server's refusals of publishes and
// subscriptions, which a Store returns as ErrDenied from the call concerned (a refused import
// would otherwise print one line per event).
func quietDenials(nc *nats.Conn, sub *nats.Subscription, err error) {
	if errors.Is(err, nats.ErrPermissionViolation) {
		return
	}
	if sub != nil {
		fmt.Fprintf(os.Stderr, "%v on connection to %s for subscription on %q\n", err, nc.ConnectedUrlRedacted(), sub.Subject)
		return
	}
	fmt.Fprintf(os.Stderr, "%v on connection to %s\n", err, nc.ConnectedUrlRedacted())
}
