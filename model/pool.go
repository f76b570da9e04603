package model

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// job is work split across the pool's workers: do is called once by every
// worker with its index w in [0, n).
type job interface {
	do(w, n int)
}

// A waiting worker first polls for new work in a tight loop (hotRounds
// polls, a few microseconds: the gap between two parallel regions of a
// forward pass), then polls yielding the processor between polls
// (spinRounds polls), and then parks. The spin saves waking a parked
// thread for every region; parking keeps idle sessions from burning CPU.
const (
	hotRounds  = 20000
	spinRounds = 2000
)

// pool is a fixed set of persistent worker goroutines. The calling goroutine
// acts as worker 0, so a pool of one thread starts no goroutines. Jobs are
// passed as interfaces to preallocated structs, so running one allocates
// nothing.
type pool struct {
	n       int
	current job
	gen     atomic.Uint64 // bumped once per job; workers wait for a change
	pending atomic.Int32  // workers that have not finished the current job
	parked  atomic.Int32  // workers parked (or about to park) in wait
	closed  atomic.Bool

	mu   sync.Mutex // guards parking
	cond *sync.Cond
}

func newPool(threads int) *pool {
	p := &pool{n: max(threads, 1)}
	p.cond = sync.NewCond(&p.mu)
	for w := 1; w < p.n; w++ {
		go p.worker(w)
	}
	return p
}

func (p *pool) worker(w int) {
	seen := uint64(0)
	for {
		seen = p.wait(seen)
		if p.closed.Load() {
			return
		}
		p.current.do(w, p.n)
		p.pending.Add(-1)
	}
}

// wait returns the generation after seen, spinning briefly and then
// parking until it arrives or the pool closes.
func (p *pool) wait(seen uint64) uint64 {
	for i := 0; i < hotRounds; i++ {
		if g := p.gen.Load(); g != seen {
			return g
		}
	}
	for i := 0; i < spinRounds; i++ {
		if g := p.gen.Load(); g != seen {
			return g
		}
		if i%16 == 15 {
			runtime.Gosched()
		}
	}
	// Announce the park before the last check of gen: run bumps gen
	// before it reads parked, so either it sees this worker parked and
	// wakes it, or this worker sees the new generation.
	p.mu.Lock()
	defer p.mu.Unlock()
	p.parked.Add(1)
	for p.gen.Load() == seen && !p.closed.Load() {
		p.cond.Wait()
	}
	p.parked.Add(-1)
	return p.gen.Load()
}

// run executes j on every worker and returns when all are done.
func (p *pool) run(j job) {
	if p.n == 1 {
		j.do(0, 1)
		return
	}
	p.current = j
	p.pending.Store(int32(p.n - 1))
	p.gen.Add(1)
	if p.parked.Load() > 0 {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	}
	j.do(0, p.n)
	for i := 0; p.pending.Load() != 0; i++ {
		if i >= hotRounds && i%16 == 15 {
			runtime.Gosched()
		}
	}
}

// close stops the workers.
func (p *pool) close() {
	p.mu.Lock()
	p.closed.Store(true)
	p.gen.Add(1)
	p.cond.Broadcast()
	p.mu.Unlock()
}

// split returns the part [lo, hi) of n items that worker w of nw handles.
func split(n, w, nw int) (lo, hi int) {
	return n * w / nw, n * (w + 1) / nw
}
