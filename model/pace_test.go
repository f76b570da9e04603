package model

import (
	"testing"
	"time"
)

// paceClock drives a pace as a pool would, with made-up job timings: each
// job takes one millisecond of wall time, and a slow worker arrives that
// late after the others.
type paceClock struct {
	p   pace
	now time.Duration
}

// jobs runs n claimed jobs (lateness late each) and returns the worker
// counts they ran on.
func (c *paceClock) jobs(n int, late time.Duration) (ks []int) {
	for range n {
		ks = append(ks, c.p.k)
		wall := time.Millisecond + late
		c.now += wall
		if c.p.k > 1 {
			c.p.observe(late, wall, c.now)
		}
		c.p.tick(c.now)
	}
	return ks
}

// TestPaceDropsALateWorkerAndTriesItAgain follows the pace of two workers
// through a slow spell: one window of late jobs drops the worker, each late
// try doubles the rest up to maxRest, and once the worker is on time again
// the next try keeps it.
func TestPaceDropsALateWorkerAndTriesItAgain(t *testing.T) {
	c := &paceClock{p: newPace(2)}
	slow := 2 * time.Millisecond // the worker's core is busy elsewhere
	ks := c.jobs(paceWindow, slow)
	if ks[paceWindow-1] != 2 || c.p.k != 1 {
		t.Fatalf("after a late window: k = %d, want 1 (ran on %v)", c.p.k, ks)
	}
	// Rests of 50, 100, ..., 1600 ms, each ended by a late try.
	for want := minRest; ; want = min(2*want, maxRest) {
		start := c.now
		c.jobs(1, 0)
		for c.p.k == 1 {
			c.jobs(1, 0)
		}
		rest := c.now - start
		if rest < want || rest > want+2*time.Millisecond {
			t.Fatalf("rested %v, want %v", rest, want)
		}
		c.jobs(paceWindow, slow)
		if c.p.k != 1 {
			t.Fatalf("a late try kept the worker")
		}
		if want == maxRest {
			break
		}
	}
	if c.p.rest != maxRest {
		t.Fatalf("rest after the late tries = %v, want %v", c.p.rest, maxRest)
	}
	// The other process stops: the next try is on time and keeps the worker.
	for c.p.k == 1 {
		c.jobs(1, 0)
	}
	c.jobs(paceWindow, 0)
	if c.p.k != 2 || c.p.trying || c.p.rest != minRest {
		t.Fatalf("after an on-time try: k = %d, trying %v, rest %v", c.p.k, c.p.trying, c.p.rest)
	}
	for _, k := range c.jobs(100*paceWindow, 50*time.Microsecond) {
		if k != 2 {
			t.Fatalf("an idle device dropped a worker (lateness of a twentieth of a job)")
		}
	}
}

// TestPaceThreshold checks where the pace drops a worker: lateness of more
// than 1/(2k) of the wall time at k workers, never below one worker.
func TestPaceThreshold(t *testing.T) {
	for _, k := range []int{2, 3, 4, 8} {
		for _, tc := range []struct {
			late time.Duration // per millisecond of wall time
			drop bool
		}{
			{time.Millisecond/time.Duration(2*k) - time.Microsecond, false},
			{time.Millisecond/time.Duration(2*k) + time.Microsecond, true},
		} {
			p := newPace(k)
			for range paceWindow {
				p.observe(tc.late, time.Millisecond, 0)
			}
			if got := p.k < k; got != tc.drop {
				t.Errorf("k=%d, lateness %v per ms: dropped %v, want %v", k, tc.late, got, tc.drop)
			}
		}
	}
	// Every window late (a window lasting less than a rest): down one
	// worker per window, to one.
	c := &paceClock{p: newPace(4)}
	ks := c.jobs(4*paceWindow, time.Millisecond/2)
	for i, k := range ks {
		if want := max(4-i/paceWindow, 1); k != want {
			t.Fatalf("four workers, all late: job %d ran on %d, want %d", i, k, want)
		}
	}
}
