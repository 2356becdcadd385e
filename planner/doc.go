// Package planner runs what-if sweeps and sizing searches over a scenario, each point replicated
// over several seeds and summarised by a mean and a 95% Student t confidence interval, and owns
// the analysis of finished runs.
//
// # Analysis of runs
//
// NewResults builds the results document of one scenario's runs (the JSON `gpuplan simulate
// --json` writes, and a plan's run): the runs themselves, large jobs (LargeJobsOf: the largest
// feasible job of each policy's world, farm-only demand (FarmOnly) and latent demand (Latent))
// and, with a baseline, the owner-by-owner comparisons (CompareAll). WritePerJob writes every
// job's start, end and wait per policy (the CSV of `gpuplan simulate --per-job`); Findings pairs
// each farm policy's headline figures with fragmented's. PilotSlice and PilotScenario cut the part
// of a case a pilot sends through the event log and build the comparison of its projected jobs
// (pools in memory, the farm's power cap scaled by the slice's share of GPUs).
//
// Compare says owner by owner who is better or worse off under one policy than under a baseline,
// from the two results' per-job times over the jobs both measured: jobs only one of them could run
// (Gained, Lost) decide first, then the change in mean wait beyond max(CompareOptions.MinWaitS,
// RelTol x baseline mean wait), 60 s and 5% by default.
//
// # Sweeps
//
// ParseAxis reads a --sweep flag and FileSweep the sweep: key of a scenario file, both through
// ParseValue, the one place that knows the sweep keys and their bounds; a file's bad entry is a
// scenarios.FieldError at its line, a flag's an ErrBadParam (a ParamError). Sweep runs the cross
// product on a Runner: the local Pool, or natsqueue's, which gives the same summaries.
//
// The arrows go one way: planner imports sim and scenarios and asks the engine only what the
// engine alone knows (sim.Run, which LargestFeasible bisects over; Result.Measures, which
// jobs a run measured; sim.Quantiles, the results' own quantile method); cmd/gpuplan imports
// planner and only parses flags, runs, wires and prints.
package planner
