// Package natsqueue spreads a planner's runs over worker processes through a JetStream work queue
// and gathers their results back in task order. A batch that no worker takes within
// Options.WorkerTimeout fails with ErrNoWorkers instead of waiting forever.
package natsqueue
