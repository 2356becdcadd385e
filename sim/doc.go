// Package sim is a discrete-event simulator that replays GPU jobs on fragmented per-owner pools or a
// consolidated farm, under site power limits, and reports waits, utilization, energy and cost.
//
// # Running
//
// Run replays one gpuplan.Workload on one gpuplan.Cluster (the domain types of the module's root
// package) under one policy; RunAll runs several policies at once
// (one goroutine each, at most GOMAXPROCS) and returns their results in the order asked. Policies
// lists the names: "fragmented" (every owner's GPUs are a private first-come-first-served pool at
// the owner's site), "fifo" (one pool of all farm nodes, strict first-come-first-served with
// head-of-line blocking), "easy" (the same pool with EASY backfilling), "quota" (guaranteed
// per-owner quotas with borrowing and preemption) and "fairshare" (owners ordered by decayed usage
// per share, with backfilling); see Quota and fair share. Inputs are validated once
// and every problem is reported together (gpuplan.ErrInvalidCluster, ErrUnknownOwner,
// gpuplan.ErrInvalidWorkload, ErrInvalidOptions); an unknown policy is ErrUnknownPolicy. The same inputs always give the same
// Result, whatever GOMAXPROCS. Options.Progress is called every 16,384 jobs done (completed or
// infeasible) and once at the end of each run.
//
// # Engine
//
// Jobs are renumbered in queue order (submit time, then input position: a sort of an index, and
// none when the input is already in order) and read in that order as arrivals; the only queued
// events are completions, boots, idle timers and throttled sites' next completions, held in a
// binary heap. Each step takes one timestamp: every event and arrival at it is applied first
// (completions free GPUs, arrivals join their queue in queue order), then each pool whose state
// changed runs one scheduling pass, in pool order, then power is settled (throttle fractions,
// draw, energy). A job started at s with duration d completes at exactly s + d (one addition)
// unless its site throttles; a zero-length job completes at its start time in a new step after
// the pass that started it.
//
// Policies decide and the engine acts: a policy reads a read-only view of one pool (queue, free
// GPUs and power, placed jobs by estimated end, per-owner held GPUs, quotas and usage) and asks a
// plan to start jobs or to preempt a running one; the engine checks each start against placement
// and the power cap and applies it at once, and applies a preemption like a completion that
// returns the job to its queue.
//
// # Semantic choices
//
// Design §5 fixes the rules; these are the choices it leaves open.
//
// Worlds. The fragmented world holds every Cluster owner's GPUs, including owners without jobs
// (their GPUs idle, draw power and count in Result.GPUs); the farm world holds the farm's nodes
// only, the labs being empty. Options.Placement applies to whichever world the policy uses;
// PlacementDefault is nodes for the farm and pool for private pools.
//
// Partial consolidation. An Owner with Lab set keeps their private pool at their own site in the
// farm world too: their jobs run there first-come-first-served exactly as under fragmented (a job
// larger than their pool is infeasible, even if the farm could hold it), while every other owner's
// jobs go to the farm pool under the run's policy. Farm.Nodes are used as given (the caller sizes
// the farm for the consolidated owners); pools are the farm first, then the Lab owners' in Cluster
// order, and metrics cover every pool and site at its own PUE. A farm without GPUs is left out
// when every owner is Lab, so that world is the fragmented one (fragmented itself ignores Lab).
// Quota and fair-share state covers every owner, but only the farm pool's policy reads it; with
// Quota.NoBorrow, a Lab owner's Options.Quota.Quotas entry below their pool still makes larger jobs
// infeasible.
//
// Placement. With pool placement a job takes GPUs from the pool's node groups in declaration
// order (this matters only for power, when the groups differ in GPU type). With node placement a
// job of at most the largest node's GPUs goes on one node: the node with the fewest free GPUs that
// still fit, then a powered node before a powered-off one, then the lowest index. A larger job
// takes whole idle nodes, powered ones first, each group by lowest index, until they hold its GPUs
// (ceil(g/gpus_per_node) nodes when the nodes are alike); the GPUs left over on those nodes stay
// reserved and idle. Power and utilization count the job's own GPUs.
//
// Infeasible jobs are those needing more GPUs than the pool holds, or that could not start under
// the site's cap even with the rest of the site idle (with power-off, with only the nodes the job
// would occupy powered). They are counted at arrival, reported with their GPU-hours, and have NaN
// start and end.
//
// Power. Draws are summed in integer milliwatts so adding and removing a job cancels exactly; the
// cap is compared as the largest whole-milliwatt IT draw whose facility power is within it
// (relative tolerance 1e-12). A capped site admits a job only if the site would stay within the
// cap with every placed job (running or booting) drawing at the admission fraction: 1 under
// CapQueue, the site's floor under CapThrottle, and counting any node the job powers on. The
// floor of a site's power-limit fraction is the highest MinLimit among its GPU types. Under
// CapThrottle, f is the largest value in [floor, 1] that keeps the running jobs within the cap
// (recomputed after every pass), every running job progresses at perf(f), taken as the slowest of
// the site's GPU types' curves at f and exactly 1 at f = 1, and completions are kept in the site's
// virtual work clock so they move with f without being rewritten; where no throttle applies that
// clock is real time. A curve holds its end values outside its knots. A CapW above zero needs a
// cap mode.
//
// Power-off (farm, node placement only). Every node is powered at the window start and arms its
// idle timer then; a node idle for IdleOffS draws nothing until a job is placed on it, which powers
// it on: it draws as an idle node at once and is usable BootS later. A job placed on nodes that are
// off or still booting holds them and starts when the last is up: the boot is waiting time, not
// allocated time. Timers that fire at the same time as other events are applied before the pass,
// like every event.
//
// Backfilling (easy). A running job's estimated end is start + duration*EstimateFactor; at a
// throttled site the estimate is work at the current speed, and a job past its estimate is
// expected to end now. Under a cap the reservation covers power as well as GPUs (admission power;
// a waiting job's need is estimated on its pool's first GPU type), and a backfilled job that uses
// extra uses up what it took, powered-on nodes included. With node placement the shadow time
// counts GPUs, not nodes, so it is approximate; whether a job fits now is always exact. A job that
// would wait for its nodes to boot is expected to end at boot end + estimate. When the running jobs
// can never free enough (power held by other pools), nothing is reserved.
//
// Metrics. Every metric covers one measurement window (see Measurement window); when it is
// empty (nothing completed) every window metric is 0 (never NaN). Utilization is the integral of
// running GPUs over the window / (GPUs*window): boot time excluded, throttled jobs counted for
// their longer run, preempted runs for the time they ran. Result.GPUHours is work delivered in the
// window: gpus*duration of each completed job, times the share of its run inside the window (all
// of it for the whole run); a job preempted across the window's edges delivers, instead, the work
// each of its runs kept (saved at a checkpoint, and the last run's work after its restart
// overhead) where that run did it, laid on the run's real span in proportion to work, so that at
// full speed delivered plus lost GPU time is the GPU time allocated in any window. KWhPerGPUHour
// and KRWPerGPUHour divide facility energy and cost by it.
// Bounded slowdown is max(1, (wait+run)/max(run, 10 s)) with run = end - start. Energy and peak
// power cover the window. CapTimeShare is the share of the window during which some capped site
// was constrained by its cap: throttled below f = 1, or refused a start for power in its last
// pass. Waits, slowdowns, job counts and owner rows are over the measured jobs (all jobs, or those
// submitted in a steady-state window, completed whenever): jobs counts every one, infeasible ones
// included; waits and slowdowns are over completed jobs; WaitCDFS holds their percentiles 0..100.
// Jain's index is over owners with completed measured jobs. Under quota, Preemptions counts the
// preemptions that happen in the window, LostGPUHours the GPU time lost inside it, and
// GuaranteeViolations the measured jobs' violations, in the totals and the owner rows alike (the
// rows sum to the totals). The timeline samples t_i = from + i*window/(points-1)
// and shows the state after everything at t_i happened: GPUs running (booting ones excluded), jobs
// waiting in queues, facility power of all sites, and the lowest throttle fraction of the
// throttled sites (1 if none). The demand charge counts window/30.44 days as months. Cost with no
// price and emissions with no grid factor have no input behind them: JSON writes them as null.
//
// # Measurement window
//
// Worlds are compared over one window. By default it runs from the earliest submit (infeasible
// jobs included) to the latest completion of any policy run together (RunAll; Run alone: its own
// last completion). A world that finishes earlier idles to the end of it (idle draw, or nothing
// for powered-off nodes, whose timers still run), and its utilization is over the same GPU-seconds:
// measuring each world to its own last completion would credit the faster world with the hours it
// did not run and charge the slower one the energy of labs idling while a few queues drain, which
// biases every ratio between them. MakespanS is each policy's own span.
//
// Options.Measure sets a steady-state window instead, as offsets from the first submit (ToS 0:
// the end of the run as above). A finite trace begins with an empty cluster (warm-up: no queues,
// low power) and ends with queues draining while most GPUs idle; neither is how a cluster under
// that demand runs, and both weigh on a short trace's averages. In a steady-state window waits
// and slowdowns are over the jobs submitted in it (completed whenever, even after it), and
// utilization, energy, peak power and time at the cap are integrals over it; cost and emissions
// follow from that energy, and the demand charge counts the window's months. The quota policy's
// figures follow the same two rules. LostGPUHours is an integral over the window: a run's lost
// work (its restart overhead at its start and, when preempted, its work since the last checkpoint
// at its end) is laid on the run's real span in proportion to work, as delivered work is, and
// clipped to the window. Preemptions counts those that happen at a time in [from, to) (to open
// when the window ends with the run): the span of the measured submits, so that two adjacent
// windows add up to the run, and the span of LostGPUHours, so that lost GPU-hours per preemption
// compare like with like. A preemption is something the farm does while it runs, like drawing
// power; counting the preemptions of the measured jobs instead would leave out the typical
// victim of a window, a job that borrowed GPUs before it while the farm was emptier, and count
// preemptions in the drain. GuaranteeViolations counts the violations of the measured jobs,
// wherever they start: a violation is a job's wait beyond the grace, and waits are the measured
// jobs'. Run with the same Measure.ToS, separate runs are measured over the same window;
// otherwise compare worlds through RunAll.
//
// # Analysis of results
//
// Everything about finished runs (owner by owner comparisons, the largest job a world can start,
// farm-only and latent demand) is analysis and lives in package planner, which runs the engine and
// reads Result's per-job times, Result.Measures (which jobs a run measured), Quantiles (the
// results' own quantile method) and BoundedSlowdownTauS.
//
// # Quota and fair share
//
// Both run on the farm pool and keep per-owner state: GPUs held (booting or running), a quota
// (Options.Quota.Quotas by owner name, else the GPUs the owner holds in the Cluster, 0 for an owner
// without GPUs there) and a share (Options.FairShare.Shares, else the same GPUs; normalized to sum to 1).
//
// quota. At every pass each owner's waiting jobs, in queue order, are in quota while held GPUs
// plus those jobs' GPUs stay within the quota; from the owner's first job beyond it, all their
// later jobs are over quota (an owner's own jobs keep first-come order, as in a private pool). The
// pass is EASY backfilling (design §5's scan: reservation for the first job that does not fit,
// backfill that ends by the shadow time or fits the extra) over the in-quota jobs in queue order
// followed by the over-quota jobs in queue order; over-quota jobs thus borrow idle GPUs without
// delaying any in-quota reservation. When every quota covers its owner's whole demand, every job
// is in quota and quota decides exactly as easy. With Options.Quota.NoBorrow over-quota jobs never
// start and a job larger than its owner's quota is infeasible; on a farm at least as large as the
// labs (pool placement, no caps) that is fragmented's schedule, job for job.
//
// Preemption. When an in-quota job does not fit in the first-come part of the pass and some owner
// holds more than their quota, running jobs of over-quota owners are chosen as victims: each time
// a job of the owner most over quota (ties: lowest owner index), that owner's most recently
// started job (ties: the later in queue order, even when the two began in different scheduling
// passes at that instant), while that owner is still over quota (the last victim may take them
// below it). Start times and queue order decide, not the order of passes within an instant,
// because how many passes an instant takes is the engine's doing (a zero-length job's completion
// makes another), and the later-queued job yielding keeps the owner's own jobs first-come.
// Nobody is preempted unless the victims so chosen free enough GPUs and power; when the job
// still does not fit (node placement: the freed GPUs may sit on other nodes; a cap over mixed GPU
// types: power is estimated on the first type) more are taken, and if it never fits the victims
// stay preempted. Booting jobs are never victims. A victim leaves at once (GPUs, power and the
// owner's held GPUs given back, its completion and estimated end dropped: no later reservation
// counts them, even when the job restarts in another pass at the same instant with the same end)
// and rejoins its queue at its original position after the pass, so it never restarts in the
// pass that stopped it. Work is counted in seconds at full speed (a throttled
// site's work clock): of the run's progress p, the first RestartOverheadS (on restarts) is
// overhead, the rest useful; the job keeps its useful work up to the last multiple of
// Options.Quota.CheckpointS (none when 0: it starts over) and restarts with overhead + the rest.
// Result.LostGPUHours is GPU time that delivered no kept work: gpus*(p - work newly saved) per
// preemption plus gpus*overhead of each restart (over the whole run; a steady-state window counts
// the part inside it, see Measurement window); delivered GPUHours plus LostGPUHours is what the
// GPUs ran. A preempted job's Start and End are those of its last run (its wait counts the lost
// time), utilization counts the preempted runs' allocated time too, and the timeline shows the
// last run only (a preempted job counts as queued from its submit to its last start). A job's guarantee clock starts at the first pass that finds it in quota; if it
// starts more than Options.Quota.GraceS (default 60 s) later, its owner gets a guarantee violation.
// Preemption happens only when an in-quota job waits, so it is bounded by in-quota starts.
//
// fairshare. An owner's decayed usage u is the integral of their held GPUs weighted by
// 2^(-age/half-life) (Options.FairShare.HalfLifeS, default 7 days), updated exactly at every change
// of held GPUs. Owners with waiting jobs are ranked by u/share, lowest first (ties merged in queue
// order); their jobs follow in queue order, and the pass is the same EASY backfilling scan over
// that order. No preemption: a priority change takes effect as GPUs free up. Under saturation the
// owner furthest below their share always goes first, so delivered GPU-hours approach the shares
// (tested at 1:2:3 within 0.015 of each fraction).
//
// Fairshare scans its queue each pass (O(queue + owners with waiting jobs log owners)) instead of
// easy's index, so under deep queues it is slower than easy. Quota keeps its classes from pass to
// pass (each owner's waiting jobs and how many of them are in quota, reclassed only for owners
// whose held GPUs, by the ledger's change log, or waiting jobs changed), takes the in-quota jobs
// from them and reads the over-quota jobs from the queue only as far as the pass gets; after
// arrivals alone it decides only the arrivals against the kept reservation, as easy does (a test
// checks every pass against a pass that classes the whole queue afresh). What keeps the passes
// cheap: a pass in which no waiting job fits the free GPUs (and, for quota, nobody can be
// preempted) skips the backfill, which would start nothing; the reservation is computed only when
// a job after the head fits what is free, and reused under easy's conditions (same head, nothing
// freed or started since, shadow time ahead); a job whose estimate cannot end by the shadow time
// and which the extra cannot hold is refused without computing its end, as in easy's index;
// fairshare ranks owners only when two or more have jobs waiting, by insertion sort from the last
// ranking (keys move little between passes; the order is total, so the result is the sort's).
// On BenchmarkPolicy's 1M-job workload (300 owners, pool placement) quota (about 36,000
// preemptions) takes about 1.9 times as long as easy on the same machine (2.5 before its classes
// were kept), fairshare about 2x (BENCHMARKS.md). Quota finds victims through per-owner lists of
// running jobs in start order (and the owners over quota through a bitset), not a walk of the
// running jobs; where estimates are exact it walks the completion events for shadow times, as easy
// does, skipping a preempted run's by its generation.
//
// # Adding a policy
//
// A policy is a type with a Schedule(v *view, p *plan) method, in a file of its own. It reads the
// pool, the clock and, where it needs them, per-owner figures only through the view's methods
// (queue positions, free room, needs, running jobs by estimated end, whether only completions
// changed the pool since a version (OnlyCompleted, Completions); Held, Quota, Share, Usage,
// LatestRun, PrevRun, OwnersOver, Overs, HeldVersion and HeldChanges from the owner ledger;
// Options, a copy), keeps whatever it wants between passes in its own fields, and acts only
// through the plan (Start, StartJob, Reorder, Preempt, Violation); the engine checks every start
// against placement and power and applies it at once.
// To add one, write that file and add one line to the registry in run.go: its name, whether it
// runs on the farm, whether it reads running jobs by estimated end (est), which parts of the owner
// ledger it reads (ledgerHeld for held GPUs, quotas and shares; ledgerUsage for decayed usage;
// ledgerLog for whose held GPUs changed lately), whether it preempts, and its constructor. The engine keeps the ledger up to date (it notifies it
// when a job is placed, begins, finishes, is released or preempted) for the policies that ask for
// it; nothing else in the engine knows which policy runs. quota and fairshare are built that way;
// fifo and easy ask for no ledger. A test (TestPolicyFilesUseOnlyTheView) fails when a policy file
// selects a field of the view, the plan or any engine type, or names an engine type;
// TestOwnerPolicyInOneFile adds a small owner-aware policy exactly that way and checks the ledger
// the engine keeps for it.
//
// # Performance
//
// At the project's target shape (1M jobs, 3,000 GPUs, load 0.95; BenchmarkPolicy and
// BenchmarkEasyNodesThrottle in bench_test.go, BENCHMARKS.md) one run with pool placement takes,
// at the best of several runs on a 2-core AMD EPYC, about 0.34 s of one core for fifo, 0.40 s for
// easy, 0.6 s for fragmented, 0.73 s for quota and 0.88 s for fairshare, and about 1.4 s for easy
// with node placement under a throttling cap. What makes that possible: no
// allocation per event; binary heaps on integer time keys that sift without branches; one 32-byte
// record per job, and queue entries that carry what starting a job needs, so a job that waited
// long is started without reading its record; EASY's backfill scan replaced by a per-GPU-count
// index with min-trees of estimates (the same decisions as the plain scan, which a test checks, in
// O(sizes log n) rather than a walk of the queue); shadow times found by walking the k earliest
// estimated ends with a small frontier heap, over the completion events themselves when estimates
// are exact; reservations reused while nothing changes (quota's also past completions at their
// estimated ends); metrics by selection, not sorting.
//
// # Imports
//
// sim imports the standard library and the module's root package only, which holds what it
// replays (gpuplan.Job, gpuplan.Workload) and what it replays them on (gpuplan.Cluster and its
// parts) with their invariants; sim owns Options, Result and the policies. Its callers are
// scenarios, planner and cmd/gpuplan; nothing that only reads traces or the event log needs it.
package sim
