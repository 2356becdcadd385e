package traces

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gpuplan/gpuplan"
)

// The facts checked here were found by counting the public traces beside the clone
// (../shared/traces) with awk and Python's csv module, independently of this package.

// quantile is numpy's default (linear interpolation between order statistics).
func quantile(sorted []float64, q float64) float64 {
	h := q * float64(len(sorted)-1)
	lo := int(h)
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

func gpuShares(w *gpuplan.Workload) map[int32]float64 {
	m := map[int32]float64{}
	for _, j := range w.Jobs {
		m[j.GPUs] += 1 / float64(len(w.Jobs))
	}
	return m
}

func TestRealITP(t *testing.T) {
	dir := filepath.Join(sharedTraces(t), "microsoft-itp")
	files, _ := filepath.Glob(filepath.Join(dir, "cluster*.csv"))
	if len(files) != 10 {
		t.Fatalf("found %d ITP cluster files, want 10", len(files))
	}
	// Rows per file, counted with Python's csv module.
	rows := []int{1595, 5778, 3011, 15802, 3629, 2396, 12699, 13047, 11134, 260}
	all := &gpuplan.Workload{}
	start := time.Now()
	for i, f := range files {
		w, err := ReadFile(f, ITP, Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkWorkload(t, w)
		if len(w.Jobs)+w.Skipped != rows[i] || w.Skipped != 0 {
			t.Errorf("%s: %d jobs + %d skipped, want %d rows, none skipped", f, len(w.Jobs), w.Skipped, rows[i])
		}
		all.Jobs = append(all.Jobs, w.Jobs...)
	}
	t.Logf("read %d ITP jobs in %v", len(all.Jobs), time.Since(start))
	if len(all.Jobs) != 69351 {
		t.Errorf("ITP jobs %d, want 69,351", len(all.Jobs))
	}
	share := gpuShares(all)
	big := share[16] + share[32] + share[64]
	for _, c := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"1 GPU", share[1], 0.83, 0.005},
		{"8 GPUs", share[8], 0.10, 0.005},
		{"4 GPUs", share[4], 0.034, 0.0005},
		{"2 GPUs", share[2], 0.021, 0.0005},
		{"16-64 GPUs", big, 0.011, 0.001}, // the README truncates 1.16% to 1.1%
	} {
		if d := c.got - c.want; d > c.tol || d < -c.tol {
			t.Errorf("%s: share %.4f, want %.4f ± %.4f", c.name, c.got, c.want, c.tol)
		}
	}
	d := make([]float64, len(all.Jobs))
	for i, j := range all.Jobs {
		d[i] = j.Duration
	}
	slices.Sort(d)
	if m := quantile(d, 0.5); m != 10537 {
		t.Errorf("median duration %v, want 10,537 s", m)
	}
	if p := quantile(d, 0.95); p < 57514-1 || p > 57514+1 {
		t.Errorf("p95 duration %v, want 57,514 s ± 1", p)
	}
}

func TestRealPhilly(t *testing.T) {
	w, err := ReadFile(filepath.Join(sharedTraces(t), "philly-15k", "philly_data_training.csv"), GenPW, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkWorkload(t, w)
	if len(w.Jobs) != 15000 || len(w.Owners) != 136 || w.Skipped != 0 {
		t.Fatalf("%d jobs, %d owners, %d skipped; want 15,000, 136, 0", len(w.Jobs), len(w.Owners), w.Skipped)
	}
	share := gpuShares(w)
	maxGPUs, last := int32(0), 0.0
	perOwner := make([]float64, len(w.Owners))
	total := 0.0
	d := make([]float64, len(w.Jobs))
	for i, j := range w.Jobs {
		maxGPUs = max(maxGPUs, j.GPUs)
		last = max(last, j.Submit)
		perOwner[j.Owner] += float64(j.GPUs) * j.Duration
		total += float64(j.GPUs) * j.Duration
		d[i] = j.Duration
	}
	slices.Sort(d)
	slices.Sort(perOwner)
	top10 := 0.0
	for _, v := range perOwner[len(perOwner)-10:] {
		top10 += v
	}
	for _, c := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"1-GPU share", share[1], 0.80, 0.005},
		{"8-GPU share", share[8], 0.098, 0.0005},
		{"4-GPU share", share[4], 0.06, 0.0005},
		{"max GPUs", float64(maxGPUs), 48, 0},
		{"median run time", quantile(d, 0.5), 289, 0},
		{"p95 run time", quantile(d, 0.95), 311103, 1},
		{"top-10 GPU-time share", top10 / total, 0.54, 0.005},
		// Sum of the interval column after the first row (awk).
		{"last submit", last, 4977039, 0},
	} {
		if diff := c.got - c.want; diff > c.tol || diff < -c.tol {
			t.Errorf("%s: %v, want %v ± %v", c.name, c.got, c.want, c.tol)
		}
	}
}

func TestRealOpenB(t *testing.T) {
	dir := filepath.Join(sharedTraces(t), "alibaba-openb")
	w, err := ReadFile(filepath.Join(dir, "openb_pod_list_default.csv"), OpenB, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkWorkload(t, w)
	// 8,152 pods; 1,088 ask for no GPU; 6,989 for one (whole or shared), so 86% of all pods.
	if len(w.Jobs) != 8152-1088 || w.Skipped != 1088 {
		t.Errorf("%d jobs, %d skipped; want 7,064 and 1,088", len(w.Jobs), w.Skipped)
	}
	one := 0
	for _, j := range w.Jobs {
		if j.GPUs == 1 {
			one++
		}
	}
	if s := float64(one) / 8152; s < 0.855 || s > 0.865 {
		t.Errorf("one-GPU pods %.3f of all, want 0.86 ± 0.005", s)
	}
	// The multi-GPU sample lists pods without times: no workload can be made of it.
	_, err = ReadFile(filepath.Join(dir, "openb_pod_list_multigpu50.csv"), OpenB, Options{})
	var re *RowError
	if !errors.As(err, &re) || re.Row != 1 || re.Column != "creation_time" {
		t.Errorf("multigpu50 list: %v, want a row-1 error for column creation_time", err)
	}
}

func TestRealSWF(t *testing.T) {
	w, err := ReadFile(filepath.Join(sharedTraces(t), "nasa-ipsc-swf", "NASA-iPSC-1993-3.1-cln.swf.gz"), SWF, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkWorkload(t, w)
	// awk: 18,239 jobs, none with run time -1 or no processors; 69 users, 2 groups.
	if len(w.Jobs) != 18239 || w.Skipped != 0 || len(w.Owners) != 69 || len(w.Groups) != 2 {
		t.Errorf("%d jobs, %d skipped, %d owners, %d groups; want 18,239, 0, 69, 2",
			len(w.Jobs), w.Skipped, len(w.Owners), len(w.Groups))
	}
	maxGPUs := int32(0)
	for _, j := range w.Jobs {
		maxGPUs = max(maxGPUs, j.GPUs)
	}
	if maxGPUs != 128 { // MaxProcs in the header
		t.Errorf("max processors %d, want 128", maxGPUs)
	}
}
