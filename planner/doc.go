// Package planner runs what-if sweeps and sizing searches over a scenario, each point replicated
// over several seeds and summarised by a mean and a 95% Student t confidence interval, and owns
// the analysis of finished runs.
//
// # Analysis of runs
//
// NewResults builds the results document of one scenario's runs (the JSON `gpuplan simulate
// --json` writes, and a plan's run): the runs themselves, large jobs (LargeJobsOf: the largest
// feasible job of each policy's world, farm-only demand (FarmOnly) and latent demand (Latent)) and, with a baseline, the
// owner-by-owner comparisons (CompareAll). WritePerJob writes every job's start, end and wait per
// policy (the CSV of `gpuplan simulate --per-job`); Findings pairs each farm policy's headline
// figures with fragmented's. PilotSlice and PilotScenario cut the part of a case a pilot sends
// through the event log and build the comparison of its projected jobs (pools in memory, the farm's
// power cap scaled by the slice's share of GPUs). The arrows go one way: planner imports sim and
// scenarios and asks the engine what only the engine knows (sim.LargestFeasible, a bisection over engine runs, and sim.Compare, which reads the runs'
// measurement windows);
// cmd/gpuplan imports planner and only runs, wires and prints.
package planner
