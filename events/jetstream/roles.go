package jetstream

import (
	"errors"
	"fmt"
	"os"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/gpuplan/gpuplan/events"
)

// Role is what a credential may do with the log.
type Role string

// The roles. Only RoleAdmin may create, reconfigure, purge or delete streams.
const (
	// RoleCollector publishes one node's GPU inventory, sample batches and ownership changes.
	RoleCollector Role = "collector"
	// RoleImporter publishes job events.
	RoleImporter Role = "importer"
	// RolePlanner replays and exports the log and records planner runs.
	RolePlanner Role = "planner"
	// RoleAdmin may do anything, stream management included.
	RoleAdmin Role = "admin"
	// RoleWorker takes sweep tasks from the work queue and publishes their results; it reads
	// nothing of the event log.
	RoleWorker Role = "worker"
)

// ErrRole: a role name that is not one of the roles, or a collector without a node.
var ErrRole = errors.New("jetstream: unknown role")

// Permissions are the subjects a role may publish to and subscribe to.
type Permissions struct {
	Publish, Subscribe []string
}

// InboxPrefix is the reply-subject prefix of the user with public key userKey. Each user gets its
// own, and may subscribe only below it, so no credential can read the replies (acknowledgements,
// replayed events) meant for another: the shared default _INBOX.> would let a collector read a
// planner's replay.
func InboxPrefix(userKey string) string { return "_INBOX_" + userKey }

// RolePermissions returns what role may do on a log with opt's subject prefix and stream
// names, for the user with public key userKey; node names the collector's node.
//
// Every role may read its own inbox and ask for the information of the three streams (Open does,
// and replay reads their last sequence). Beyond that:
//
//	collector  publish <prefix>.*.gpu.*.<node> and <prefix>.*.ownership.*.<node>[.<id>], and get
//	           single messages of the jobs stream (ChangeOwnership's check of the last change)
//	importer   publish <prefix>.*.job.*.*[.<id>]
//	planner    publish <prefix>.*.planner.*.*[.<id>]; create, pull from, query and delete
//	           consumers of the three streams (replay and export); publish sweep tasks
//	           (<prefix>.work.task.>) and read results: consumers of the results stream
//	worker     take tasks: create, pull from and query consumers of the task stream and
//	           acknowledge its messages; publish results (<prefix>.work.result.>)
//	admin      everything
//
// The five-token forms are those of a kept stream that an older gpuplan created (see
// LegacyStreams). Subjects cannot tell one consumer from another, so a planner could delete
// another client's consumer of the three streams (replays use ephemeral ordered consumers, so
// the other replay restarts or fails; nothing stored is touched), and a collector's single
// message reads cover the whole jobs stream. No role but admin reaches $JS.API.STREAM.CREATE, UPDATE, DELETE, PURGE,
// MSG.DELETE, SNAPSHOT or RESTORE, nor any subject not listed.
func RolePermissions(role Role, node, userKey string, opt Options) (Permissions, error) {
	opt = opt.withDefaults()
	p := events.Subject(opt.Prefix, "", "a.b", "")
	p = p[:len(p)-len("._.a.b._")]
	names := [numStreams]string{}
	for i := range numStreams {
		names[i] = opt.StreamPrefix + streamSuffix[i]
	}
	inbox := InboxPrefix(userKey) + ".>"
	if role == RoleAdmin {
		return Permissions{Publish: []string{">"}, Subscribe: []string{">"}}, nil
	}
	perm := Permissions{Subscribe: []string{inbox}}
	wq := WorkQueueOf(opt)
	if role != RoleWorker {
		for _, n := range names {
			perm.Publish = append(perm.Publish, "$JS.API.STREAM.INFO."+n)
		}
	}
	switch role {
	case RoleCollector:
		if node == "" {
			return Permissions{}, fmt.Errorf("%w: a collector credential needs a node name", ErrRole)
		}
		tok := events.SubjectToken(node)
		perm.Publish = append(perm.Publish,
			p+".*.gpu.*."+tok,
			p+".*.ownership.*."+tok, p+".*.ownership.*."+tok+".*",
			"$JS.API.DIRECT.GET."+names[streamJobs], "$JS.API.DIRECT.GET."+names[streamJobs]+".>",
			"$JS.API.STREAM.MSG.GET."+names[streamJobs])
	case RoleImporter:
		perm.Publish = append(perm.Publish, p+".*.job.*.*", p+".*.job.*.*.*")
	case RolePlanner:
		perm.Publish = append(perm.Publish, p+".*.planner.*.*", p+".*.planner.*.*.*")
		for _, n := range names {
			for _, op := range []string{"CREATE", "MSG.NEXT", "INFO", "DELETE"} {
				perm.Publish = append(perm.Publish, "$JS.API.CONSUMER."+op+"."+n+".>")
			}
		}
		perm.Publish = append(perm.Publish, wq.TaskPrefix+".>",
			"$JS.API.STREAM.INFO."+wq.TaskStream, "$JS.API.STREAM.INFO."+wq.ResultStream)
		for _, op := range []string{"CREATE", "MSG.NEXT", "INFO", "DELETE"} {
			perm.Publish = append(perm.Publish, "$JS.API.CONSUMER."+op+"."+wq.ResultStream+".>")
		}
	case RoleWorker:
		perm.Publish = append(perm.Publish, wq.ResultPrefix+".>",
			"$JS.API.STREAM.INFO."+wq.TaskStream, "$JS.API.STREAM.INFO."+wq.ResultStream,
			"$JS.ACK."+wq.TaskStream+".>")
		for _, op := range []string{"CREATE", "MSG.NEXT", "INFO"} {
			perm.Publish = append(perm.Publish, "$JS.API.CONSUMER."+op+"."+wq.TaskStream+".>")
		}
	default:
		return Permissions{}, fmt.Errorf("%w %q (want one of admin, importer, planner, collector, worker)", ErrRole, role)
	}
	return perm, nil
}

// CredsOptions are the connection options for a credentials file (a user JWT and its nkey
// seed, as `gpuplan auth` writes them): the credentials, and the user's own inbox prefix (see
// InboxPrefix) when the JWT decodes. The file is read now, so a missing or malformed one is
// reported naming it, not at the handshake (which a server without authorization never does).
func CredsOptions(file string) ([]nats.Option, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err // names the file
	}
	if _, err := nkeys.ParseDecoratedUserNKey(b); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", file, ErrNotCreds, err)
	}
	opts := []nats.Option{nats.UserCredentials(file)}
	if tok, err := jwt.ParseDecoratedJWT(b); err == nil {
		if uc, err := jwt.DecodeUserClaims(tok); err == nil {
			opts = append(opts, nats.CustomInboxPrefix(InboxPrefix(uc.Subject)))
		}
	}
	return opts, nil
}

// ErrNotCreds: a credentials file without a user nkey seed.
var ErrNotCreds = errors.New("not a NATS user credentials file (user JWT and seed)")
