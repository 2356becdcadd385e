//go:build !unix

package jetstream

import "time"

func cpuTime() time.Duration { return 0 }
