// Package fleet generates the GPU sample batches that collectors on a synthetic fleet would
// publish while it runs a workload, for demos and tests of the event log and its projections.
//
// # Fleet
//
// New builds nodes from owners' pools (traces.Pool rows, as a pools CSV gives them): each row's
// GPUs become nodes of its gpus_per_node GPUs (a smaller node for any remainder; no
// gpus_per_node means one node, as scenarios reads a pools file), numbered node-001, node-002,
// ... in row order, held by the row's owner at the row's site.
//
// # Schedule and placement
//
// Run replays a workload on the fleet. Given a Schedule (start and end times per job, e.g. from
// a fragmented-world sim.Result, see FromResult) it follows it; otherwise it schedules each
// owner's jobs itself, FIFO in submit order on the owner's own GPUs (head-of-line blocking):
// a job starts as soon as its owner's GPUs let it and runs for its duration. Each job is placed
// on the owner's node with the fewest free GPUs that fits it (best fit, lowest GPU indices
// first). A job larger than the owner's largest node, or one a given schedule starts when no
// single node has room, is split over several nodes (most free first) and counted in
// Stats.Split: a projection sees one job per node, since it does not link nodes. Jobs whose
// owner has no pool or too few GPUs, and jobs a schedule did not run (NaN), are counted as
// Infeasible and skipped. Times before the epoch are errors.
//
// # Samples
//
// Batches are on a fixed grid: batch k has time Epoch + k x Interval and shows the processes
// running at that instant, so a job running over [s, e) (seconds since the epoch) appears in
// batches ceil(s/I) .. ceil(e/I) - 1. A job a projection sees therefore starts at ceil(s/I) x I
// and ends at ceil(e/I) x I; a job that runs between two batches is never seen (Stats.Invisible).
// A node publishes a batch while it runs at least one process and for Options.TrailingBatches
// intervals after its last process ends (4 by default: enough for a projection with the
// default gap limit to see that its jobs have ended), and stays silent while idle beyond that,
// which keeps the volume proportional to the work done.
// Every GPU of such a node is in its batch: busy GPUs report the job's utilization (Util x 100,
// or Options.BusyUtil where the job gives none) and per-GPU power (PowerW, or Options.BusyW),
// plus seeded Gaussian noise, and one process with the job's pid, user = owner; idle GPUs
// report 0 % and Options.IdleW. Readings are rounded to hundredths.
//
// Each process gets a pid unique on its node while it runs. Freed pids are reused, oldest
// first, once they have been free for Options.PIDReuseAfter (default 10 minutes, longer than a
// projection's default gap limit, so a reused pid reads as a new job).
//
// Before the first batch, each node publishes its GPU inventory and an ownership assignment of
// all its GPUs to its owner, both at the epoch. Events come out in time order (within a time,
// by node), with ids derived from the seed, node and time, so publishing the same fleet twice
// stores it once. The same workload, pools and options give the same events, byte for byte.
//
// The fleet writes its payloads directly (hundreds of thousands of events a second) instead of
// going through the collector's code path; collectors/fakenode runs that path (mock NVML,
// collectors.Collector, spool and publisher) on one node at a time, at about 0.1 ms a batch.
package fleet
