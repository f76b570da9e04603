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
