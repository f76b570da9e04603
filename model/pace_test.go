package model

import (
	"math"
	"testing"
	"time"
)

// paceSim drives a pace as a pool would, on a made-up device: rate gives
// the multiply-adds per second of k workers, late whether the last of k
// workers arrives late (a quarter of each job's wall time).
type paceSim struct {
	p     pace
	now   time.Duration
	batch int
	rate  func(k int) float64
	late  func(k int) bool
}

func newPaceSim(n int, rate func(k int) float64, late func(k int) bool) *paceSim {
	c := &paceSim{p: newPace(n), batch: 1, rate: rate, late: late}
	c.p.batch = 1 // as after the pool's first jobs
	return c
}

// jobs runs m claimed jobs of a million multiply-adds each and returns the
// worker counts they ran on.
func (c *paceSim) jobs(m int) (ks []int) {
	const work = 1e6
	for range m {
		k := c.p.k
		ks = append(ks, k)
		wall := time.Duration(work / c.rate(k) * float64(time.Second))
		late := time.Duration(0)
		if k > 1 && c.late(k) {
			late = wall / 4
		}
		c.now += wall
		c.p.observe(late, wall, c.batch, work, c.now)
	}
	return ks
}

// windows runs m windows and counts those run on each worker count (a
// window's first job tells).
func (c *paceSim) windows(m int) map[int]int {
	count := map[int]int{}
	ks := c.jobs(m * paceWindow)
	for i := 0; i < len(ks); i += paceWindow {
		count[ks[i]]++
	}
	return count
}

// rates returns a rate function from the rates of 1, 2, ... workers (in
// billions of multiply-adds per second).
func rates(r ...float64) func(k int) float64 {
	return func(k int) float64 { return r[k-1] * 1e9 }
}

func always(int) bool { return true }
func never(int) bool  { return false }

// TestPaceFollowsABusySpell follows two workers through a busy spell in
// which one worker fewer is faster: the first late window tries one
// worker, which stays; each try of two workers after a rest loses and
// doubles the rest up to maxRest; once the other process stops, the next
// try keeps both and halves the rest.
func TestPaceFollowsABusySpell(t *testing.T) {
	c := newPaceSim(2, rates(1, 1.5), never)
	if got := c.windows(100); got[1] != 0 {
		t.Fatalf("an idle device ran %d windows on one worker", got[1])
	}
	c.rate, c.late = rates(1, 0.9), always
	if ks := c.jobs(3 * paceWindow); ks[paceWindow] != 2 || ks[2*paceWindow] != 1 || c.p.k != 1 {
		t.Fatalf("after two late windows: k = %d, want 1", c.p.k)
	}
	for want := minRest; ; want = min(2*want, maxRest) {
		start := c.now
		for c.p.k == 1 {
			c.jobs(1)
		}
		if rest := c.now - start; rest < want || rest > want+paceWindow*time.Millisecond {
			t.Fatalf("rested %v, want %v", rest, want)
		}
		c.jobs(paceWindow)
		if c.p.k != 1 || c.p.rest != min(2*want, maxRest) {
			t.Fatalf("after a slower try of two workers: k = %d, rest %v", c.p.k, c.p.rest)
		}
		if want == maxRest {
			break
		}
	}
	// Settled: one window in maxRest tries two workers.
	if got := c.windows(500); got[2] > 500*paceWindow/1600+1 {
		t.Fatalf("settled on one worker, %d of 500 windows tried two", got[2])
	}
	// The other process stops.
	c.rate, c.late = rates(1, 1.5), never
	for c.p.k == 1 || c.p.from != 0 {
		c.jobs(1)
	}
	if got := c.windows(100); got[1] != 0 || c.p.rest != maxRest/2 {
		t.Fatalf("after the busy spell: %d windows on one worker, rest %v", got[1], c.p.rest)
	}
}

// TestPaceKeepsALateWorkerThatHelps checks that a worker arriving late but
// still making the pool faster stays, tried without once per rest.
func TestPaceKeepsALateWorkerThatHelps(t *testing.T) {
	c := newPaceSim(2, rates(1, 1.3), always)
	got := c.windows(1000)
	// Rests of 50, 100, ..., 1600 ms and then one try per 1.6 s.
	if got[1] > 6+int(c.now/maxRest) {
		t.Fatalf("a late but helpful worker was left out of %d of 1000 windows", got[1])
	}
	if c.p.k != 2 {
		t.Fatalf("k = %d, want 2", c.p.k)
	}
}

// TestPaceMargin checks that more workers stay only when faster by more
// than 1/keepMargin.
func TestPaceMargin(t *testing.T) {
	for _, tc := range []struct {
		gain float64 // two workers' rate over one's
		want int
	}{{1 + 1.0/keepMargin - 0.01, 1}, {1 + 1.0/keepMargin + 0.01, 2}} {
		c := newPaceSim(2, rates(1, tc.gain), always)
		c.windows(3)
		if c.p.k != tc.want {
			t.Errorf("two workers %.3fx as fast: k = %d, want %d", tc.gain, c.p.k, tc.want)
		}
	}
}

// TestPaceStepsDownToTheFastest: four workers on a device where two are
// fastest step down one at a time and stay at two.
func TestPaceStepsDownToTheFastest(t *testing.T) {
	c := newPaceSim(4, rates(1, 1.6, 1.4, 1.2), func(k int) bool { return k > 2 })
	c.now = maxRest // no rest pending
	c.jobs(6 * paceWindow)
	for range 20 {
		c.now += maxRest
		c.jobs(2 * paceWindow)
	}
	if c.p.k != 2 {
		t.Fatalf("k = %d, want 2", c.p.k)
	}
}

// TestPaceComparesOnlyLikeJobs checks that a lone job of another batch
// size is left out of a comparison, and that a run of them, which runs at
// another rate, ends it.
func TestPaceComparesOnlyLikeJobs(t *testing.T) {
	c := newPaceSim(2, rates(1, 0.9), always)
	c.jobs(2*paceWindow + 3)
	if c.p.k != 1 || c.p.from != 2 || c.p.jobs != 3 {
		t.Fatalf("k = %d, comparing with %d, %d jobs in the window: want a try of one worker", c.p.k, c.p.from, c.p.jobs)
	}
	c.batch = 64
	c.jobs(1)
	c.batch = 1
	c.jobs(1)
	if c.p.k != 1 || c.p.from != 2 || c.p.jobs != 4 {
		t.Fatalf("after a lone job of another batch size: k = %d, comparing with %d, %d jobs in the window", c.p.k, c.p.from, c.p.jobs)
	}
	c.batch = 64
	c.jobs(2)
	if c.p.k != 2 || c.p.from != 0 || c.p.jobs != 1 || c.p.batch != 64 {
		t.Fatalf("after two jobs of another batch size: k = %d, comparing with %d, %d jobs of %d in the window", c.p.k, c.p.from, c.p.jobs, c.p.batch)
	}
}

// TestPaceCountsTheJobsBetween: two workers do the claimed jobs faster
// than one, but every job split evenly between them waits for the late
// one, so one worker is faster in all; the pace must see it.
func TestPaceCountsTheJobsBetween(t *testing.T) {
	p := newPace(2)
	p.batch = 1
	now := time.Duration(0)
	for range 3 * paceWindow {
		claimed := time.Millisecond // one worker
		other := time.Millisecond
		late := time.Duration(0)
		if p.k == 2 {
			claimed = claimed * 10 / 12 // 1.2x as fast
			other = 2 * other           // waits for the late worker
			late = claimed / 4
		}
		now += claimed
		p.observe(late, claimed, 1, 1e6, now)
		now += other
		p.observeOther(other)
	}
	if p.k != 1 {
		t.Fatalf("k = %d: the waits of the jobs between the claimed ones were not counted", p.k)
	}
}

// TestPaceOneUnluckyWindow: on a device where two workers are faster, one
// window that came out slow and late starts no comparison; two in a row
// do, against the faster of the two, which two workers beat.
func TestPaceOneUnluckyWindow(t *testing.T) {
	c := newPaceSim(2, rates(1, 1.5), never)
	c.now = maxRest
	c.windows(3)
	c.rate, c.late = rates(1, 0.9), always
	c.jobs(paceWindow) // an unlucky window
	if c.p.k != 2 || c.p.from != 0 {
		t.Fatalf("after one late window: k = %d, comparing with %d: want no comparison", c.p.k, c.p.from)
	}
	c.rate, c.late = rates(1, 1.1), always
	c.jobs(paceWindow) // late again, but not as slow
	if c.p.k != 1 || c.p.from != 2 || math.Abs(c.p.ref-1.1e9) > 1e6 {
		t.Fatalf("after two late windows: k = %d, comparing with %d at %.3g: want a try of one worker against the faster window", c.p.k, c.p.from, c.p.ref)
	}
	c.jobs(paceWindow)
	if c.p.k != 2 {
		t.Fatalf("k = %d, want 2: one worker is slower than the better late window", c.p.k)
	}
}
