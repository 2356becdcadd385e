package traces

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gpuplan/gpuplan"
)

func harmonic(n int) float64 {
	h := 0.0
	for k := 1; k <= n; k++ {
		h += 1 / float64(k)
	}
	return h
}

// TestOwnerAssignmentStable: a job's owner depends on its ID and the seed only, not on row order.
func TestOwnerAssignmentStable(t *testing.T) {
	data, err := os.ReadFile("testdata/itp_cluster10.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	rev := slices.Clone(lines[1:])
	slices.Reverse(rev)
	reversed := lines[0] + "\n" + strings.Join(rev, "\n") + "\n"
	for _, opt := range []Options{{}, {Owners: 20, Seed: 9}} {
		a, err := Read(bytes.NewReader(data), "a", ITP, opt)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Read(strings.NewReader(reversed), "b", ITP, opt)
		if err != nil {
			t.Fatal(err)
		}
		ma, mb := ownerNames(a), ownerNames(b)
		for id, o := range ma {
			if mb[id] != o {
				t.Fatalf("%+v: job %s owned by %s in file order, %s reversed", opt, id, o, mb[id])
			}
		}
	}
	// Another seed moves most jobs: two independent Zipf draws over 20 owners agree with
	// probability sum p_k^2 = H2(20)/H(20)^2 ≈ 0.18.
	a, _ := Read(bytes.NewReader(data), "a", ITP, Options{Owners: 20, Seed: 1})
	b, _ := Read(bytes.NewReader(data), "b", ITP, Options{Owners: 20, Seed: 2})
	ma, mb := ownerNames(a), ownerNames(b)
	same := 0
	for id, o := range ma {
		if mb[id] == o {
			same++
		}
	}
	if f := float64(same) / float64(len(ma)); f > 0.3 {
		t.Errorf("seeds 1 and 2 agree on %.2f of jobs, want about 0.18", f)
	}
}

// TestOwnerZipf checks the drawn owner shares against the weights 1/k / H(n).
func TestOwnerZipf(t *testing.T) {
	const jobs, n = 200000, 100
	w := &gpuplan.Workload{Jobs: make([]gpuplan.Job, jobs)}
	for i := range w.Jobs {
		w.Jobs[i] = gpuplan.Job{ID: fmt.Sprintf("job-%d", i), GPUs: 1, Duration: 1, Group: -1}
	}
	assignOwners(w, Options{Owners: n, Seed: 5}, newIDSet(len(w.Jobs)))
	count := map[string]int{}
	for _, j := range w.Jobs {
		count[w.Owners[j.Owner]]++
	}
	top10 := 0
	for k := 1; k <= 10; k++ {
		top10 += count[fmt.Sprintf("u%03d", k)]
	}
	hn := harmonic(n)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"rank 1", float64(count["u001"]) / jobs, 1 / hn},
		{"rank 2", float64(count["u002"]) / jobs, 0.5 / hn},
		{"rank 100", float64(count["u100"]) / jobs, 0.01 / hn},
		{"top 10", float64(top10) / jobs, harmonic(10) / hn},
	} {
		sigma := math.Sqrt(c.want * (1 - c.want) / jobs)
		if math.Abs(c.got-c.want) > 4*sigma {
			t.Errorf("%s: share %.5f, want %.5f ± %.5f (4 sigma)", c.name, c.got, c.want, 4*sigma)
		}
	}
	if len(w.Owners) != n || !slices.IsSorted(w.Owners) {
		t.Errorf("owners %d (sorted %v), want all %d in rank order", len(w.Owners), slices.IsSorted(w.Owners), n)
	}
}

func TestSyntheticOwnerCount(t *testing.T) {
	// One job of g GPUs for 100 s is a mean demand of g; the fleet is ceil(g / 0.6), one owner per 10.
	for _, c := range []struct {
		gpus int32
		opt  Options
		want int
	}{
		{60, Options{}, 10},           // fleet 100
		{1000, Options{}, 167},        // fleet 1667
		{3, Options{}, 1},             // fleet 5, round(0.5) = 1
		{1, Options{}, 1},             // fleet 2, at least one owner
		{60, Options{Owners: 7}, 7},   // explicit
		{60, Options{Owners: -1}, 10}, // negative means default
	} {
		w := &gpuplan.Workload{Jobs: []gpuplan.Job{{ID: "x", GPUs: c.gpus, Duration: 100}}}
		if got := syntheticOwners(w, c.opt); got != c.want {
			t.Errorf("%d GPUs %+v: %d owners, want %d", c.gpus, c.opt, got, c.want)
		}
	}
}

// TestOwnerUnevennessITP: on a real ITP cluster, the synthetic owners' demand is about as uneven as
// Philly's real users (the top 10 hold 54% of the GPU time there).
func TestOwnerUnevennessITP(t *testing.T) {
	w, err := ReadFile(filepath.Join(sharedTraces(t), "microsoft-itp", "cluster04.csv"), ITP, Options{})
	if err != nil {
		t.Fatal(err)
	}
	per := make([]float64, len(w.Owners))
	total := 0.0
	for _, j := range w.Jobs {
		per[j.Owner] += float64(j.GPUs) * j.Duration
		total += float64(j.GPUs) * j.Duration
	}
	slices.Sort(per)
	top := 0.0
	for _, v := range per[len(per)-10:] {
		top += v
	}
	t.Logf("%d owners; top 10 hold %.2f of GPU time", len(w.Owners), top/total)
	if s := top / total; s < 0.4 || s > 0.75 {
		t.Errorf("top 10 of %d owners hold %.2f of the GPU time, want about half (0.4-0.75)", len(w.Owners), s)
	}
}
