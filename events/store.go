package events

import (
	"context"
	"time"
)

// Appender stores events. Every store adapter implements it; consumers depend on it alone.
//
// Append stores the events, in the order given except that a store may place an event it had to
// send again (after a timeout or a lost connection) after events that succeeded meanwhile. It is
// idempotent by id: an event whose id the
// store already holds is dropped without error, so a retried Append (after a timeout, a crash, a
// re-import of the same file with ids from DeriveID) never stores an event twice. On JetStream the
// id is the Nats-Msg-Id header, and deduplication holds within the stream's duplicate window;
// consumers that need exactness across longer spans also drop repeated ids on replay.
// Invalid events (see Event.Validate) are refused with an error wrapping ErrInvalid. When Append
// fails part way, a prefix of the events may be stored; retrying the whole call is safe.
type Appender interface {
	Append(ctx context.Context, evs ...Event) error
}

// Replayer reads the log back.
//
// Replay calls fn for every stored event whose Time lies in [since, until) (a zero since or
// until leaves that side open) and whose kind is in kinds. An empty kinds means every known kind;
// events of unknown kinds are passed only when kinds holds KindUnknown, so that consumers that
// switch on Kind never see them by accident while copying tools can ask for them.
//
// Events come in stream order, the order in which they were stored. That is not time order:
// a collector that spooled during an outage stores old events late. Consumers that need time
// order sort; consumers that fold state (ownership) rely on stream order being the same on every
// replay. Replay stops at the first error of fn and returns it unchanged, or ctx.Err() when ctx
// ends first.
type Replayer interface {
	Replay(ctx context.Context, since, until time.Time, kinds []Kind, fn func(Event) error) error
}

// Rejection names a stored message that a replay or a consumer skipped because it breaks the
// schema: malformed, of an unknown kind, or with a payload outside its kind's bounds. Seq is its
// sequence in its stream (0 when unknown), so that an operator can find it and retract the job.
type Rejection struct {
	Stream string `json:"stream,omitempty"`
	Seq    uint64 `json:"seq"`
	Kind   string `json:"kind,omitempty"`
	ID     string `json:"id,omitempty"` // event id, when the envelope was readable
	Reason string `json:"reason"`
}
