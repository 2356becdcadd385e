package planner

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// progressFunc is told tasks done and tasks known so far; total may grow (a search adds rounds).
type progressFunc func(done, total int)

// counter serialises progress reports from the workers.
type counter struct {
	mu          sync.Mutex
	done, total int
	report      progressFunc
}

func (c *counter) add(total int) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += total
	if c.report != nil {
		c.report(c.done, c.total)
	}
}

func (c *counter) tick() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done++
	if c.report != nil {
		c.report(c.done, c.total)
	}
}

// each runs fn(0..n-1) on at most workers goroutines (0: GOMAXPROCS). Results go by index, so
// the outcome never depends on which task finishes first; after a failure no new task starts and
// the failure of the lowest index is returned.
func each(n, workers int, c *counter, fn func(i int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	errs := make([]error, n)
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if errs[i] = fn(i); errs[i] != nil {
					failed.Store(true)
				}
				c.tick()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
