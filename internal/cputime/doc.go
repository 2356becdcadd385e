// Package cputime reads the process's CPU time, which benchmarks report beside wall time because
// on a shared machine CPU per operation is the steadier figure.
package cputime
