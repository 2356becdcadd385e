package events

import (
	"fmt"
	"math"
	"time"

	"github.com/gpuplan/gpuplan"
)

// Every payload is checked against the job bounds gpuplan.MaxSeconds, gpuplan.MaxGPUs and
// gpuplan.MaxPowerW (the bounds of the simulator's workload readers too) and the times below,
// when it is built (New), decoded (Decode) and imported; replays and projections apply them to
// what is already stored. So a job the log takes can never make a later replay fail, and a
// forged value far outside what any GPU does is refused instead of changing a result.

// MinTime and MaxTime bound every event and job time. They are fixed rather than relative to
// the clock (say, now plus a year) so that the same log gives the same replay on any day:
// a bound that moved with the clock would let an event refused today count next year. No GPU
// job predates 1990; 2100 leaves room for any plausible log while refusing forged far-future
// dates such as 9999-12-31, which would stretch a replay's time span and shrink a derived fleet.
var (
	MinTime = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// checkTime refuses a time outside [MinTime, MaxTime); field names it in the error.
func checkTime(field string, t time.Time) error {
	if t.Before(MinTime) || !t.Before(MaxTime) {
		return fmt.Errorf("%s %s outside %s..%s", field, t.UTC().Format(time.RFC3339Nano),
			MinTime.Format("2006-01-02"), MaxTime.Format("2006-01-02"))
	}
	return nil
}

// checkRange refuses x outside [lo, hi], NaN included.
func checkRange(field string, x, lo, hi float64) error {
	if !(x >= lo && x <= hi) {
		return fmt.Errorf("%s %v outside %v..%v", field, x, lo, hi)
	}
	return nil
}

func checkGPUs(n int) error {
	if n < 1 || n > gpuplan.MaxGPUs {
		return fmt.Errorf("gpus %d outside 1..%d", n, gpuplan.MaxGPUs)
	}
	return nil
}

func checkDuration(field string, d time.Duration) error {
	if s := d.Seconds(); s < 0 || s > gpuplan.MaxSeconds {
		return fmt.Errorf("%s %v s outside 0..%v s", field, s, float64(gpuplan.MaxSeconds))
	}
	return nil
}

// finite reports whether x is a number JSON can carry.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
