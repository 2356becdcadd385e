// Package planner runs what-if sweeps and sizing searches over a scenario, each point replicated
// over several seeds and summarised by a mean and a 95% Student t confidence interval.
package planner
