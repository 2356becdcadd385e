// Package fleet runs the collector on a synthetic fleet of fake GPU nodes while it runs a
// workload, on a virtual clock, for demos and tests of the event log and its projections.
//
// # Fleet
//
// New builds nodes from owners' pools (gpuplan.Pool rows, as a pools CSV gives them): each row's
// GPUs become nodes of its gpus_per_node GPUs (a smaller node for any remainder; no
// gpus_per_node means one node, as scenarios reads a pools file), numbered node-001, node-002,
// ... in row order, held by the row's owner at the row's site. A node has at most
// fakenode.MaxGPUs GPUs.
//
// # Schedule and placement
//
// Run replays a workload on the fleet. Given a Schedule (start and end times per job, e.g. from
// a fragmented-world simulator run's Start and End) it follows it; otherwise it schedules each
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
// The samples come from the collector code that runs on GPU nodes: each fleet node is a
// collectors/fakenode node of its GPUs (go-nvml's mock DGX server of the closest GPU type, cut or
// grown to the node's size, reporting the pool's GPU type as its product name) whose workload is
// the jobs placed on it, read through collectors/nvmlsource by a collectors.Collector. Run moves
// a virtual clock over a fixed grid, Epoch + k x Interval for k = 0, 1, ..., and ticks every
// node's collector at every step, in node order, until Options.TrailingBatches intervals after the
// last process ends (4 by default: enough for a projection with the default gap limit to see
// that the last jobs have ended). Batch k shows the processes running at its instant, so a job
// running over [s, e) (seconds since the epoch) appears in batches ceil(s/I) .. ceil(e/I) - 1:
// a projection sees it start at ceil(s/I) x I and end at ceil(e/I) x I, within one interval
// after the real times; a job that runs between two batches is never seen (Stats.Invisible).
//
// Readings are what NVML would give for the job: utilization in whole percents (Util x 100, or
// Options.BusyUtil where the job gives none), per-GPU power in milliwatts (PowerW, or
// Options.BusyW), three quarters of the GPU's memory; idle GPUs report 0 % and the mock model's
// idle power. The energy counter is the exact integral of that power, so the collector's
// deltas are the energy used. Each process gets a pid unique on its node while it runs, owned
// by the job's owner (as /proc would say) with the job's id as its Slurm job. Freed pids are
// reused, oldest first, once they have been free for Options.PIDReuseAfter (by default 10
// minutes or 5 intervals, whichever is longer, so a projection that bridges 3 missing batches
// reads a reused pid as a new job).
//
// Before the first batch, each node publishes an ownership assignment of all its GPUs to its
// owner at the epoch (the events a node config naming the owner gives, by "fleet"); its
// collector publishes the GPU inventory (with the pool's GPU type as model) on its first tick.
// Events come out in time order (within a time, by node), with the collector's ids (node, kind,
// time), so publishing the same fleet twice stores it once. The same workload, pools and
// options give the same events, byte for byte.
//
// The collector's spool and publisher are not used: Run hands each event to emit (Appending
// batches them into a log). Through mock NVML and the collector's JSON encoding a batch costs
// about 30 µs of CPU (8 GPUs; see BENCHMARKS.md), against 4 µs when this package wrote the
// payloads itself, and every node publishes every interval, busy or not, as a collector does.
//
// The fleet takes the root package's gpuplan.Pool rows and gpuplan.Workload and a plain
// Schedule, so it never links the simulator or the scenarios; it imports the root, events and the
// collectors.
package fleet
