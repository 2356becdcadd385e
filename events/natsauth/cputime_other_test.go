//go:build !unix

package natsauth

import "time"

func cpuTime() time.Duration { return 0 }
