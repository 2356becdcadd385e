package sim

// fifo starts jobs strictly in queue order and stops at the first that does not fit: that head
// blocks everyone behind it. The fragmented world uses it for every private pool.
type fifo struct{}

var _ policy = fifo{}

func (fifo) Schedule(v *view, p *plan) {
	for i, n := 0, v.Len(); i < n; i++ {
		if v.Waiting(i) && !p.Start(i) {
			break
		}
	}
}
