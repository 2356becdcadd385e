// Package scenarios loads, validates and builds gpuplan scenarios (fleet, sites, owners, workload,
// policies and prices in one YAML file) and generates synthetic workloads.
//
// A scenario builds into the root package's gpuplan.Cluster and gpuplan.Workload, read through
// scenarios/traces, and into sim.Options for the engine: scenarios imports the root, traces and
// sim, and is imported by planner and cmd/gpuplan.
package scenarios
