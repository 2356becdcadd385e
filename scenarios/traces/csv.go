package traces

import (
	"bufio"
	"errors"
	"fmt"

	"github.com/gpuplan/gpuplan"
)

// Canonical workload CSV columns (design §8): required first, then optional.
var (
	csvRequired = []string{"id", "owner", "submit_s", "gpus", "duration_s"}
	csvOptional = []string{"group", "gpu_type", "power_w", "util"}
)

const (
	cID = iota
	cOwner
	cSubmit
	cGPUs
	cDuration
	cGroup
	cGPUType
	cPower
	cUtil
)

var errUtilRange = errors.New("utilization must be between 0 and 1")

var csvCols = columns{id: "id", submit: "submit_s", duration: "duration_s", gpus: "gpus"}

// readCSV reads a canonical workload CSV from a stream.
func readCSV(br *bufio.Reader, errs *rowErrors, hint sizeHint) (*gpuplan.Workload, *Info, error) {
	rs := newRecords(br)
	pos, width, err := csvHeader(rs, errs)
	if err != nil {
		return nil, nil, err
	}
	b := newBuilder(hint.rows, hint.bytes/2)
	b.cols, b.firstRow = csvCols, rs.lineNo
	err = csvRows(rs, pos, width, b, errs)
	return b.result(err, errs, nil)
}

func csvHeader(rs *records, errs *rowErrors) (pos []int, width int, err error) {
	fields, row, err := rs.header(errs)
	if err != nil {
		return nil, 0, err
	}
	pos = parseHeader(fields, row, errs, csvRequired, csvOptional, true)
	if err := errs.err(); err != nil {
		return nil, 0, err
	}
	return pos, len(fields), nil
}

// csvRows reads the data rows of a canonical CSV into b.
func csvRows(rs *records, pos []int, width int, b *builder, errs *rowErrors) error {
	return rows(rs, width, errs, func(fields [][]byte, row int) {
		c := rowCheck{errs: errs, row: row}
		j := gpuplan.Job{Group: -1}
		id := c.nonEmpty(csvRequired[cID], fields[pos[cID]])
		owner := c.nonEmpty(csvRequired[cOwner], fields[pos[cOwner]])
		j.Submit = c.seconds(csvRequired[cSubmit], fields[pos[cSubmit]])
		j.GPUs = c.gpus(csvRequired[cGPUs], fields[pos[cGPUs]])
		j.Duration = c.seconds(csvRequired[cDuration], fields[pos[cDuration]])
		if p := pos[cPower]; p >= 0 && len(trimSpace(fields[p])) > 0 {
			if v := c.num("power_w", fields[p]); v > gpuplan.MaxPowerW {
				c.fail("power_w", fmt.Errorf("%s is above the limit of %d W per GPU", quote(trimSpace(fields[p])), gpuplan.MaxPowerW))
			} else {
				j.PowerW = v
			}
		}
		if p := pos[cUtil]; p >= 0 && len(trimSpace(fields[p])) > 0 {
			if u, err := parseNonNeg(fields[p]); err != nil {
				c.fail("util", err)
			} else if u > 1 {
				c.fail("util", fmt.Errorf("%s: %w", quote(fields[p]), errUtilRange))
			} else {
				j.Util = u
			}
		}
		switch {
		case c.bad:
		case j.GPUs == 0:
			b.noGPU()
		default:
			j.Owner = b.owner(owner)
			if p := pos[cGroup]; p >= 0 {
				j.Group = b.group(fields[p])
			}
			if p := pos[cGPUType]; p >= 0 {
				j.GPUType = b.gpuType(fields[p])
			}
			b.add(id, &j, row)
		}
	})
}
