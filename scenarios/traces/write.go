package traces

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/gpuplan/gpuplan"
)

// WriteCSV writes wl as a canonical workload CSV that Read gives back unchanged (jobs, owners in
// first-appearance order, groups, GPU types; skipped counts are not written). Optional columns
// appear only when some job uses them; numbers are written in the shortest form that reads back
// exactly.
func WriteCSV(w io.Writer, wl *gpuplan.Workload) error {
	var hasGroup, hasType, hasPower, hasUtil bool
	for i := range wl.Jobs {
		j := &wl.Jobs[i]
		if j.Owner < 0 || int(j.Owner) >= len(wl.Owners) {
			return fmt.Errorf("traces: write: job %d (%q): owner index %d out of range", i, j.ID, j.Owner)
		}
		if j.Group >= int32(len(wl.Groups)) {
			return fmt.Errorf("traces: write: job %d (%q): group index %d out of range", i, j.ID, j.Group)
		}
		hasGroup = hasGroup || j.Group >= 0
		hasType = hasType || j.GPUType != ""
		hasPower = hasPower || j.PowerW != 0
		hasUtil = hasUtil || j.Util != 0
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString("id,owner,submit_s,gpus,duration_s")
	for _, c := range []struct {
		on   bool
		name string
	}{{hasGroup, "group"}, {hasType, "gpu_type"}, {hasPower, "power_w"}, {hasUtil, "util"}} {
		if c.on {
			bw.WriteString("," + c.name)
		}
	}
	bw.WriteByte('\n')
	var buf []byte
	for i := range wl.Jobs {
		j := &wl.Jobs[i]
		buf = appendField(buf[:0], j.ID)
		buf = append(buf, ',')
		buf = appendField(buf, wl.Owners[j.Owner])
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, j.Submit, 'f', -1, 64)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(j.GPUs), 10)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, j.Duration, 'f', -1, 64)
		if hasGroup {
			buf = append(buf, ',')
			if j.Group >= 0 {
				buf = appendField(buf, wl.Groups[j.Group])
			}
		}
		if hasType {
			buf = append(buf, ',')
			buf = appendField(buf, j.GPUType)
		}
		if hasPower {
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, j.PowerW, 'f', -1, 64)
		}
		if hasUtil {
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, j.Util, 'f', -1, 64)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("traces: write: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("traces: write: %w", err)
	}
	return nil
}

// appendField quotes s when CSV needs it to read back the same string.
func appendField(buf []byte, s string) []byte {
	if s == "" || !bytes.ContainsAny([]byte(s), ",\"\r\n") {
		return append(buf, s...)
	}
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			buf = append(buf, '"')
		}
		buf = append(buf, s[i])
	}
	return append(buf, '"')
}

// WritePools writes pools as a pools CSV that ReadPools reads back unchanged.
func WritePools(w io.Writer, pools []gpuplan.Pool) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("owner,gpus,gpus_per_node,gpu_type,site\n")
	var buf []byte
	for _, p := range pools {
		buf = appendField(buf[:0], p.Owner)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(p.GPUs), 10)
		buf = append(buf, ',')
		if p.GPUsPerNode > 0 {
			buf = strconv.AppendInt(buf, int64(p.GPUsPerNode), 10)
		}
		buf = append(buf, ',')
		buf = appendField(buf, p.GPUType)
		buf = append(buf, ',')
		buf = appendField(buf, p.Site)
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("traces: write pools: %w", err)
	}
	return nil
}
