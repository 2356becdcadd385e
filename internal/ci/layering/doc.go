// Package layering checks the module's import rules: which gpuplan packages may depend on which.
//
// The rules, and why they hold:
//
//   - The event log core (events, events/jetstream, events/natsserver) depends on no simulator,
//     scenario or planner package, so that anything publishing to the log (a collector on a GPU
//     node, an importer) links no engine.
//   - sim depends on the standard library only (and on the module's root package once the domain
//     types move there), so that the engine can be reused and tested on its own.
//   - collectors and their subpackages depend on no simulator, scenario, planner or projection
//     package: a node agent carries only the log core and its own adapters.
//
// [Rules] lists them; [Violations] applies one rule to a package's dependency list as printed by
// go list -deps. The package's test runs go list on the real module.
package layering
