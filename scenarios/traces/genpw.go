package traces

import (
	"bufio"
	"fmt"

	"github.com/gpuplan/gpuplan"
)

var genpwRequired = []string{"u_id", "user", "gpu_num", "interval", "run_time"}

// readGenPW reads a Gen-Parallel-Workloads Philly cut. Submit times are the running sum of interval,
// starting at 0 on the first row (whose own interval points at a job outside the cut and is ignored).
// A row skipped for a bad column still advances the clock by its interval when that one is valid, so
// later jobs keep their times.
func readGenPW(br *bufio.Reader, errs *rowErrors, hint sizeHint) (*gpuplan.Workload, *Info, error) {
	b := newBuilder(hint.rows, hint.bytes)
	b.cols = columns{id: "u_id", submit: "interval", duration: "run_time", gpus: "gpu_num"}
	clock, first := 0.0, true
	var err error
	b.firstRow, err = eachRow(br, errs, genpwRequired, nil, false, func(f [][]byte, pos []int, row int) {
		c := rowCheck{errs: errs, row: row}
		id := c.nonEmpty("u_id", f[pos[0]])
		owner := c.nonEmpty("user", f[pos[1]])
		j := gpuplan.Job{Group: -1}
		j.GPUs = c.gpus("gpu_num", f[pos[2]])
		if iv, err := parseNonNeg(f[pos[3]]); err != nil {
			c.fail("interval", err)
		} else if !first {
			if next := clock + iv; next > gpuplan.MaxSeconds {
				c.fail("interval", fmt.Errorf("the running sum of intervals reaches %.4g s, above the limit of %.0f s (100 years)", next, float64(gpuplan.MaxSeconds)))
			} else {
				clock = next
			}
		}
		first = false
		j.Submit = clock
		j.Duration = c.seconds("run_time", f[pos[4]])
		switch {
		case c.bad:
		case j.GPUs == 0:
			b.noGPU()
		default:
			j.Owner = b.owner(owner)
			b.add(id, &j, row)
		}
	})
	return b.result(err, errs, nil)
}
