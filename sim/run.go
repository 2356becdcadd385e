package sim

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"

	"github.com/gpuplan/gpuplan"
)

// policyDef says how a policy is run.
type policyDef struct {
	name string
	farm bool // runs on the consolidated farm; else on the owners' private pools
	est  bool // reads placed jobs by estimated end (view.Running)
	// ledger: the per-owner accounting the policy reads through the view (ledger.go); preempt:
	// may preempt running jobs (the ledger then also keeps running jobs by owner).
	ledger  ledgerNeeds
	preempt bool
	make    func() policy
}

// registry lists the policies; the first, fragmented, also runs every private pool.
var registry = []policyDef{
	{name: "fragmented", make: func() policy { return fifo{} }},
	{name: "fifo", farm: true, make: func() policy { return fifo{} }},
	{name: "easy", farm: true, est: true, make: newEasy},
	{name: "quota", farm: true, est: true, ledger: ledgerHeld | ledgerLog, preempt: true, make: newQuota},
	{name: "fairshare", farm: true, est: true, ledger: ledgerHeld | ledgerUsage, make: newFairshare},
}

// Policies lists the policy names Run accepts.
func Policies() []string {
	names := make([]string, len(registry))
	for i, d := range registry {
		names[i] = d.name
	}
	return names
}

func findPolicy(name string) (*policyDef, error) {
	for i := range registry {
		if registry[i].name == name {
			return &registry[i], nil
		}
	}
	return nil, fmt.Errorf("%w %q (have %s)", ErrUnknownPolicy, name, strings.Join(Policies(), ", "))
}

// Run replays w on c under one policy. It validates c and w first and reports every problem
// found; the same inputs always give the same Result.
func Run(c *gpuplan.Cluster, w *gpuplan.Workload, policy string, opt Options) (*Result, error) {
	def, err := findPolicy(policy)
	if err != nil {
		return nil, err
	}
	lk, err := validate(c, w, def.farm, opt)
	if err != nil {
		return nil, err
	}
	e, err := runPolicy(c, w, lk, def, opt, nil)
	if err != nil {
		return nil, err
	}
	a, b := e.window(e.lastEnd)
	return e.result(def.name, w, a, b), nil
}

// RunAll runs several policies over the same inputs, concurrently (at most GOMAXPROCS at once),
// and returns their results in the order given, all measured over one window: unless
// opt.Measure.ToS sets its end, it ends at the latest completion of any of them, and a world that
// finished earlier idles until then. opt.Progress, if set, sees the runs together: jobs finished
// summed over the runs, out of jobs times policies.
func RunAll(c *gpuplan.Cluster, w *gpuplan.Workload, policies []string, opt Options) ([]*Result, error) {
	defs := make([]*policyDef, len(policies))
	var errs []error
	for i, name := range policies {
		d, err := findPolicy(name)
		if err != nil {
			errs = append(errs, err)
		}
		defs[i] = d
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	farm := false
	for _, d := range defs {
		farm = farm || d.farm
	}
	lk, err := validate(c, w, farm, opt)
	if err != nil {
		return nil, err
	}
	engines := make([]*engine, len(defs))
	runErrs := make([]error, len(defs))
	progress := sharedProgress(opt.Progress, len(defs), len(w.Jobs))
	parallel(len(defs), func(i int) {
		o := opt
		o.Progress = progress(i)
		engines[i], runErrs[i] = runPolicy(c, w, lk, defs[i], o, nil)
	})
	if err := errors.Join(runErrs...); err != nil {
		return nil, err
	}
	// The engines are kept until every run is over: the window's end is known only then.
	end := math.Inf(-1)
	for _, e := range engines {
		end = max(end, e.lastEnd)
	}
	res := make([]*Result, len(defs))
	parallel(len(defs), func(i int) {
		a, b := engines[i].window(end)
		res[i] = engines[i].result(defs[i].name, w, a, b)
		engines[i] = nil
	})
	return res, nil
}

// parallel calls f(0..n-1), at most GOMAXPROCS at once, and waits for them.
func parallel(n int, f func(i int)) {
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(i)
		}()
	}
	wg.Wait()
}

// sharedProgress returns, for run i of n, a progress function that reports to report the jobs
// finished over all runs, out of n*jobs; nil when report is nil.
func sharedProgress(report func(done, total int), n, jobs int) func(i int) func(done, total int) {
	if report == nil {
		return func(int) func(int, int) { return nil }
	}
	var mu sync.Mutex
	done := make([]int, n)
	return func(i int) func(int, int) {
		return func(d, _ int) {
			mu.Lock()
			defer mu.Unlock()
			done[i] = d
			sum := 0
			for _, x := range done {
				sum += x
			}
			report(sum, n*jobs)
		}
	}
}

// runPolicy builds the policy's world and runs it, returning the finished engine for result;
// hook, for tests, sees the engine after every event.
func runPolicy(c *gpuplan.Cluster, w *gpuplan.Workload, lk *lookup, def *policyDef, opt Options, hook func(*engine, hookPoint)) (*engine, error) {
	wd, err := buildWorld(c, w, lk, def.farm, opt.Placement)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", def.name, err)
	}
	for i := range wd.pools {
		if wd.private(i) { // an owner's own pool, also a Lab owner's in the farm world
			wd.pools[i].pol = registry[0].make()
		} else {
			wd.pools[i].pol = def.make()
		}
	}
	e := newEngine(wd, w, opt, def.est)
	needs := def.ledger
	if def.preempt {
		needs |= ledgerRuns
	}
	if needs != 0 {
		// Owners by engine job, read by every pass over the queue: 4 bytes a job, in queue order,
		// rather than a job record each.
		owner := make([]int32, e.n)
		for k := range e.n {
			owner[k] = e.jobs[e.in(k)].Owner
		}
		e.led = newLedger(c, w, opt, needs, owner)
	}
	if def.preempt {
		e.initPreempt()
	}
	e.hook = hook
	e.run()
	if e.active > 0 { // every feasible job can run on an otherwise idle site, so this is a bug
		return nil, fmt.Errorf("sim: %s: internal error: %d jobs never finished", def.name, e.active)
	}
	return e, nil
}

// window is the measured window, absolute: Options.Measure within a run that ends at end (the
// latest completion of the policies run together), never before the run's start.
func (e *engine) window(end float64) (a, b float64) {
	if e.n == 0 {
		return 0, 0
	}
	a, b = e.mFrom, e.mTo
	if math.IsInf(b, 1) {
		b = max(end, a)
	}
	return a, b
}
