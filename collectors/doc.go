// Package collectors samples a GPU node and publishes its inventory, sample batches and ownership
// to the event log without losing a sample when the log is unreachable.
//
// # Pieces
//
// A Source reads the GPUs (collectors/nvmlsource on NVML; collectors/fakenode on go-nvml's mock
// servers with a seeded workload). A Collector turns its readings into events: the inventory on
// start and whenever it changes, and one events.GPUSampleBatch per interval, with each process's
// user, cgroup, container and Slurm job id filled in by a ProcReader (ProcFS reads /proc) and the
// energy used since the previous batch computed from the GPUs' energy counters. Every event is
// written to a Spool (a bounded on-disk queue) before anything is sent, and a Publisher drains
// the spool in order into the log, removing an event only once the server has acknowledged it.
//
// # Delivery
//
// Event ids are derived from the node, the kind and the event time, so an event sent twice (a
// lost acknowledgement, a crash between the acknowledgement and the spool's cursor update) is
// stored once by the server's duplicate window (1 h for samples: a collector that crashes between
// an acknowledgement and its cursor update, and stays down longer than that, resends up to
// PublisherOptions.AckEvery events that are then stored twice; projections tolerate
// duplicates). The publisher sends one event at a time and
// moves to the next only after an acknowledgement, so the log stores a node's events in the
// order they were taken, however long the server was away.
//
// # Spool
//
// The spool is a directory of segment files of length- and CRC-framed records plus a cursor
// file naming the first unacknowledged record. A record cut short by a crash (power loss, kill
// -9 during a write) fails its length or CRC check and is dropped with everything after it in
// that segment; the records before it are kept. When the spool reaches its size limit the
// oldest segment is deleted to make room (the newest samples are worth more to an operator
// watching the node, and the log keeps what it had already received): the loss is counted in
// SpoolStats.DroppedRecords and on /metrics.
//
// # Dependencies
//
// The package depends on the event log core (events) and reaches the log through the Log
// interface, which events/jetstream's Store implements; it never depends on the simulator,
// scenarios or the planner: a node agent carries no simulator (a test checks it).
package collectors
