package model

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// job is work split across the workers taking part in it: do is called
// once by every one of them with its index w in [0, n).
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

// The pool's state word holds the generation of the current job (bumped
// once per job) above the number of workers taking part in it, so that a
// worker reads both in one load.
const (
	workerBits = 16
	workerMask = 1<<workerBits - 1
)

// pool is a fixed set of persistent worker goroutines. The calling goroutine
// acts as worker 0, so a pool of one thread starts no goroutines. Jobs are
// passed as interfaces to preallocated structs, so running one allocates
// nothing.
//
// Every job ends at a barrier: the caller returns when all the workers
// taking part have finished. On a busy device the OS keeps one of the
// threads off its core now and then, for milliseconds, and each job that
// starts meanwhile waits for it. The pool watches how late the last worker
// arrives and, when one keeps arriving late, tries its jobs on one worker
// fewer and keeps whichever count is faster (see pace): workers 0..k-1
// take part, the others sit out, parked.
// Which rows or items a worker computes never changes a result, so the
// output does not depend on k.
type pool struct {
	n       int
	pace    pace
	epoch   time.Time       // the pool's creation; pace's clock starts there
	current job             // the job of the current generation
	start   time.Time       // when the current job was posted
	arrived []time.Duration // per worker: when it finished the current job, after start
	state   atomic.Uint64   // generation<<workerBits | workers taking part
	pending atomic.Int32    // workers that have not finished the current job
	parked  atomic.Int32    // workers parked (or about to park) in park
	closed  atomic.Bool

	mu     sync.Mutex
	wake   *sync.Cond // a job was posted (parked workers wait for it)
	rejoin *sync.Cond // more workers take part (workers sitting out wait for it)
}

func newPool(threads int) *pool {
	n := min(max(threads, 1), workerMask)
	p := &pool{n: n, pace: newPace(n), epoch: time.Now(), arrived: make([]time.Duration, n)}
	p.state.Store(uint64(n))
	p.wake = sync.NewCond(&p.mu)
	p.rejoin = sync.NewCond(&p.mu)
	for w := 1; w < n; w++ {
		go p.worker(w)
	}
	return p
}

func (p *pool) worker(w int) {
	seen := uint64(0)
	for {
		st := p.wait(w, seen)
		if p.closed.Load() {
			return
		}
		seen = st >> workerBits
		p.current.do(w, int(st&workerMask))
		p.arrived[w] = time.Since(p.start)
		p.pending.Add(-1)
	}
}

// wait returns the state of the first job after generation seen that
// worker w takes part in (or any state once the pool is closed): it spins
// briefly, then parks until a job is posted, and sits out the jobs that
// run without it.
func (p *pool) wait(w int, seen uint64) uint64 {
	for i := 0; ; i++ {
		st := p.state.Load()
		if st>>workerBits != seen {
			if w < int(st&workerMask) || p.closed.Load() {
				return st
			}
			return p.sitOut(w)
		}
		switch {
		case i < hotRounds:
		case i < hotRounds+spinRounds:
			if i%16 == 15 {
				runtime.Gosched()
			}
		default:
			p.park(seen)
		}
	}
}

// park blocks until a job after generation seen is posted or the pool
// closes. It announces the park before its last check of the state: run
// stores the state before it reads parked, so either it sees this worker
// parked and wakes it, or this worker sees the new job.
func (p *pool) park(seen uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.parked.Add(1)
	for p.state.Load()>>workerBits == seen && !p.closed.Load() {
		p.wake.Wait()
	}
	p.parked.Add(-1)
}

// sitOut blocks worker w while jobs run without it and returns the state
// of the first job it takes part in (or any state once the pool is
// closed). run stores a state with more workers before it signals rejoin.
func (p *pool) sitOut(w int) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		st := p.state.Load()
		if w < int(st&workerMask) || p.closed.Load() {
			return st
		}
		p.rejoin.Wait()
	}
}

// run executes j on the workers taking part now and returns when all are
// done.
func (p *pool) run(j job) { p.runJob(j, 0, 0) }

// runClaimed is run for a job whose workers claim small pieces of its work
// from a shared counter until none is left: work multiply-adds for a batch
// of tokens. Its workers finish within about one piece of each other unless
// the OS held one of them up, so the pool learns from its barrier and its
// speed how many workers to use (see pace).
func (p *pool) runClaimed(j job, batch int, work float64) { p.runJob(j, batch, work) }

func (p *pool) runJob(j job, batch int, work float64) {
	if p.n == 1 {
		j.do(0, 1)
		return
	}
	k := p.pace.k
	p.start = time.Now()
	if k == 1 {
		j.do(0, 1)
		p.arrived[0] = time.Since(p.start)
	} else {
		p.current = j
		p.pending.Store(int32(k - 1))
		prev := p.state.Load()
		p.state.Store((prev>>workerBits+1)<<workerBits | uint64(k))
		if k > int(prev&workerMask) {
			p.mu.Lock()
			p.rejoin.Broadcast()
			p.mu.Unlock()
		}
		if p.parked.Load() > 0 {
			p.mu.Lock()
			p.wake.Broadcast()
			p.mu.Unlock()
		}
		j.do(0, k)
		p.arrived[0] = time.Since(p.start)
		for i := 0; p.pending.Load() != 0; i++ {
			if i >= hotRounds && i%16 == 15 {
				runtime.Gosched()
			}
		}
	}
	late, wall := lateness(p.arrived[:k])
	if work > 0 {
		p.pace.observe(late, wall, batch, work, time.Since(p.epoch))
	} else {
		p.pace.observeOther(wall)
	}
}

// lateness returns how long the last worker to finish a job kept the one
// before it waiting, and when it finished (the job's wall time), from the
// workers' finishing times.
func lateness(arrived []time.Duration) (late, wall time.Duration) {
	if len(arrived) == 1 {
		return 0, arrived[0]
	}
	var last, beforeLast time.Duration
	for _, a := range arrived {
		switch {
		case a > last:
			last, beforeLast = a, last
		case a > beforeLast:
			beforeLast = a
		}
	}
	return last - beforeLast, last
}

// close stops the workers.
func (p *pool) close() {
	p.mu.Lock()
	p.closed.Store(true)
	p.state.Add(1 << workerBits)
	p.wake.Broadcast()
	p.rejoin.Broadcast()
	p.mu.Unlock()
}

// split returns the part [lo, hi) of n items that worker w of nw handles.
func split(n, w, nw int) (lo, hi int) {
	return n * w / nw, n * (w + 1) / nw
}
