// Package jetstream stores gpuplan's event log in NATS JetStream: a Store implements
// events.Appender and events.Replayer, plus ownership changes under optimistic concurrency.
//
// # Streams and subjects
//
// Events are published under events.Subject, <prefix>.<site>.<domain>.<action>.<node>, into
// three streams named after the prefix (GPUPLAN_... for the default prefix "gpuplan"):
//
//	GPUPLAN_SAMPLES  gpu.inventory, gpu.samples       limited: 30 days, 10 GiB, oldest dropped
//	GPUPLAN_JOBS     job.*, ownership.*               kept
//	GPUPLAN_RUNS     planner.run                      kept
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
// has seen within the stream's duplicate window. The windows are long for the kept streams (24 h:
// an import repeated the same day, whose ids come from events.DeriveID, stores nothing new) and
// shorter for samples (1 h: enough for a collector's retries and spool replays after an outage).
// The server keeps every id of the window in memory, about 150 bytes each (measured with 33-byte
// ids), so the window is a memory budget: an hour of samples from 400 eight-GPU nodes every 10 s is 144,000 ids, about
// 20 MB, while bulk loads at tens of thousands of events per second fill it much faster (choose
// a shorter window for them). Beyond the window a re-published event is stored again; the
// projections tolerate samples delivered twice, and consumers that need exactness over longer
// spans drop repeated ids on replay.
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
