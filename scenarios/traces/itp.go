package traces

import (
	"bufio"

	"github.com/gpuplan/gpuplan"
)

var itpRequired = []string{"job_id", "submission_time", "duration", "num_gpu"}

// readITP reads a microsoft-itp clusterNN.csv: job_id,submission_time,duration,num_gpu, times in
// seconds. The trace has no owners: they are assigned by assignOwners.
func readITP(br *bufio.Reader, errs *rowErrors, opt Options, hint sizeHint) (*gpuplan.Workload, *Info, error) {
	b := newBuilder(hint.rows, hint.bytes)
	b.cols = columns{id: "job_id", submit: "submission_time", duration: "duration", gpus: "num_gpu"}
	var err error
	b.firstRow, err = eachRow(br, errs, itpRequired, nil, false, func(f [][]byte, pos []int, row int) {
		c := rowCheck{errs: errs, row: row}
		id := c.nonEmpty("job_id", f[pos[0]])
		j := gpuplan.Job{Group: -1}
		j.Submit = c.seconds("submission_time", f[pos[1]])
		j.Duration = c.seconds("duration", f[pos[2]])
		j.GPUs = c.gpus("num_gpu", f[pos[3]])
		switch {
		case c.bad:
		case j.GPUs == 0:
			b.noGPU()
		default:
			b.add(id, &j, row)
		}
	})
	return b.result(err, errs, &opt)
}
