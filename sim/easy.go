package sim

import "math"

// easy is EASY backfilling (Lifka 1995; Mu'alem and Feitelson 2001). Jobs start in queue order
// while they fit. When the head H does not, it gets a reservation at its shadow time s: the earliest
// estimated end of a running job at which the GPUs (and, under a cap, the power) then free cover
// H's need, counting every job estimated to end exactly at s; extra is what is free at s beyond H's
// need. A later job J starts now if it fits now and either ends by s (now + estimate <= s) or takes
// no more than extra (which it then uses up).
type easy struct {
	// The reservation left by the last pass, valid while nothing was freed or started since
	// (the pool version is unchanged) and the head is the same: then every job scanned then would
	// be refused again, and only jobs that arrived since need a look.
	valid  bool
	ver    uint64
	head   int32
	s      float64
	extra  room
	resume int
}

var _ policy = (*easy)(nil)

func (p *easy) Schedule(v *view, pl *plan) {
	n := v.Len()
	now := v.Now()
	var s float64
	var extra room
	from := 0
	if p.valid && p.ver == v.Version() && n > 0 && v.Job(0).Job == p.head && p.s > now {
		s, extra, from = p.s, p.extra, p.resume
	} else {
		i := 0
		for i < n && pl.Start(i) {
			i++
		}
		if i == n {
			p.valid = false
			return
		}
		s, extra = p.shadow(v, v.Need(i))
		p.head = v.Job(i).Job
		from = i + 1
	}
	for j := from; j < n; j++ {
		free := v.Free()
		if free.GPUs < v.MinGPUs() {
			break
		}
		if !v.Waiting(j) {
			continue
		}
		q := v.Job(j)
		if q.GPUs > free.GPUs {
			continue
		}
		if now+q.Estimate <= s {
			pl.Start(j)
			continue
		}
		if need := v.Need(j); extra.covers(need) && pl.Start(j) {
			extra = extra.minus(need)
		}
	}
	p.valid, p.ver, p.s, p.extra, p.resume = true, v.Version(), s, extra, n-pl.started
}

// shadow finds the head's reservation: s, the earliest estimated end at which enough is free, and
// extra, what is free at s beyond need. s is +Inf when the running jobs can never free enough
// (power held by other pools of the site): then nothing is reserved.
func (p *easy) shadow(v *view, need room) (s float64, extra room) {
	acc := v.Free()
	s = math.Inf(1)
	if acc.covers(need) { // node fragmentation or power only: the reservation is now
		s = v.Now()
	}
	for r := v.Running(); r.Next(); {
		end := r.End()
		if end > s {
			break
		}
		acc = acc.plus(r.Frees())
		if math.IsInf(s, 1) && acc.covers(need) {
			s = end
		}
	}
	if math.IsInf(s, 1) {
		return s, room{}
	}
	return s, acc.minus(need)
}
