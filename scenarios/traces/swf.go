package traces

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"

	"github.com/gpuplan/gpuplan"
)

// swfFields names the 18 fields of the Standard Workload Format, in order, for error messages.
var swfFields = [18]string{
	"job", "submit", "wait", "run_time", "allocated_processors", "average_cpu_time", "used_memory",
	"requested_processors", "requested_time", "requested_memory", "status", "user", "group",
	"executable", "queue", "partition", "preceding_job", "think_time",
}

const (
	swfJob       = 0
	swfSubmit    = 1
	swfRunTime   = 3
	swfAllocated = 4
	swfRequested = 7
	swfUser      = 11
	swfGroup     = 12
)

// readSWF reads the Standard Workload Format: ';' comment lines, then one job per line of 18
// whitespace-separated fields, -1 meaning unknown. Processors become GPUs (allocated, else
// requested); the user becomes owner "u<id>" ("unknown" for -1), the group "g<id>". Jobs with an
// unknown run time or no processors are skipped and counted.
func readSWF(br *bufio.Reader, errs *rowErrors, hint sizeHint) (*gpuplan.Workload, *Info, error) {
	b := newBuilder(hint.rows, hint.bytes)
	b.cols = columns{id: swfFields[swfJob], submit: swfFields[swfSubmit], duration: swfFields[swfRunTime], gpus: swfFields[swfAllocated]}
	b.firstRow = 1
	rs := newRecords(br)
	fields := make([][]byte, 0, 18)
	var name []byte
	for {
		row := rs.lineNo
		line, err := rs.line()
		if err != nil {
			if err == io.EOF {
				break
			}
			if err == errLongLine {
				return nil, nil, &RowError{File: errs.file, Row: row, Err: err}
			}
			return nil, nil, fmt.Errorf("traces: %s: line %d: %w", errs.file, row, err)
		}
		line = trimSpace(line)
		if len(line) == 0 || line[0] == ';' {
			continue
		}
		fields = splitSpace(line, fields[:0])
		if len(fields) != 18 {
			errs.add(row, "", fmt.Errorf("wrong field count: %d, SWF has 18", len(fields)))
			continue
		}
		c := rowCheck{errs: errs, row: row}
		j := gpuplan.Job{Group: -1}
		j.Submit = c.seconds(swfFields[swfSubmit], fields[swfSubmit])
		run := c.swfNum(swfRunTime, fields[swfRunTime])
		if run > gpuplan.MaxSeconds {
			c.fail(swfFields[swfRunTime], fmt.Errorf("%s is above the limit of %.0f s (100 years)", quote(fields[swfRunTime]), float64(gpuplan.MaxSeconds)))
		}
		procs := c.swfNum(swfAllocated, fields[swfAllocated])
		if procs == -1 {
			procs = c.swfNum(swfRequested, fields[swfRequested])
		}
		if procs > gpuplan.MaxGPUs || procs != math.Trunc(procs) {
			c.fail(swfFields[swfAllocated], fmt.Errorf("%.4g is not a whole processor count of at most %d", procs, gpuplan.MaxGPUs))
		}
		user := c.swfNum(swfUser, fields[swfUser])
		group := c.swfNum(swfGroup, fields[swfGroup])
		switch {
		case c.bad:
			continue
		case run == -1:
			b.w.Skipped++
			b.skips.NoDuration++
			continue
		case procs <= 0:
			b.noGPU()
			continue
		}
		j.Duration = run
		j.GPUs = int32(procs)
		if user == -1 {
			j.Owner = b.owner([]byte("unknown"))
		} else {
			name = append(append(name[:0], 'u'), fields[swfUser]...)
			j.Owner = b.owner(name)
		}
		if group != -1 {
			name = append(append(name[:0], 'g'), fields[swfGroup]...)
			j.Group = b.group(name)
		}
		b.add(fields[swfJob], &j, row)
	}
	return b.result(nil, errs, nil)
}

// swfNum parses an SWF field: -1 (unknown) or a finite non-negative number.
func (c *rowCheck) swfNum(field int, b []byte) float64 {
	if bytes.Equal(b, []byte("-1")) {
		return -1
	}
	return c.num(swfFields[field], b)
}

func splitSpace(b []byte, out [][]byte) [][]byte {
	i := 0
	for i < len(b) {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
			i++
		}
		if i == len(b) {
			break
		}
		s := i
		for i < len(b) && b[i] != ' ' && b[i] != '\t' {
			i++
		}
		out = append(out, b[s:i])
	}
	return out
}
