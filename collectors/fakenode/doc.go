// Package fakenode runs go-nvml's mock DGX servers (dgxa100, dgxh100, dgxh200, dgxb200) as a
// GPU node whose utilization, power, energy counter and compute processes follow a seeded
// workload on a clock the caller chooses, so `gpuplan collect --fake`, tests and the demo's
// fleet (events/fleet) drive the same NVML code path (collectors/nvmlsource) as a real node.
//
// A node has the mock server's GPU model in any number from 1 to MaxGPUs (8 by default, as in
// the DGX it is named after), optionally under another product name. The workload is a list of
// jobs, each one process on one or more GPUs from Start to End with a fixed utilization, per-GPU
// power and memory: drawn from the seed, or given as plain data (Options.Jobs; jobs must not
// overlap on a GPU). Readings at a time t are those of the jobs running at t (an idle GPU
// reports 0 % and its idle power), in NVML's units: whole percents, milliwatts. The energy
// counter is the exact integral of that power since the node's epoch (plus a seeded offset, as a
// real counter starts at driver load), so deltas between readings are the energy used, and
// ResetEnergy restarts it from 0 as a driver reload would. Procs attributes a pid to the job that
// holds it at the clock's time, so pids reused by later jobs are told apart. Clocks,
// temperatures and power figures are illustrative, not measurements of the named GPUs.
//
// The library Lib hands out calls the mock's functions directly, without the mock's lock and
// call records, on every call a sample or an inventory makes: records of a collector that runs
// for days would grow without bound, and the lock and records were most of a fake reading's
// cost over weeks of virtual time.
package fakenode
