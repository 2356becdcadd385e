package traces

import (
	"bytes"
	"runtime"
	"sync"

	"github.com/gpuplan/gpuplan"
)

// minChunk is the least input worth a goroutine of its own.
const minChunk = 4 << 20

// readCSVBytes reads a canonical workload CSV held in memory, splitting the rows into chunks parsed
// in parallel when the input is large and has no quotes (a quoted field may span lines, so a chunk
// boundary could fall inside one). The result equals the sequential reader's: chunks are merged in
// order, owners and groups renumbered in first-appearance order, row numbers made file-global.
func readCSVBytes(data []byte, errs *rowErrors) (*gpuplan.Workload, *Info, error) {
	return readCSVChunks(data, errs, min(runtime.GOMAXPROCS(0), len(data)/minChunk, 16))
}

// readCSVChunks is readCSVBytes with k chunks (tests force k > 1 on small inputs).
func readCSVChunks(data []byte, errs *rowErrors, k int) (*gpuplan.Workload, *Info, error) {
	rs := memRecords(data, 1)
	pos, width, err := csvHeader(rs, errs)
	if err != nil {
		return nil, nil, err
	}
	rest, firstLine := rs.data, rs.lineNo
	if k < 2 || bytes.IndexByte(rest, '"') >= 0 {
		b := newBuilder(bytes.Count(rest, []byte{'\n'})+1, len(rest)/2)
		b.cols, b.firstRow = csvCols, firstLine
		err := csvRows(rs, pos, width, b, errs)
		return b.result(err, errs, nil)
	}

	chunks := splitLines(rest, k)
	type part struct {
		b     *builder
		errs  rowErrors
		lines int // physical lines in the chunk
		err   error
	}
	parts := make([]part, len(chunks))
	// Count rows first so that every chunk appends into its own window of one shared job slice.
	counts := make([]int, len(chunks))
	var wg sync.WaitGroup
	for i, c := range chunks {
		wg.Go(func() { counts[i] = bytes.Count(c, []byte{'\n'}) + 1 })
	}
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	jobs := make([]gpuplan.Job, total)
	off := 0
	for i, c := range chunks {
		p := &parts[i]
		p.errs = rowErrors{file: errs.file, skip: errs.skip}
		p.b = newBuilder(0, 0)
		p.b.w.Jobs = jobs[off : off : off+counts[i]]
		p.b.arena = make([]byte, 0, len(c)/2)
		p.b.idEnd = make([]int, 0, counts[i])
		off += counts[i]
		wg.Go(func() {
			r := memRecords(c, 1)
			r.first = false
			p.err = csvRows(r, pos, width, p.b, &p.errs)
			p.lines = r.lineNo - 1
		})
	}
	wg.Wait()

	// Merge: errors in row order, owners and groups renumbered, jobs moved down over the gaps that
	// skipped rows left in each window.
	line := firstLine - 1
	out := newBuilder(0, 0)
	out.cols, out.firstRow = csvCols, firstLine
	n := 0
	for i := range parts {
		p := &parts[i]
		if p.err != nil {
			return nil, nil, p.err
		}
		errs.merge(&p.errs, line)
		line += p.lines
		w := p.b.finish(&p.errs)
		ownerMap := make([]int32, len(w.Owners))
		for o, name := range w.Owners {
			ownerMap[o] = out.owner([]byte(name))
		}
		groupMap := make([]int32, len(w.Groups))
		for g, name := range w.Groups {
			groupMap[g] = out.group([]byte(name))
		}
		for x := range w.Jobs {
			j := &w.Jobs[x]
			j.Owner = ownerMap[j.Owner]
			if j.Group >= 0 {
				j.Group = groupMap[j.Group]
			}
		}
		out.rows.merge(&p.b.rows, n, line-p.lines)
		if out.sorted && n > 0 && len(w.Jobs) > 0 {
			out.sorted = p.b.sorted && idLess([]byte(jobs[n-1].ID), []byte(w.Jobs[0].ID))
		} else {
			out.sorted = out.sorted && p.b.sorted
		}
		out.span.merge(&p.b.span, n)
		n += copy(jobs[n:], w.Jobs)
		out.w.Skipped += w.Skipped
		out.skips.NoGPU += p.b.skips.NoGPU
		out.skips.Bad += p.b.skips.Bad
	}
	if err := errs.err(); err != nil {
		return nil, nil, err
	}
	out.w.Jobs = jobs[:n:n]
	return out.vet(errs, nil)
}

// splitLines cuts data into about k pieces, each ending just after a newline (the last at the end).
func splitLines(data []byte, k int) [][]byte {
	var out [][]byte
	size := len(data) / k
	for len(out) < k-1 && len(data) > size {
		i := bytes.IndexByte(data[size:], '\n')
		if i < 0 {
			break
		}
		out = append(out, data[:size+i+1])
		data = data[size+i+1:]
	}
	return append(out, data)
}
