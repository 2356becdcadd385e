// Package scenarios loads, validates and builds gpuplan scenarios (fleet, sites, owners, workload,
// policies and prices in one YAML file) and generates synthetic workloads.
package scenarios
