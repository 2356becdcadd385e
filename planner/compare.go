package planner

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/sim"
)

// ErrMismatch says two results or a result and a workload do not belong together.
var ErrMismatch = errors.New("planner: results do not match the workload")

// Default tolerances of Compare. A minute is below what anyone notices of a wait for jobs that run
// for hours, and 5% keeps an owner whose waits are already long from being called worse off for a
// change of the same size as the differences between two reasonable schedules of the same load.
const (
	DefaultCompareMinWaitS = 60
	DefaultCompareRelTol   = 0.05
	DefaultCompareWorst    = 5
)

// CompareOptions tunes Compare. The zero value means the defaults.
type CompareOptions struct {
	// An owner's change in mean wait smaller in size than max(MinWaitS, RelTol x baseline mean
	// wait) is "unchanged". Defaults DefaultCompareMinWaitS and DefaultCompareRelTol; a negative
	// value means 0.
	MinWaitS float64
	RelTol   float64
	// Worst is how many worst-off owners Comparison.Worst names; default DefaultCompareWorst,
	// negative means none.
	Worst int
}

// Verdicts of OwnerChange.
const (
	Better    = "better"
	Worse     = "worse"
	Unchanged = "unchanged"
)

// OwnerChange is one owner's experience under a policy against the baseline. Waits and slowdowns
// are over the owner's jobs completed under both policies, so the two sides describe the same
// jobs; Gained and Lost count the jobs only one of them could run.
type OwnerChange struct {
	Owner  string `json:"owner"`
	Jobs   int    `json:"jobs"`   // every job of the owner
	Common int    `json:"common"` // completed under both policies
	Gained int    `json:"gained"` // infeasible under the baseline, completed under the policy
	Lost   int    `json:"lost"`   // completed under the baseline, infeasible under the policy

	BaselineMeanWaitS float64 `json:"baseline_mean_wait_s"`
	MeanWaitS         float64 `json:"mean_wait_s"`
	DeltaMeanWaitS    float64 `json:"delta_mean_wait_s"` // policy - baseline
	BaselineP95WaitS  float64 `json:"baseline_p95_wait_s"`
	P95WaitS          float64 `json:"p95_wait_s"`
	DeltaP95WaitS     float64 `json:"delta_p95_wait_s"`

	BaselineMeanBoundedSlowdown float64 `json:"baseline_mean_bounded_slowdown"`
	MeanBoundedSlowdown         float64 `json:"mean_bounded_slowdown"`
	DeltaMeanBoundedSlowdown    float64 `json:"delta_mean_bounded_slowdown"`

	ToleranceS float64 `json:"tolerance_s"` // the mean-wait change that counts
	Verdict    string  `json:"verdict"`     // Better, Worse or Unchanged
}

// Comparison is every owner's change from a baseline policy to another policy over the same
// workload. Better + Worse + Unchanged is the number of owners.
type Comparison struct {
	Baseline  string        `json:"baseline"`
	Policy    string        `json:"policy"`
	Better    int           `json:"better"`
	Worse     int           `json:"worse"`
	Unchanged int           `json:"unchanged"`
	Worst     []string      `json:"worst"` // worst-off owners first; only owners worse off
	Owners    []OwnerChange `json:"owners"`
}

// Compare says, owner by owner, who is better or worse off under other than under baseline, two
// results of the same workload w (their per-job Start and End are read), over the jobs both
// measured (Options.Measure: those submitted in a steady-state window, else all).
//
// The verdict: an owner who can run more of their jobs than before (Gained > Lost) is better off,
// one who can run fewer is worse off, whatever the waits of the rest: a job that cannot run at all
// is an unbounded wait. Otherwise the change in mean wait over the common jobs decides, with the
// tolerance of CompareOptions; an owner without common jobs is unchanged. Worst lists the owners
// worse off, by net jobs lost, then by increase in mean wait, then in p95 wait, then by name.
func Compare(w *gpuplan.Workload, baseline, other *sim.Result, opt CompareOptions) (Comparison, error) {
	if err := matchRuns(w, baseline, other); err != nil {
		return Comparison{}, err
	}
	opt = opt.withDefaults()
	no := len(w.Owners)
	base, pol := make([]waitAcc, no), make([]waitAcc, no)
	out := Comparison{Baseline: baseline.Name, Policy: other.Name, Owners: make([]OwnerChange, no)}
	for o, name := range w.Owners {
		out.Owners[o].Owner = name
	}
	for i := range w.Jobs {
		jb := &w.Jobs[i]
		if jb.Owner < 0 || int(jb.Owner) >= no {
			return Comparison{}, fmt.Errorf("%w: job %q (row %d): owner index %d out of range", ErrMismatch, jb.ID, i, jb.Owner)
		}
		if !baseline.Measures(jb.Submit) || !other.Measures(jb.Submit) {
			continue
		}
		oc := &out.Owners[jb.Owner]
		oc.Jobs++
		okB, okP := !math.IsNaN(baseline.Start[i]), !math.IsNaN(other.Start[i])
		switch {
		case okB && okP:
			oc.Common++
			base[jb.Owner].add(jb.Submit, baseline.Start[i], baseline.End[i])
			pol[jb.Owner].add(jb.Submit, other.Start[i], other.End[i])
		case okP:
			oc.Gained++
		case okB:
			oc.Lost++
		}
	}
	for o := range out.Owners {
		oc := &out.Owners[o]
		if n := float64(oc.Common); n > 0 {
			b, p := &base[o], &pol[o]
			oc.BaselineMeanWaitS, oc.MeanWaitS = b.wait/n, p.wait/n
			oc.BaselineP95WaitS, oc.P95WaitS = sim.Quantiles(b.waits, 0.95)[0], sim.Quantiles(p.waits, 0.95)[0]
			oc.BaselineMeanBoundedSlowdown, oc.MeanBoundedSlowdown = b.bsld/n, p.bsld/n
			oc.DeltaMeanWaitS = oc.MeanWaitS - oc.BaselineMeanWaitS
			oc.DeltaP95WaitS = oc.P95WaitS - oc.BaselineP95WaitS
			oc.DeltaMeanBoundedSlowdown = oc.MeanBoundedSlowdown - oc.BaselineMeanBoundedSlowdown
		}
		oc.ToleranceS = max(opt.MinWaitS, opt.RelTol*oc.BaselineMeanWaitS)
		oc.Verdict = oc.verdict()
		switch oc.Verdict {
		case Better:
			out.Better++
		case Worse:
			out.Worse++
		default:
			out.Unchanged++
		}
	}
	out.Worst = worstOff(out.Owners, opt.Worst)
	return out, nil
}

// waitAcc sums one owner's common jobs under one policy.
type waitAcc struct {
	waits      []float64
	wait, bsld float64
}

func (s *waitAcc) add(submit, start, end float64) {
	wait, run := start-submit, end-start
	s.waits = append(s.waits, wait)
	s.wait += wait
	s.bsld += max(1, (wait+run)/max(run, sim.BoundedSlowdownTauS))
}

func (oc *OwnerChange) verdict() string {
	switch {
	case oc.Gained > oc.Lost:
		return Better
	case oc.Gained < oc.Lost:
		return Worse
	case oc.Common == 0:
		return Unchanged
	case oc.DeltaMeanWaitS < -oc.ToleranceS:
		return Better
	case oc.DeltaMeanWaitS > oc.ToleranceS:
		return Worse
	}
	return Unchanged
}

func worstOff(rows []OwnerChange, n int) []string {
	var worse []*OwnerChange
	for i := range rows {
		if rows[i].Verdict == Worse {
			worse = append(worse, &rows[i])
		}
	}
	slices.SortFunc(worse, func(a, b *OwnerChange) int {
		return cmp.Or(
			cmp.Compare(b.Lost-b.Gained, a.Lost-a.Gained),
			cmp.Compare(b.DeltaMeanWaitS, a.DeltaMeanWaitS),
			cmp.Compare(b.DeltaP95WaitS, a.DeltaP95WaitS),
			cmp.Compare(a.Owner, b.Owner),
		)
	})
	names := []string{}
	for _, oc := range worse[:min(n, len(worse))] {
		names = append(names, oc.Owner)
	}
	return names
}

func (o CompareOptions) withDefaults() CompareOptions {
	if o.MinWaitS == 0 {
		o.MinWaitS = DefaultCompareMinWaitS
	}
	if o.RelTol == 0 {
		o.RelTol = DefaultCompareRelTol
	}
	if o.Worst == 0 {
		o.Worst = DefaultCompareWorst
	}
	o.MinWaitS, o.RelTol, o.Worst = max(o.MinWaitS, 0), max(o.RelTol, 0), max(o.Worst, 0)
	return o
}
