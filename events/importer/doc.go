// Package importer moves jobs between trace files, JSON Lines exports and the event log, and
// rebuilds a simulator workload from the log's job events.
//
// # Trace jobs as events
//
// Import reads trace files with scenarios/traces (the reader gpuplan simulate uses) and turns every
// job into one job.finished event ([events.JobFinished], source "import"):
//
//   - id: [events.DeriveID]("gpuplan-trace-job", format, SHA-256 of the file's content, the job's
//     0-based position in the reader's workload, its trace id). The content is hashed after gzip
//     decompression, so a compressed copy is the same source; the file's name and place do not
//     matter. Importing the same file again gives the same ids and stores nothing new. The owner
//     options (traces.Options.Owners, Seed) are not part of the id: re-importing with another
//     owner assignment keeps the first one rather than storing every job twice.
//   - event time, Submit and Start: Epoch (default [DefaultEpoch], 2020-01-01T00:00:00Z) plus the
//     job's submit seconds, rounded to the nanosecond; End is Start plus the duration. A trace job
//     has no queueing history, so it is recorded as if it started when submitted. Time ranges
//     therefore select imported jobs by submission.
//   - owner, group, GPU count, GPU type, mean power (MeanPowerW) and utilization (MeanUtil) as the
//     reader gave them; when one call imports several files, owner and group names are prefixed
//     with their file's stem ([OwnerPrefix]: "cluster04/u01"), unless Options.MergeOwners is set.
//     Traces of different clusters number their users alike (Philly's user 1, SWF's user 1, the
//     synthetic u01 of itp and openb), and merging them would make one researcher of many.
//     [Result].PerFile says how many owners came from each file.
//   - [events.JobTrace]: the job's position in the imported workload (all files of one Import call,
//     in order), its owner and group indexes there, and its submit and duration seconds as exact
//     float64 values, because nanosecond times cannot carry every float64 and synthetic owners
//     (itp, openb) are not listed in order of appearance.
//
// Rows the readers skip (jobs without a GPU, bad rows with SkipBad) are counted in [Result], not
// stored. Import reads and checks every file (several at once) before it appends anything, and
// appends in batches ([DefaultBatch] events per Append), one Append at a time, in order, but on
// another goroutine while it converts the next batch; [WriterAppender] sends the events to a JSON
// Lines file instead of a store.
//
// # Workload from the log
//
// [Workload] replays the job.finished events of a time range and rebuilds a gpuplan.Workload. Jobs that
// carry a JobTrace come first, in trace position order; the others (from a projection or a
// scheduler) follow in submit order. Ties in either go by event id, so the result depends on the
// set of stored events, not on their stream order. Repeated ids (JetStream deduplicates only
// within its window) are dropped. Owners and groups are listed by the smallest trace index any job
// gives them, then by first appearance. For a log holding one import of one trace file this is
// exactly the workload traces.ReadFile returns, bit for bit, except Workload.Skipped, which
// counts the events the replay skipped rather than the rows the reader did; so gpuplan replay and
// gpuplan simulate on the file produce the same results; a time range gives that workload's jobs
// submitted in the range. Names are names: files imported by separate calls keep their names,
// so the synthetic owner u01 of two itp clusters imported one at a time into one log is one owner
// in the replay; import the clusters in one call to keep them apart.
//
// Submit seconds count from WorkloadOptions.Epoch (default DefaultEpoch). For an imported job the
// exact JobTrace values are used when its times agree with them at that epoch, and the times
// otherwise. For other jobs submit is Submit, or Start when Submit is missing, and the duration is
// End minus Start: a projection sees a process run, not its wait in a queue.
//
// # JSON Lines
//
// [Export] writes a time range of the log as JSON Lines, one [events.Event] envelope per line;
// [ImportJSONL] appends such a file to a log, idempotently (ids are kept), skipping and counting
// events of unknown kinds and newer envelope versions.
//
// Workloads are the root package's gpuplan.Workload: importer imports the root, events and
// scenarios/traces, never the simulator, so a site can import and export its log without it.
package importer
