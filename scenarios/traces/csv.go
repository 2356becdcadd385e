package traces

import (
	"bufio"
	"errors"
	"fmt"

	"github.com/gpuplan/gpuplan/sim"
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

// readCSV reads a canonical workload CSV from a stream.
func readCSV(br *bufio.Reader, errs *rowErrors, hint sizeHint) (*sim.Workload, error) {
	rs := newRecords(br)
	pos, width, err := csvHeader(rs, errs)
	if err != nil {
		return nil, err
	}
	b := newBuilder(hint.rows, hint.bytes/2)
	if err := csvRows(rs, pos, width, b, errs); err != nil {
		return nil, err
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return b.finish(errs), nil
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
	var j sim.Job
	for {
		fields, row, done, err := rs.next(errs)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		if len(fields) != width {
			errs.add(row, "", fmt.Errorf("wrong field count: %d, header has %d", len(fields), width))
			continue
		}
		bad := false
		j = sim.Job{Group: -1}
		id := fields[pos[cID]]
		if len(trimSpace(id)) == 0 {
			errs.add(row, csvRequired[cID], errEmpty)
			bad = true
		}
		owner := fields[pos[cOwner]]
		if len(trimSpace(owner)) == 0 {
			errs.add(row, csvRequired[cOwner], errEmpty)
			bad = true
		}
		if j.Submit, err = parseNonNeg(fields[pos[cSubmit]]); err != nil {
			errs.add(row, csvRequired[cSubmit], err)
			bad = true
		}
		if j.GPUs, err = parseCount(fields[pos[cGPUs]]); err != nil {
			errs.add(row, csvRequired[cGPUs], err)
			bad = true
		}
		if j.Duration, err = parseNonNeg(fields[pos[cDuration]]); err != nil {
			errs.add(row, csvRequired[cDuration], err)
			bad = true
		}
		if p := pos[cPower]; p >= 0 && len(trimSpace(fields[p])) > 0 {
			if j.PowerW, err = parseNonNeg(fields[p]); err != nil {
				errs.add(row, "power_w", err)
				bad = true
			}
		}
		if p := pos[cUtil]; p >= 0 && len(trimSpace(fields[p])) > 0 {
			if j.Util, err = parseNonNeg(fields[p]); err != nil {
				errs.add(row, "util", err)
				bad = true
			} else if j.Util > 1 {
				errs.add(row, "util", fmt.Errorf("%s: %w", quote(fields[p]), errUtilRange))
				bad = true
			}
		}
		if bad {
			continue
		}
		if j.GPUs == 0 {
			b.w.Skipped++
			continue
		}
		j.Owner = b.owner(owner)
		if p := pos[cGroup]; p >= 0 {
			j.Group = b.group(fields[p])
		}
		if p := pos[cGPUType]; p >= 0 {
			j.GPUType = b.gpuType(fields[p])
		}
		b.add(id, &j)
	}
}
