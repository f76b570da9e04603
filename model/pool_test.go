package model

import (
	"sync/atomic"
	"testing"
	"time"
)

type countJob struct{ hits []atomic.Int64 }

func (j *countJob) do(w, n int) { j.hits[w].Add(1) }

// TestPoolRunsEveryWorkerOncePerJob checks the barrier: each run calls every
// worker exactly once, including after the workers have parked.
func TestPoolRunsEveryWorkerOncePerJob(t *testing.T) {
	for _, threads := range []int{1, 2, 3} {
		p := newPool(threads)
		j := &countJob{hits: make([]atomic.Int64, threads)}
		for i := 0; i < 1000; i++ {
			p.run(j)
		}
		time.Sleep(20 * time.Millisecond) // let the workers park
		p.run(j)
		for w := range j.hits {
			if got := j.hits[w].Load(); got != 1001 {
				t.Errorf("threads=%d worker %d ran %d times, want 1001", threads, w, got)
			}
		}
		p.close()
	}
}

func TestSplitCoversAll(t *testing.T) {
	for n := 0; n < 50; n++ {
		for nw := 1; nw < 5; nw++ {
			next := 0
			for w := 0; w < nw; w++ {
				lo, hi := split(n, w, nw)
				if lo != next || hi < lo {
					t.Fatalf("split(%d, %d, %d) = %d, %d after %d", n, w, nw, lo, hi, next)
				}
				next = hi
			}
			if next != n {
				t.Fatalf("split(%d, *, %d) ends at %d", n, nw, next)
			}
		}
	}
}

// claimJob hands out pieces from a shared counter, as the projections do,
// and records who took part: which workers, and how many the pool said
// there were. A piece sleeps for piece, so that two workers are twice as
// fast as one; worker slow, while slowFor is positive, first sleeps that
// long in every job it takes part in: a thread the OS keeps off its core.
type claimJob struct {
	pieces, next atomic.Int64
	calls        []atomic.Int64 // per worker
	badN         atomic.Int64   // calls whose n was not the pool's worker count
	wantN        int
	piece        time.Duration
	slow         int
	slowFor      time.Duration
}

const claimPieces = 4

func (j *claimJob) do(w, n int) {
	j.calls[w].Add(1)
	if n != j.wantN {
		j.badN.Add(1)
	}
	if w == j.slow && j.slowFor > 0 {
		time.Sleep(j.slowFor)
	}
	for j.next.Add(1) <= claimPieces {
		if j.piece > 0 {
			time.Sleep(j.piece)
		}
		j.pieces.Add(1)
	}
}

// runOnce runs j once on p and checks that exactly workers 0..k-1 took
// part, each once, told there were k, and that all pieces were done.
func (j *claimJob) runOnce(t *testing.T, p *pool) (k int) {
	t.Helper()
	k = p.pace.k
	before := make([]int64, len(j.calls))
	for w := range j.calls {
		before[w] = j.calls[w].Load()
	}
	j.wantN = k
	j.next.Store(0)
	j.pieces.Store(0)
	p.runClaimed(j, 1, claimPieces)
	for w := range j.calls {
		want := int64(0)
		if w < k {
			want = 1
		}
		if got := j.calls[w].Load() - before[w]; got != want {
			t.Fatalf("k=%d: worker %d ran %d times, want %d", k, w, got, want)
		}
	}
	if j.badN.Load() != 0 || j.pieces.Load() != claimPieces {
		t.Fatalf("k=%d: %d calls with the wrong worker count, %d of %d pieces done", k, j.badN.Load(), j.pieces.Load(), claimPieces)
	}
	return k
}

// TestPoolDropsASlowWorker runs claimed jobs on two workers, one of them
// slow: the pool must try one worker within a few windows (the first late
// window suffices unless the machine delays the other worker too), keep
// it, and take the slow worker back after the slow spell ends.
func TestPoolDropsASlowWorker(t *testing.T) {
	p := newPool(2)
	defer p.close()
	j := &claimJob{calls: make([]atomic.Int64, 2), piece: time.Millisecond, slow: 1, slowFor: 12 * time.Millisecond}
	for runs := 0; p.pace.k == 2 || p.pace.from != 0; runs++ {
		if runs == 8*paceWindow {
			t.Fatalf("a worker 12 ms late in every job of 2-4 ms still takes part after %d jobs", runs)
		}
		j.runOnce(t, p)
	}
	// Resting on one worker (runOnce checks that the slow worker sits
	// out); a try of two workers at the end of the rest loses.
	for range 3 * paceWindow {
		j.runOnce(t, p)
	}
	if p.pace.k != 1 && p.pace.from == 0 {
		t.Fatalf("two workers, one of them slow, won a comparison")
	}
	// The slow spell ends: the worker is back within a rest and a window.
	j.slowFor = 0
	start := time.Now()
	for p.pace.k == 1 || p.pace.from != 0 {
		if time.Since(start) > 2*maxRest+time.Second {
			t.Fatalf("the worker is not back after %v", time.Since(start))
		}
		j.runOnce(t, p)
	}
}

// TestPoolWorkersSitOutAndRejoin drives a pool of three through every
// change of its worker count, with and without the workers parked in
// between, and checks that each job runs on exactly the workers it should.
func TestPoolWorkersSitOutAndRejoin(t *testing.T) {
	p := newPool(3)
	defer p.close()
	j := &claimJob{calls: make([]atomic.Int64, 3), slow: -1}
	p.pace.restEnd = time.Hour // no comparisons: k stays where the test puts it
	for _, park := range []bool{false, true} {
		for _, k := range []int{3, 2, 1, 2, 3, 1, 3, 2, 2, 1, 1, 3} {
			p.pace.k = k
			for range 3 {
				if j.runOnce(t, p) != k {
					t.Fatalf("the pace moved from %d workers", k)
				}
			}
			if park {
				time.Sleep(5 * time.Millisecond)
			}
		}
	}
}
