// Package fakenode runs go-nvml's mock DGX servers (dgxa100, dgxh100, dgxh200, dgxb200) as a
// GPU node whose utilization, power, energy counter and compute processes follow a seeded
// workload on a clock the caller chooses, so `gpuplan collect --fake` and tests drive the same
// NVML code path (collectors/nvmlsource) as a real node.
//
// The workload is a list of jobs, each one process on one or more GPUs from Start to End with a
// fixed utilization, per-GPU power and memory; the same Options give the same jobs. Readings at
// a time t are those of the jobs running at t (an idle GPU reports 0 % and its idle power).
// The energy counter is the exact integral of that power since the node's epoch (plus a seeded
// offset, as a real counter starts at driver load), so deltas between readings are the energy
// used, and ResetEnergy restarts it from 0 as a driver reload would. Clocks, temperatures and
// power figures are illustrative, not measurements of the named GPUs.
package fakenode
