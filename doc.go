// Package gpuplan holds the domain every part of gpuplan shares: jobs and workloads, owners and
// their node groups, sites, GPU types and their performance curves, clusters, and the bounds on
// one job, with the invariants that make them valid.
//
// # What belongs here
//
// One rule picks the set: a type is in this package when two packages that do not run the
// simulator need it. The workload readers (scenarios/traces), the event log's importer,
// projections and synthetic fleet (events/...) and the test and benchmark builders
// (internal/simtest, internal/benchload) name jobs, workloads, pools and clusters without
// simulating anything, so those types live here and those packages never link the engine. What only the simulator's callers read (sim.Result,
// sim.Options, the policies) stays in sim; what only the planner reads stays in planner.
//
// This package imports only the standard library, and every other package of the module may
// import it: sim (the engine) imports nothing else, the log core (events) uses it only for the
// job bounds, and the collectors on GPU nodes never import the simulator at all. The layering is
// checked by a test (internal/ci/layering).
package gpuplan
