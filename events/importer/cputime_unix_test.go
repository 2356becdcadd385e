//go:build unix

package importer_test

import (
	"syscall"
	"time"
)

// cpuTime is the process's user and system CPU time so far. On a shared machine, CPU per event
// is steadier than events per second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
