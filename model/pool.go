package model

import "sync"

// job is work split across the pool's workers: do is called once by every
// worker with its index w in [0, n).
type job interface {
	do(w, n int)
}

// pool is a fixed set of persistent worker goroutines. The calling goroutine
// acts as worker 0, so a pool of one thread starts no goroutines. Jobs are
// passed as interfaces to preallocated structs, so running one allocates
// nothing.
type pool struct {
	n     int
	start []chan job
	wg    sync.WaitGroup
}

func newPool(threads int) *pool {
	p := &pool{n: max(threads, 1)}
	p.start = make([]chan job, p.n)
	for w := 1; w < p.n; w++ {
		p.start[w] = make(chan job, 1)
		go p.worker(w)
	}
	return p
}

func (p *pool) worker(w int) {
	for j := range p.start[w] {
		j.do(w, p.n)
		p.wg.Done()
	}
}

// run executes j on every worker and returns when all are done.
func (p *pool) run(j job) {
	p.wg.Add(p.n - 1)
	for w := 1; w < p.n; w++ {
		p.start[w] <- j
	}
	j.do(0, p.n)
	p.wg.Wait()
}

// close stops the workers.
func (p *pool) close() {
	for w := 1; w < p.n; w++ {
		close(p.start[w])
	}
}

// split returns the part [lo, hi) of n items that worker w of nw handles.
func split(n, w, nw int) (lo, hi int) {
	return n * w / nw, n * (w + 1) / nw
}
