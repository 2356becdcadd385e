package jetstream

import (
	"fmt"
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
	}, opts...)
	nc, err := nats.Connect(url, all...)
	if err != nil {
		return nil, fmt.Errorf("jetstream: connect to NATS at %s: %w", redact(url, nil), err)
	}
	return nc, nil
}
