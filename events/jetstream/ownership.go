package jetstream

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/gpuplan/gpuplan/events"
)

// Ownership changes use optimistic concurrency per node: the expected-last-subject-sequence
// header names the node's ownership subjects with a wildcard for the action,
//
//	<prefix>.<site>.ownership.*.<node>
//
// so an assignment and a release of the same node compete. A node is the unit because an
// ownership event names one node and any of its GPUs; two admins changing different GPUs of one
// node at once see one conflict, re-read and retry.

// OwnershipSeq returns the stream sequence of the last ownership event (assigned or released)
// of node at site, 0 when there is none. Pass it to ChangeOwnership after deciding on the change
// from the state up to that sequence.
func (s *Store) OwnershipSeq(ctx context.Context, site, node string) (uint64, error) {
	m, err := s.streams[streamJobs].GetLastMsgForSubject(ctx, s.ownershipFilter(site, node))
	if errors.Is(err, natsjs.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, s.apiErr("ownership of "+node, err)
	}
	return m.Sequence, nil
}

// lastOwnershipIs reports whether the node's last ownership event has the given id.
func (s *Store) lastOwnershipIs(ctx context.Context, site, node, id string) (uint64, bool) {
	m, err := s.streams[streamJobs].GetLastMsgForSubject(ctx, s.ownershipFilter(site, node))
	if err != nil || m.Header.Get(natsjs.MsgIDHeader) != id {
		return 0, false
	}
	return m.Sequence, true
}

func (s *Store) ownershipFilter(site, node string) string {
	f := s.prefix + "." + events.SubjectToken(site) + ".ownership.*." + events.SubjectToken(node)
	if s.perEvent(streamJobs) {
		f += ".*"
	}
	return f
}

// ChangeOwnership appends an ownership event (assigned or released) only if the last ownership
// event of its node still has sequence expected (0: the node has none), and returns the new
// event's sequence. If another change came first it returns an error wrapping
// ErrOwnershipConflict: read the sequence and the state again and decide again.
//
// Sending the same event again (same id) after a lost acknowledgement returns the original
// sequence, not a conflict, as long as no other change of the node followed it. Plain Append
// stores ownership events without this check; importers, which replay history, use it.
func (s *Store) ChangeOwnership(ctx context.Context, ev events.Event, expected uint64) (uint64, error) {
	var site, node string
	switch ev.Kind {
	case events.KindOwnershipAssigned:
		p, err := events.DecodeAs[events.OwnershipAssigned](ev)
		if err != nil {
			return 0, fmt.Errorf("jetstream: change ownership: %w", err)
		}
		site, node = p.Site, p.Node
	case events.KindOwnershipReleased:
		p, err := events.DecodeAs[events.OwnershipReleased](ev)
		if err != nil {
			return 0, fmt.Errorf("jetstream: change ownership: %w", err)
		}
		site, node = p.Site, p.Node
	default:
		return 0, fmt.Errorf("jetstream: change ownership: event %s is %q, not an ownership event", ev.ID, ev.Name())
	}
	data, err := events.Marshal(ev)
	if err != nil {
		return 0, fmt.Errorf("jetstream: change ownership: %w", err)
	}
	subj := events.Subject(s.opt.Prefix, site, ev.Name(), node)
	if s.perEvent(streamJobs) {
		subj += "." + events.SubjectToken(ev.ID)
	}
	m := &nats.Msg{Subject: subj, Data: data}
	ack, err := s.js.PublishMsg(ctx, m,
		natsjs.WithMsgID(ev.ID),
		natsjs.WithExpectLastSequenceForSubject(expected, s.ownershipFilter(site, node)))
	if isWrongLastSequence(err) {
		// The server checks the expected sequence before the duplicate window, so a retry of a
		// change that was stored (its acknowledgement lost) lands here: the change is ours if it
		// is still the node's last.
		if seq, ok := s.lastOwnershipIs(ctx, site, node, ev.ID); ok {
			s.statsMu.Lock()
			s.stats.Duplicates++
			s.statsMu.Unlock()
			return seq, nil
		}
		return 0, fmt.Errorf("%w: node %s at site %q is past sequence %d: %w", ErrOwnershipConflict, node, site, expected, err)
	}
	if isSubjectFull(err) {
		// Stored long ago (its own subject holds it) and followed by other changes.
		if m, gerr := s.streams[streamJobs].GetLastMsgForSubject(ctx, subj); gerr == nil {
			s.statsMu.Lock()
			s.stats.Duplicates++
			s.statsMu.Unlock()
			return m.Sequence, nil
		}
	}
	if err != nil {
		if d, _ := s.denied.of(subj); d != nil {
			err = d
		}
		return 0, fmt.Errorf("jetstream: change ownership of node %s at %s: %w", node, s.where(), err)
	}
	s.statsMu.Lock()
	if ack.Duplicate {
		s.stats.Duplicates++
	} else {
		s.stats.Stored++
	}
	s.statsMu.Unlock()
	return ack.Sequence, nil
}

// isWrongLastSequence recognises the server's two answers to a failed expected-sequence check
// (nats-server v2.15, server/jetstream_errors_generated.go):
//
//   - 10071 JSStreamWrongLastSequenceErrF "wrong last sequence: {seq}": the check itself failed
//     (server/stream.go processJetStreamMsg for a single server, and
//     server/jetstream_batching.go checkMsgHeadersPreClusteredProposal on a cluster);
//   - 10164 JSStreamWrongLastSequenceConstantErr "wrong last sequence": a replicated (R>1)
//     stream refuses the check while an earlier message on the same subject is still being
//     proposed, that is, while a concurrent change is in flight.
//
// nats.go (jetstream/errors.go) names them JSErrCodeStreamWrongLastSequence and
// JSErrCodeStreamWrongLastSequenceConstant.
func isWrongLastSequence(err error) bool {
	var apiErr *natsjs.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.ErrorCode == natsjs.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == natsjs.JSErrCodeStreamWrongLastSequenceConstant
}
