// Package natsqueue spreads a planner's runs over worker processes through a JetStream work queue
// and gathers their results back in task order.
package natsqueue
