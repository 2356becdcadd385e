// Package sim is a discrete-event simulator that replays GPU jobs on fragmented per-owner pools or a
// consolidated farm, under site power limits, and reports waits, utilization, energy and cost.
package sim
