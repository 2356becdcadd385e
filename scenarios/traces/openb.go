package traces

import (
	"bufio"
	"errors"
	"fmt"

	"github.com/gpuplan/gpuplan"
)

var (
	openbRequired = []string{"name", "num_gpu", "creation_time", "deletion_time"}
	openbOptional = []string{"scheduled_time", "gpu_milli", "gpu_spec"}
)

var errEndBeforeStart = errors.New("deletion_time is before the pod's start")

// readOpenB reads an alibaba-openb pod list. A pod runs from scheduled_time (creation_time when that
// is empty: a pod never scheduled held its request until deleted) to deletion_time. A GPU-sharing pod
// (num_gpu 1, gpu_milli < 1000) counts as one whole GPU: the simulator allocates whole GPUs.
// gpu_spec, when given, becomes the job's GPU type. The trace has no owners: they are assigned by
// assignOwners.
func readOpenB(br *bufio.Reader, errs *rowErrors, opt Options, hint sizeHint) (*gpuplan.Workload, *Info, error) {
	b := newBuilder(hint.rows, hint.bytes)
	b.cols = columns{id: "name", submit: "creation_time", duration: "deletion_time", gpus: "num_gpu"}
	var err error
	b.firstRow, err = eachRow(br, errs, openbRequired, openbOptional, false, func(f [][]byte, pos []int, row int) {
		c := rowCheck{errs: errs, row: row}
		id := c.nonEmpty("name", f[pos[0]])
		j := gpuplan.Job{Group: -1}
		j.GPUs = c.gpus("num_gpu", f[pos[1]])
		created := c.seconds("creation_time", f[pos[2]])
		deleted := c.seconds("deletion_time", f[pos[3]])
		start := created
		if p := pos[4]; p >= 0 && len(trimSpace(f[p])) > 0 {
			start = c.seconds("scheduled_time", f[p])
		}
		if p := pos[5]; p >= 0 && len(trimSpace(f[p])) > 0 {
			c.num("gpu_milli", f[p])
		}
		if !c.bad && deleted < start {
			c.fail("deletion_time", fmt.Errorf("%w (%v < %v)", errEndBeforeStart, deleted, start))
		}
		j.Submit = created
		j.Duration = deleted - start
		switch {
		case c.bad:
		case j.GPUs == 0:
			b.noGPU()
		default:
			if p := pos[6]; p >= 0 {
				j.GPUType = b.gpuType(trimSpace(f[p]))
			}
			b.add(id, &j, row)
		}
	})
	return b.result(err, errs, &opt)
}
