// Package jetstream stores gpuplan's event log in NATS JetStream: a Store implements
// events.Appender and events.Replayer, plus ownership changes under optimistic concurrency.
//
// # Streams and subjects
//
// Events are published under events.Subject, <prefix>.<site>.<domain>.<action>.<node>, into
// three streams named after the prefix (GPUPLAN_... for the default prefix "gpuplan"); in the
// kept streams the event id (as events.SubjectToken writes it) follows as a sixth token:
//
//	GPUPLAN_SAMPLES  gpu.inventory, gpu.samples       limited: 30 days, 10 GiB, oldest dropped
//	GPUPLAN_JOBS     job.*, ownership.*   (+ .<id>)   kept, one message per event id
//	GPUPLAN_RUNS     planner.run          (+ .<id>)   kept, one message per event id
//
// A stream holds a whole domain (gpu.*, job.*, ...), so events of a kind this version does not
// know still land in the right stream when their domain is known; events of an unknown domain
// are refused with ErrNoStream. Inventory sits with the samples because collectors repeat it on
// every start and change. Open creates missing streams with Options' limits and leaves the
// limits of existing ones alone unless Options.Reconfigure is set.
//
// # Replicas
//
// On a cluster each stream should live on several servers, or losing the one holding it takes
// the log offline. Options.Replicas 0 chooses ClusterReplicas (3) when the client knows at least
// three servers of the cluster it is connected to (the URLs it was given and those the servers
// advertise) and 1 otherwise; ChooseReplicas refuses more replicas than known servers and any
// above 1 on a server in no cluster. Open raises the replicas of an existing stream that has
// fewer than chosen (the one limit it changes without Reconfigure), and says how to proceed when
// the cluster or the credentials do not allow it.
//
// # Deduplication
//
// Every message carries the event id as Nats-Msg-Id, and the server drops a message whose id it
// has seen within the stream's duplicate window (1 h for samples, 24 h for the kept streams).
// The server keeps every id of the window in memory, about 150 bytes each (measured with 33-byte
// ids), so the window is a memory budget: an hour of samples from 400 eight-GPU nodes every 10 s
// is 144,000 ids, about 20 MB. Beyond the window a re-published sample is stored again; the
// projections tolerate samples delivered twice.
//
// The kept streams do not depend on the window: each event has a subject of its own, the
// streams hold at most one message per subject (MaxMsgsPerSubject 1) and refuse a second
// (DiscardNewPerSubject), and Publish counts that refusal as a duplicate. An import repeated a
// year later, whose ids come from events.DeriveID, stores nothing. The price is the server's
// per-subject index: about 245 bytes of server memory per kept event for as long as it is kept
// (measured with 32-character ids), and about 30% more server CPU per published job event.
//
// A kept stream that an older gpuplan created (five-token subjects, no per-subject limit) and
// filled keeps its layout, since a limit of one message per subject would delete all but the
// last event of each node; LegacyStreams names such streams, where a re-publish after the
// window is stored again. Open converts an empty one.
//
// # Roles
//
// RolePermissions lists what each role (collector, importer, planner, worker, admin) may publish
// and subscribe to (the worker role: the sweep work queue of WorkQueueOf only); package natsauth
// writes them into user JWTs. CredsOptions connects with a credentials file and the user's own
// inbox prefix. A server refuses a forbidden publish asynchronously; the Store turns the refusal
// into ErrDenied from the call that made it.
//
// # Publishing
//
// Append (and Publish, which also counts stored and duplicate events) publishes asynchronously
// with a bounded number of messages awaiting acknowledgement and returns only when every event
// is acknowledged. Publishes that time out, find no stream leader or are cut off by a lost
// connection are retried with the same id; see Publish for ordering and failure rules.
//
// # Replay
//
// Replay reads through ordered consumers up to the streams' last messages at its start,
// filtering kinds on the server by subject and the time range on the client, and merges streams
// by stored time (see ReplayCounted). Messages that are not valid envelopes are counted and
// skipped, as are unknown kinds not asked for and newer envelope versions.
//
// # Ownership
//
// ChangeOwnership publishes an ownership event with an expected last sequence for the node's
// ownership subjects, so of two concurrent changes from the same state one fails with
// ErrOwnershipConflict.
package jetstream
