package traces

import "github.com/gpuplan/gpuplan/sim"

// builder accumulates jobs, interning owner, group and GPU type names, and keeps job IDs in one
// arena turned into a single string at the end: a million IDs then cost one allocation, not a million.
type builder struct {
	w      sim.Workload
	owners map[string]int32
	groups map[string]int32
	types  map[string]string
	arena  []byte
	idEnd  []int
}

// newBuilder makes a builder with room for rows jobs and idBytes bytes of IDs (0: grow as needed).
func newBuilder(rows, idBytes int) *builder {
	b := &builder{
		owners: make(map[string]int32),
		groups: make(map[string]int32),
		types:  make(map[string]string),
	}
	if rows > 0 {
		b.w.Jobs = make([]sim.Job, 0, rows)
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

// add appends j with id; j.ID is filled in by finish.
func (b *builder) add(id []byte, j *sim.Job) {
	if len(b.w.Jobs) == cap(b.w.Jobs) {
		b.grow()
	}
	b.arena = append(b.arena, id...)
	b.idEnd = append(b.idEnd, len(b.arena))
	b.w.Jobs = append(b.w.Jobs, *j)
}

// grow doubles the job slices: append's own growth (1.25x for large slices) would allocate about
// five times the final size while streaming a million rows of unknown count.
func (b *builder) grow() {
	n := max(2*cap(b.w.Jobs), 1024)
	jobs := make([]sim.Job, len(b.w.Jobs), n)
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

// result ends a read: the reader's own error first, then the row errors (unless skipped), else
// the workload.
func (b *builder) result(err error, errs *rowErrors) (*sim.Workload, error) {
	if err == nil {
		err = errs.err()
	}
	if err != nil {
		return nil, err
	}
	return b.finish(errs), nil
}

func (b *builder) finish(errs *rowErrors) *sim.Workload {
	ids := string(b.arena)
	start := 0
	for i, end := range b.idEnd {
		b.w.Jobs[i].ID = ids[start:end]
		start = end
	}
	if errs.skip {
		b.w.Skipped += errs.badRows
	}
	if b.w.Jobs == nil {
		b.w.Jobs = []sim.Job{}
	}
	return &b.w
}
