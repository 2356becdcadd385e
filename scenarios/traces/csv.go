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

func readCSV(br *bufio.Reader, errs *rowErrors, sizeHint int) (*sim.Workload, error) {
	rs := newRecords(br)
	fields, row, err := rs.header(errs)
	if err != nil {
		return nil, err
	}
	pos := parseHeader(fields, row, errs, csvRequired, csvOptional, true)
	if err := errs.err(); err != nil {
		return nil, err
	}
	width := len(fields)
	b := newBuilder(sizeHint)
	var j sim.Job
	for {
		fields, row, done, err := rs.next(errs)
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
		if len(fields) != width {
			errs.add(row, "", fmt.Errorf("wrong field count: %d, header has %d", len(fields), width))
			continue
		}
		bad := false
		fail := func(col int, err error) {
			errs.add(row, csvName(col), err)
			bad = true
		}
		j = sim.Job{Group: -1}
		id := fields[pos[cID]]
		if len(id) == 0 {
			fail(cID, errEmpty)
		}
		owner := fields[pos[cOwner]]
		if len(owner) == 0 {
			fail(cOwner, errEmpty)
		}
		if j.Submit, err = parseNonNeg(fields[pos[cSubmit]]); err != nil {
			fail(cSubmit, err)
		}
		if j.GPUs, err = parseCount(fields[pos[cGPUs]]); err != nil {
			fail(cGPUs, err)
		}
		if j.Duration, err = parseNonNeg(fields[pos[cDuration]]); err != nil {
			fail(cDuration, err)
		}
		if p := pos[cPower]; p >= 0 && len(trimSpace(fields[p])) > 0 {
			if j.PowerW, err = parseNonNeg(fields[p]); err != nil {
				fail(cPower, err)
			}
		}
		if p := pos[cUtil]; p >= 0 && len(trimSpace(fields[p])) > 0 {
			if j.Util, err = parseNonNeg(fields[p]); err != nil {
				fail(cUtil, err)
			} else if j.Util > 1 {
				fail(cUtil, fmt.Errorf("%s: %w", quote(fields[p]), errUtilRange))
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
	if err := errs.err(); err != nil {
		return nil, err
	}
	return b.finish(errs), nil
}

func csvName(col int) string {
	if col < len(csvRequired) {
		return csvRequired[col]
	}
	return csvOptional[col-len(csvRequired)]
}
