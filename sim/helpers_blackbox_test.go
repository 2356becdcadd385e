package sim_test

import (
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/gpuplan/gpuplan"
	"github.com/gpuplan/gpuplan/internal/simtest"
	"github.com/gpuplan/gpuplan/sim"
)

// The black-box tests build their clusters and workloads through these helpers so that every
// expectation in them is written against the public API only.

// gpuType and poolCluster are the shared test clusters of internal/simtest.
var gpuType = simtest.GPUType

// ownerSpec is one owner's private pool: Nodes nodes of GPN GPUs each.
type ownerSpec struct {
	Name  string
	Nodes int
	GPN   int
}

var poolCluster = simtest.PoolCluster[ownerSpec]

// jobSpec is a job written by hand: owner by name.
type jobSpec struct {
	Owner    string
	Submit   float64
	GPUs     int32
	Duration float64
	PowerW   float64
}

// workload turns hand-written jobs into a Workload, owners indexed in the order given.
func workload(owners []string, jobs []jobSpec) *gpuplan.Workload {
	w := &gpuplan.Workload{Owners: slices.Clone(owners)}
	for i, j := range jobs {
		w.Jobs = append(w.Jobs, gpuplan.Job{
			ID:       jobID(i),
			Owner:    w.OwnerIndex(j.Owner),
			Group:    -1,
			Submit:   j.Submit,
			GPUs:     j.GPUs,
			Duration: j.Duration,
			PowerW:   j.PowerW,
		})
	}
	return w
}

func jobID(i int) string { return "j" + strconv.Itoa(i) }

// near reports whether got is within tol of want, absolutely or relative to |want|, whichever is
// looser; NaN matches only NaN.
func near(got, want, tol float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	d := math.Abs(got - want)
	return d <= tol || d <= tol*math.Abs(want)
}

// numpyPercentile is numpy.percentile's default ("linear") method: the q-quantile sits at index
// q*(n-1) of the sorted data, interpolated between neighbours. Written here, not taken from sim, so
// the tests check the engine against an independent implementation.
func numpyPercentile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	h := q * float64(len(s)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[i] + (h-lo)*(s[i+1]-s[i])
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// run calls sim.Run and fails the test on error.
func run(t testing.TB, c *gpuplan.Cluster, w *gpuplan.Workload, policy string, opt sim.Options) *sim.Result {
	t.Helper()
	r, err := sim.Run(c, w, policy, opt)
	if err != nil {
		t.Fatalf("Run(%s): %v", policy, err)
	}
	if r == nil {
		t.Fatalf("Run(%s): nil result", policy)
	}
	if len(r.Start) != len(w.Jobs) || len(r.End) != len(w.Jobs) {
		t.Fatalf("Run(%s): %d starts, %d ends for %d jobs", policy, len(r.Start), len(r.End), len(w.Jobs))
	}
	return r
}

// ownerRow finds an owner's row by name, failing the test when it is missing.
func ownerRow(t testing.TB, r *sim.Result, name string) sim.OwnerResult {
	t.Helper()
	for _, o := range r.Owners {
		if o.Owner == name {
			return o
		}
	}
	t.Fatalf("%s: no owner row for %q in %+v", r.Name, name, r.Owners)
	return sim.OwnerResult{}
}

// checkTimes compares per-job start and end times with hand-derived ones (NaN for infeasible).
func checkTimes(t *testing.T, r *sim.Result, wantStart, wantEnd []float64, tol float64) {
	t.Helper()
	if len(wantStart) != len(r.Start) || len(wantEnd) != len(r.End) {
		t.Fatalf("%s: test table has %d/%d times for %d jobs", r.Name, len(wantStart), len(wantEnd), len(r.Start))
	}
	for i := range wantStart {
		if !near(r.Start[i], wantStart[i], tol) || !near(r.End[i], wantEnd[i], tol) {
			t.Errorf("%s: job %d runs [%g, %g], want [%g, %g]", r.Name, i, r.Start[i], r.End[i], wantStart[i], wantEnd[i])
		}
	}
}

var nan = math.NaN()
