package main

import (
	"github.com/spf13/pflag"

	"github.com/gpuplan/gpuplan/events/jetstream"
)

// addReplicasFlag registers --replicas: every command that opens the log creates its missing
// streams, so each one says how many copies they get.
func addReplicasFlag(fs *pflag.FlagSet, f *natsFlags) {
	fs.IntVar(&f.replicas, "replicas", 0,
		"copies of each stream the log creates or has too few of, 1 to 5 (default: 3 when --nats lists or advertises at least three servers of a cluster, otherwise 1)")
}

// checkReplicas refuses a count no server keeps and copies the embedded server cannot keep.
func (f *natsFlags) checkReplicas() error {
	if f.replicas < 0 || f.replicas > jetstream.MaxReplicas {
		return usagef("--replicas %d: want 1 to %d (or leave it out to choose from the cluster)", f.replicas, jetstream.MaxReplicas)
	}
	if f.url == "" && f.replicas > 1 {
		return usagef("--replicas %d needs --nats with a cluster: the embedded server is a single server", f.replicas)
	}
	return nil
}
