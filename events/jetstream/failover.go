package jetstream

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
)

// apiAttempt bounds one JetStream API request of a replay. A cluster that lost its meta leader
// or a stream's leader (a server killed) drops the requests that need it until an election,
// some seconds later, has chosen another; such a request is never answered, so it is sent again.
const apiAttempt = 3 * time.Second

// unanswered reports an error that says only that no answer came (in time).
func unanswered(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders)
}

// retryUnanswered runs call with a fresh apiAttempt deadline until it succeeds, fails otherwise
// than by getting no answer, ctx ends or Options.RetryFor has passed.
func (s *Store) retryUnanswered(ctx context.Context, call func(context.Context) error) error {
	end := time.Now().Add(s.opt.RetryFor)
	for {
		actx, cancel := context.WithTimeout(ctx, apiAttempt)
		err := call(actx)
		cancel()
		if err == nil || !unanswered(err) || ctx.Err() != nil || time.Now().After(end) {
			return err
		}
	}
}
