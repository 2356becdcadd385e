// Package layering checks the module's import rules: which gpuplan packages may depend on which.
//
// The rules, and why they hold:
//
//   - The root package (the domain: jobs, workloads, clusters) depends on the standard library
//     only, so that every other package can name the domain without linking anything.
//   - The event log core (events, events/jetstream, events/natsserver) depends on no simulator,
//     scenario or planner package, so that anything publishing to the log (a collector on a GPU
//     node, an importer) links no engine.
//   - The rest of events (the importer, the projections, the synthetic fleet) depends on no
//     simulator or planner: they bridge the log to the domain in the root package, and a tool
//     that only reads or writes the log builds without the engine. The projections and the fleet
//     do not read trace files either, so they depend on no scenario package at all.
//   - The workload readers (scenarios/traces) and the test and benchmark builders
//     (internal/simtest, internal/benchload) name the domain through the root package, not sim.
//   - sim depends on the standard library and the root package only, so that the engine can be
//     reused and tested on its own.
//   - collectors and their subpackages depend on no simulator, scenario, planner or projection
//     package: a node agent carries only the log core and its own adapters.
//
// [Rules] lists them; [Violations] applies one rule to a package's dependency list as printed by
// go list -deps. The package's test runs go list on the real module.
package layering
