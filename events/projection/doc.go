// Package projection derives jobs and owners' pools from the event log: GPU sample batches become
// jobs, ownership events become the fragmented world's pools.
//
// # Samples to jobs
//
// A job is one process, identified by (node, pid), seen in the GPU sample batches of its node
// by these rules:
//
//   - It starts at the time of the first batch that shows it and ends one interval (the
//     interval_s of the last batch that shows it) after the last. A batch's time is the end of
//     its sampling interval, so a process seen in a single batch lasts one interval.
//   - Its GPUs are every GPU of the node it appeared on (union over its life), told apart by
//     (index, uuid). One process on several GPUs is one job with several GPUs.
//   - A process unseen for more than Options.MaxGapIntervals intervals has ended: "unseen" is the
//     time between the end of the last interval that showed it and the start of the next one
//     that does (t2 - t1 - interval, with the interval of the batch at t1). With the default of
//     3 and 60 s batches, up to three missing batches are bridged (t2 - t1 = 240 s) and four end
//     the job (t2 - t1 = 300 s). The same pid seen later is a new job (pid reuse), and so is the
//     same pid under another user, even without a gap.
//   - Its owner is the owner of its GPUs at its start, from the ownership events with a time at
//     or before the start, applied in stream order (see Ownership). When its GPUs have several
//     owners the one holding most of them wins (ties: the holder of its lowest GPU index); when
//     none of its GPUs has an owner, the job belongs to the process's user, and to
//     Options.UnknownOwner when the collector did not report one.
//   - Its mean utilization is the mean, over every (batch, GPU) pair that showed the process, of
//     that GPU's util_pct / 100; its mean per-GPU power is the same mean of power_w over the pairs
//     that report power (0, not reported, is left out; 0 when none reports). NVML reads power
//     and utilization per GPU, not per process, so processes sharing a GPU are each given the
//     whole GPU's values.
//   - Multi-node jobs are not linked across nodes: a job that runs on two nodes is two jobs,
//     one per node, because nothing in a sample batch says that two processes belong together.
//
// Jobs carry deterministic ids, events.DeriveID("gpuplan.projection", node, pid, start): the
// same samples always give the same ids, so projected jobs written back to the log are
// deduplicated like any other event.
//
// # Duplicates and delivery order
//
// Events are added in stream order, which is not time order: a collector that spooled during an
// outage delivers old batches late. The projector keeps each node's batches in a buffer sorted by
// time and folds a batch into jobs only once it is more than Options.MaxLateness behind the
// newest batch of its node (by default 24 hours; a negative MaxLateness keeps every batch until
// the jobs are asked for, which is exact for a closed time range at the cost of memory
// proportional to it). Lateness is measured per node, so a node that drains a day-old spool in
// order loses nothing. A batch that arrives after its node's fold has moved past its time is
// dropped and counted in Stats.TooLate. A batch whose node and time are already buffered is a
// duplicate and is dropped (the first in stream order wins); ownership and inventory events
// are also deduplicated by event id. Jobs and Workload may be called at any time: they fold a
// copy of the buffers and leave the projector able to take more events. A job that a later batch
// could still continue (its node's newest batch is less than MaxGapIntervals + 1 intervals after
// its last sighting) is reported as Open, with its end as observed so far.
//
// The output is deterministic: the same events in the same stream order give the same jobs,
// sorted by start, node and pid. Workload interns owners (and groups) in the order in which
// they first appear in that sorted list of jobs.
//
// # Ownership to pools
//
// Ownership folds OwnershipAssigned and OwnershipReleased events, in stream order, into who holds
// which GPU; Pools reports it as of a time as the rows of a pools CSV (gpuplan.Pool). Replays
// that project a time range should read the ownership kinds from the start of the log, since
// assignments made before the range still hold in it.
//
// Jobs and pools are the root package's gpuplan.Job, gpuplan.Workload and gpuplan.Pool:
// projection imports only the root and events, never the simulator or the scenarios.
package projection
