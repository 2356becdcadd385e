package traces

import (
	"bytes"
	"sort"

	"github.com/gpuplan/gpuplan"
)

// builder accumulates jobs, interning owner, group and GPU type names, and keeps job IDs in one
// arena turned into a single string at the end: a million IDs then cost one allocation, not a million.
// Beside the jobs it keeps what the checks after the read need (vet.go): the jobs' rows, whether
// the IDs came in increasing order, and the extremes of the trace's span and demand.
type builder struct {
	w      gpuplan.Workload
	owners map[string]int32
	groups map[string]int32
	types  map[string]string
	arena  []byte
	idEnd  []int
	rows   rowMap
	sorted bool // IDs strictly increasing so far (shorter first, then bytewise): none repeats
	span   span
	skips  Skips
	cols   columns
	// firstRow is the row after the header, where a file without jobs is reported.
	firstRow int
}

// columns names, per format, the columns a job's ID, submit, duration and GPUs come from.
type columns struct{ id, submit, duration, gpus string }

// newBuilder makes a builder with room for rows jobs and idBytes bytes of IDs (0: grow as needed).
func newBuilder(rows, idBytes int) *builder {
	b := &builder{
		owners: make(map[string]int32),
		groups: make(map[string]int32),
		types:  make(map[string]string),
		sorted: true,
		span:   newSpan(),
	}
	if rows > 0 {
		b.w.Jobs = make([]gpuplan.Job, 0, rows)
		b.idEnd = make([]int, 0, rows)
	}
	if idBytes > 0 {
		b.arena = make([]byte, 0, idBytes)
	}
	return b
}

func (b *builder) owner(name []byte) int32 { return intern(b.owners, &b.w.Owners, name) }

// group interns a group name; an empty name means no group (-1).
func (b *builder) group(name []byte) int32 {
	if len(name) == 0 {
		return -1
	}
	return intern(b.groups, &b.w.Groups, name)
}

// intern returns name's index in list, appending it the first time it is seen.
func intern(idx map[string]int32, list *[]string, name []byte) int32 {
	if i, ok := idx[string(name)]; ok {
		return i
	}
	i := int32(len(*list))
	s := string(name)
	idx[s] = i
	*list = append(*list, s)
	return i
}

func (b *builder) gpuType(name []byte) string {
	if len(name) == 0 {
		return ""
	}
	if s, ok := b.types[string(name)]; ok {
		return s
	}
	s := string(name)
	b.types[s] = s
	return s
}

// noGPU counts a row skipped for asking no GPU.
func (b *builder) noGPU() {
	b.w.Skipped++
	b.skips.NoGPU++
}

// add appends j with id, read from row; j.ID is filled in by finish.
func (b *builder) add(id []byte, j *gpuplan.Job, row int) {
	if len(b.w.Jobs) == cap(b.w.Jobs) {
		b.grow()
	}
	if b.sorted && len(b.idEnd) > 0 {
		start := 0
		if n := len(b.idEnd); n > 1 {
			start = b.idEnd[n-2]
		}
		b.sorted = idLess(b.arena[start:], id)
	}
	b.span.push(len(b.w.Jobs), j.Submit, j.Submit+j.Duration, float64(j.GPUs)*j.Duration)
	b.arena = append(b.arena, id...)
	b.idEnd = append(b.idEnd, len(b.arena))
	b.rows.add(len(b.w.Jobs), row)
	b.w.Jobs = append(b.w.Jobs, *j)
}

// idLess orders IDs shorter first, then bytewise, so that numbered IDs (1, 2, ..., 10) and
// zero-padded ones (job-0001) both come out increasing when the file lists them in order.
func idLess(a, b []byte) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return bytes.Compare(a, b) < 0
}

// grow doubles the job slices: append's own growth (1.25x for large slices) would allocate about
// five times the final size while streaming a million rows of unknown count.
func (b *builder) grow() {
	n := max(2*cap(b.w.Jobs), 1024)
	jobs := make([]gpuplan.Job, len(b.w.Jobs), n)
	copy(jobs, b.w.Jobs)
	b.w.Jobs = jobs
	ends := make([]int, len(b.idEnd), n)
	copy(ends, b.idEnd)
	b.idEnd = ends
	if len(b.arena) > cap(b.arena)/2 {
		arena := make([]byte, len(b.arena), 2*cap(b.arena)+16*1024)
		copy(arena, b.arena)
		b.arena = arena
	}
}

// result ends a read: the reader's own error first, then the row errors (unless skipped), then
// the checks of the whole workload (vet), else the workload. With owners set, the jobs get
// synthetic owners first (the formats without any).
func (b *builder) result(err error, errs *rowErrors, owners *Options) (*gpuplan.Workload, *Info, error) {
	if err == nil {
		err = errs.err()
	}
	if err != nil {
		return nil, nil, err
	}
	w := b.finish(errs)
	var ids *idSet
	if owners != nil {
		ids = newIDSet(len(w.Jobs))
		assignOwners(w, *owners, ids)
	}
	return b.vet(errs, ids)
}

// finish turns the arena into the jobs' IDs and adds the bad rows skipped to the counts.
func (b *builder) finish(errs *rowErrors) *gpuplan.Workload {
	ids := string(b.arena)
	start := 0
	for i, end := range b.idEnd {
		b.w.Jobs[i].ID = ids[start:end]
		start = end
	}
	if errs.skip {
		b.w.Skipped += errs.badRows
		b.skips.Bad += errs.badRows
	}
	if b.w.Jobs == nil {
		b.w.Jobs = []gpuplan.Job{}
	}
	return &b.w
}

// rowMap gives each job's file row while storing only where rows stop following jobs one to one
// (a skipped row, a blank line, a comment): a file with none costs one entry, not one per job.
type rowMap struct {
	marks []rowMark
	next  int // the row that would continue the last run
}

// rowMark says that job job sits on row row, and the jobs after it on the following rows.
type rowMark struct{ job, row int }

// add records that job i sits on row; jobs are added in order.
func (m *rowMap) add(i, row int) {
	if row != m.next || len(m.marks) == 0 {
		m.marks = append(m.marks, rowMark{i, row})
	}
	m.next = row + 1
}

// row returns job i's row.
func (m *rowMap) row(i int) int {
	k := sort.Search(len(m.marks), func(k int) bool { return m.marks[k].job > i }) - 1
	return m.marks[k].row + i - m.marks[k].job
}

// merge appends the marks of jobs that sit jobs further on and lines further down.
func (m *rowMap) merge(o *rowMap, jobs, lines int) {
	for _, k := range o.marks {
		m.add(k.job+jobs, k.row+lines)
	}
}
