package model

import "time"

// How the pool paces its workers (see pace).
const (
	// paceWindow is the number of claimed jobs one measurement spans:
	// about two thirds of a token of Qwen2.5-0.5B (four claimed
	// projections per layer, 24 layers, and the output), long enough that
	// a thread descheduled for a few milliseconds does not decide alone.
	paceWindow = 64
	// A window whose last workers arrive, summed over its claimed jobs,
	// later than 1/lateShare of those jobs' wall time after the ones
	// before them is late: a worker is being kept off its core.
	lateShare = 8
	// More workers are kept only when they run at least 1+1/keepMargin
	// times as fast as one fewer; when it is closer, fewer threads do the
	// same work with less of the device.
	keepMargin = 16
	// minRest and maxRest bound how long the pool keeps a worker count
	// before it compares again. Each comparison that changes nothing
	// doubles the rest, so a settled choice costs one window every
	// maxRest; one that changes the count halves it (a single change may
	// be noise: the windows are short and the device busy).
	minRest = 50 * time.Millisecond
	maxRest = 1600 * time.Millisecond
)

// pace decides how many of a pool's workers take part in its jobs.
//
// The workers of a claimed job (the projections: rows handed out in small
// chunks from a shared counter) finish within about one chunk of each other
// on an idle device. When the last one keeps arriving much later than the
// one before it, the OS is running something else on its core and every
// job waits for it. Fewer workers may then be faster, or not: the late
// worker still does some of the rows, and the cores may share their vector
// units with whatever else runs. So the pace measures instead of guessing.
// It counts the multiply-adds of a window of claimed jobs and the wall time
// of every job in the window (the jobs between the claimed ones wait for a
// late worker too), and after two late windows in a row runs the next one
// on one worker fewer; the rates decide which count stays. After a rest it
// tries one worker more the same way, so the pool recovers when the other
// process goes away.
// Only windows of jobs with the same batch size are compared (prefill and
// decode run at different rates per multiply-add).
type pace struct {
	n, k int // the pool's workers; those taking part now

	// The current window: claimed jobs of batch tokens each. A job of
	// another batch size is left out; two in a row start a new window.
	batch int
	odd   int // jobs of another batch size just before this one
	jobs  int
	late  time.Duration // summed lateness of the last worker of each claimed job
	spent time.Duration // summed wall time of the claimed jobs
	wall  time.Duration // summed wall time of all jobs, claimed or not
	work  float64       // summed multiply-adds of the claimed jobs

	// A comparison in progress: the window before it ran on from workers
	// (0: no comparison) at ref multiply-adds per second.
	from int
	ref  float64

	// The last window: it ran on prevK workers (0: none of this batch
	// size) at rate prev, late or not. A comparison starts only after two
	// late windows in a row, against the faster of the two: a late window
	// is one picked for being slow, and comparing against one unlucky
	// window would favour fewer workers on an idle device.
	prev     float64
	prevK    int
	prevLate bool

	rest    time.Duration // how long the next rest lasts
	restEnd time.Duration // no comparison starts before then
}

func newPace(n int) pace { return pace{n: n, k: n, rest: minRest} }

// observeOther adds the wall time of a job that is not claimed (attention,
// element-wise work split evenly between the workers) to the current
// window. Such a job has no multiply-adds to count, but it waits for a late
// worker in full, so the rate a worker count is judged by must include its
// time. Its lateness is left out: an even split of uneven work (the heads of
// a causal attention) arrives unevenly on an idle device too.
func (p *pace) observeOther(wall time.Duration) {
	p.wall += wall
}

// observe records a claimed job of batch tokens and work multiply-adds,
// run by k workers: the last one arrived late after the one before it and
// wall after the job was posted. now is the time on the pool's clock.
func (p *pace) observe(late, wall time.Duration, batch int, work float64, now time.Duration) {
	if batch != p.batch {
		p.odd++
		if p.odd == 1 {
			return // a lone job, such as the output row of a prompt's last token
		}
		if p.from != 0 { // its reference was measured on other jobs
			p.k, p.from = p.from, 0
		}
		p.batch = batch
		p.prevK = 0
		p.newWindow()
	}
	p.odd = 0
	p.jobs++
	p.late += late
	p.spent += wall
	p.wall += wall
	p.work += work
	if p.jobs < paceWindow {
		return
	}
	rate := p.work / max(p.wall.Seconds(), 1e-9)
	isLate := p.late*lateShare > p.spent
	ranOn := p.k
	p.newWindow()
	switch {
	case p.from != 0:
		p.decide(rate, now)
	case now < p.restEnd:
	case isLate && p.k > 1:
		if p.prevK == p.k && p.prevLate {
			p.from, p.ref, p.k = p.k, max(rate, p.prev), p.k-1
		}
	case p.k < p.n:
		p.from, p.ref, p.k = p.k, rate, p.k+1
	}
	p.prev, p.prevK, p.prevLate = rate, ranOn, isLate
}

// decide ends a comparison: the window just ended ran on k workers at
// rate, the one before on from workers at ref. The larger count stays only
// if it was faster by the margin.
func (p *pace) decide(rate float64, now time.Duration) {
	fewer, more := rate, p.ref
	if p.k > p.from {
		fewer, more = p.ref, rate
	}
	keep := min(p.k, p.from)
	if more*keepMargin > fewer*(keepMargin+1) {
		keep = max(p.k, p.from)
	}
	if keep == p.k {
		p.rest = max(p.rest/2, minRest)
	} else {
		p.k = p.from
		p.rest = min(2*p.rest, maxRest)
	}
	p.from = 0
	p.restEnd = now + p.rest
}

func (p *pace) newWindow() {
	p.jobs, p.late, p.spent, p.wall, p.work = 0, 0, 0, 0, 0
}
