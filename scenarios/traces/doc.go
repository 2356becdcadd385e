// Package traces reads GPU workload files (gpuplan's canonical CSV and public cluster traces) into
// gpuplan.Workload, reads and derives per-owner pools, and writes the canonical CSV.
//
// It imports only the module's root package, so the event log's importer and projections read
// traces without linking the simulator.
//
// # Formats
//
// Every format may be gzip-compressed; compression is detected by the magic bytes, not the name.
// CSV headers are matched by name, case-insensitively, in any order.
//
//   - csv: header id,owner,submit_s,gpus,duration_s, optional group,gpu_type,power_w,util. Columns
//     outside these are errors, so that a misspelt optional column is not silently ignored. Empty
//     optional fields mean "not given" (group -1, power and utilization 0). util is a fraction 0..1.
//     Owners and groups are numbered in first-appearance order.
//   - itp (microsoft-itp clusterNN.csv): job_id,submission_time,duration,num_gpu. No owners (below).
//   - genpw (Gen-Parallel-Workloads Philly cut): owner = user, id = u_id, gpus = gpu_num, duration =
//     run_time, submit = running sum of interval from 0 at the first row (that row's own interval
//     points at a job outside the cut and is ignored). Other columns are ignored.
//   - openb (alibaba-openb pod list): submit = creation_time, duration = deletion_time -
//     scheduled_time, or - creation_time when scheduled_time is empty (a pod never scheduled held its
//     request until deleted); gpus = num_gpu, so a GPU-sharing pod (num_gpu 1, gpu_milli < 1000)
//     counts as one whole GPU, as the simulator allocates whole GPUs; gpu_spec becomes the GPU type.
//     No owners (below). A pod list without times (openb_pod_list_multigpu50.csv) is an error.
//   - swf (Standard Workload Format): ';' comments, 18 whitespace-separated fields, -1 = unknown.
//     Submit, run time, allocated processors (requested ones when -1) as GPUs, owner "u<user>"
//     ("unknown" for -1), group "g<group>" (none for -1). Jobs with run time -1 or no processors are
//     skipped and counted.
//
// In every format, jobs asking for no GPU are skipped and counted in Workload.Skipped. Numbers must
// be finite and non-negative (SWF's -1 aside), GPU counts whole.
//
// # Limits
//
// Far beyond any real trace and far below where float64 sums of seconds lose precision, so that a
// value past them is a unit mistake or a corrupt file rather than a job: submit times and
// durations (and openb's times, genpw's running sum of intervals) at most gpuplan.MaxSeconds,
// 100 years; GPUs per job at most gpuplan.MaxGPUs, 100,000; power_w at most gpuplan.MaxPowerW,
// 10,000 W per GPU (the event log holds jobs to the same bounds); a line at most 1 MiB, so a gzip
// member that inflates to one endless line is refused after 1 MiB, not read whole. A row past a
// limit is a bad row (below).
//
// # Bad rows
//
// A bad row is reported as a *RowError naming the file, the row (the 1-based line number in the
// file, header included; for a quoted field spanning lines, its first line) and the column. A read
// returns every error (the first 50 listed, the rest counted) and no workload. With
// Options.SkipBad, bad rows are skipped instead and added to Workload.Skipped together with the
// jobs without GPUs. A bad or missing header is always an error. errors.Is(err, ErrBadRow) holds.
// Values and header names are quoted as short, escaped excerpts, never as raw bytes of the file.
//
// Whatever SkipBad says, a read also fails, with a RowError, when a job ID repeats (the error
// names the repeat's row and the first one's) and when no job is left: an empty file, a header and
// no rows, or every row skipped (errors.Is(err, ErrNoJobs)). IDs that come in increasing order
// (shorter first, then bytewise: 1, 2, ..., 10 or job-0001, job-0002) cannot repeat and cost one
// comparison each; others go through a hash table.
//
// # What a read reports
//
// ReadInfo and ReadFileInfo return, beside the workload, an Info: the rows skipped by reason
// (Skips: no GPU, unknown SWF run time, malformed under SkipBad; Skips.String is one line for a
// user) and Warnings, each naming a row, when one job alone decides a value derived from the whole
// trace: it is submitted, or ends, more than half the trace's span (first submit to last end) away
// from every other job (a submit decades after the rest), or it holds more than half the GPU-time.
// The span sets the mean demand that DerivePools and the synthetic owner count size from, a
// scenario's horizon counts from the first submit, and the simulator measures over the span.
//
// # Owners for traces without them
//
// itp and openb name no owners. Each job gets one of n synthetic owners "u1".."un" (zero-padded to
// n's width): owner k has weight 1/k (Zipf, s = 1), the choice made by a hash of (Options.Seed, job
// ID), so a job's owner does not depend on the order of the file or the other jobs. With s = 1 the
// top 10 of 100 owners draw 56% of the jobs, close to Philly's real users (the top 10 hold 54% of
// the GPU time). n is Options.Owners, or by default one owner per 10 GPUs of the derived fleet
// ceil(mean concurrent GPU demand / 0.6) (about ten GPUs per researcher, as in the institute that
// motivates gpuplan), at least 1 and at most 2^20. Owners that draw no job are left out.
//
// # Pools for traces without them
//
// DerivePools measures each owner's demand as the mean number of GPUs their jobs keep busy over the
// trace window (first submit to last submit + duration). By default each owner holds whole
// workstations of PoolOptions.GPUsPerNode GPUs (4), as many as run their own demand at
// PoolOptions.TargetUtil (0.6), and at least one: what each researcher would buy for themselves.
// Given PoolOptions.TotalGPUs, that fleet (rounded up to workstations, at least one per owner) is
// divided instead: one workstation each, the rest in proportion to demand by largest remainder.
// PoolOptions.FitLargestJob raises a pool to its owner's largest job, so no job is infeasible in
// the fragmented world.
//
// # Speed
//
// ReadFile reads an uncompressed canonical CSV into memory and parses large ones in parallel chunks
// (unless the file contains a quote); the result is the same as the streaming reader's.
package traces
