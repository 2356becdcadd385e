// Package events defines gpuplan's event log: event kinds, the envelope, its codec and the store interface.
//
// # Envelope
//
// Every event travels as one JSON object (one line in a JSON Lines file, one message on NATS):
//
//	{"v":1,"id":"...","kind":"gpu.samples","source":"node-a","time":"2026-01-02T03:04:05.000000006Z","data":{...}}
//
// v is the envelope version ([CurrentVersion]), id the deduplication key (it becomes the
// Nats-Msg-Id header, so a retried publish is stored once), kind a fixed wire name ([Kind]),
// source who produced the event, time the event time in RFC 3339 with nanoseconds (always UTC,
// always nine fractional digits so that lines sort by time as text), and data the kind's payload
// (a JSON object; see the payload types such as [GPUSampleBatch]).
//
// # Compatibility rules
//
// The rules below let old and new gpuplan binaries share one log for years:
//
//   - A kind's wire name and meaning never change. A new meaning (a different unit, a field that
//     means something else) gets a new kind; the old kind stays decodable.
//   - A payload may gain optional fields under the same kind. Decoders ignore payload fields they
//     do not know, so older readers keep working.
//   - Any change to the envelope itself bumps [CurrentVersion]. Readers skip and count events with
//     a newer version instead of guessing at them, and reject unknown envelope fields at versions
//     they do know (re-encoding would silently drop them).
//   - Events of unknown kinds are not errors: [Reader] and replays skip and count them, and they
//     keep their raw wire name in [Event.KindName] so tools can pass them through unchanged.
//
// # Schema and bounds
//
// Every payload is held to its kind's schema and to the bounds in limits.go ([MinTime] to
// [MaxTime], 1 to [gpuplan.MaxGPUs] GPUs, 0 to [gpuplan.MaxPowerW] W, utilization 0..1 or 0..100 as the field
// says, durations up to [gpuplan.MaxSeconds]) by [New] (publishers), [Event.Decode] (consumers) and
// [Check] (importers, before anything is stored), so that what the log accepts the simulator
// accepts. A bad event already stored by a client that bypassed these checks is skipped by the
// consumers and named by its stream sequence ([Rejection]). A job is withdrawn without editing
// the log by a [JobRetracted] event, whose id [RetractionID] derives from the job id.
//
// # Log and subjects
//
// Adapters (a JetStream store, an in-memory MemStore) implement [Appender] and [Replayer]:
// appends are idempotent by id and replays yield a time range in stream order. On NATS, events
// are published under [Subject], gpuplan.<site>.<domain>.<action>.<node>, so that consumers
// filter by site, kind and node with wildcards. [DeriveID] gives importers ids that repeat when
// the same record is imported again.
//
// # Layering
//
// The log core (this package, events/jetstream and events/natsserver) never imports the simulator,
// the scenarios or the planner (sim, scenarios, planner and their subpackages), so that a collector
// or an importer publishing to the log links no engine; it uses the module's root package only for
// the job bounds. Bridges from the log to the domain (events/importer, events/projection,
// events/fleet) sit beside the core and use the root package's jobs, workloads and pools; the
// importer reads trace files (scenarios/traces), and none of them imports sim or planner. These rules, with "the
// root imports only the standard library", "sim imports only the standard library and the root"
// and "collectors import no simulator, scenario, planner or projection package", are checked with
// go list -deps by internal/ci/layering.
package events
