package model

import "time"

// How the pool paces its workers (see pace).
const (
	// paceWindow is the number of claimed jobs whose barriers one decision
	// weighs: about a third of a token of Qwen2.5-0.5B (four claimed
	// projections per layer, 24 layers, and the output).
	paceWindow = 32
	// minRest and maxRest bound how long the pool runs on one worker fewer
	// before it tries the worker again. Each late try doubles the rest, so
	// a worker that stays slow costs one window every maxRest, and a worker
	// whose core frees up is back within maxRest.
	minRest = 50 * time.Millisecond
	maxRest = 1600 * time.Millisecond
)

// pace decides how many of a pool's workers take part in its jobs.
//
// The workers of a claimed job (the projections: rows handed out in small
// chunks from a shared counter) finish within about one chunk of each other
// on an idle device. When the last one keeps arriving much later than the
// one before it, the OS is running something else on its core and every
// job waits for it. Whichever worker it was (the OS moves threads between
// cores), running one worker fewer leaves the others a core each. With k workers, the last late by s in a job of wall
// time t: without it and with perfect scaling, k-1 workers would take
// (t-s)k/(k-1), faster once s > t/k. Scaling is far from perfect (on the
// benchmark machine two threads run the kernels 1.4x faster than one, not
// 2x), so the pool acts at half that: when the summed lateness of a window
// of claimed jobs exceeds 1/(2k) of their summed wall time, it drops one
// worker. After a rest it tries that worker again for a window: a late try
// doubles the next rest (up to maxRest), an on-time one keeps the worker
// and resets the rest to minRest.
type pace struct {
	n, k    int           // the pool's workers; those taking part now
	jobs    int           // claimed jobs in the current window
	late    time.Duration // the window's summed lateness
	wall    time.Duration // the window's summed wall time
	trying  bool          // the window tries k after a rest at k-1
	rest    time.Duration // how long the next rest lasts
	restEnd time.Duration // when the current rest ends (while k < n)
}

func newPace(n int) pace { return pace{n: n, k: n, rest: minRest} }

// observe records a claimed job run by k workers: the last one arrived
// late after the one before it and wall after the job was posted. now is
// the time on the pool's clock.
func (p *pace) observe(late, wall, now time.Duration) {
	p.jobs++
	p.late += late
	p.wall += wall
	if p.jobs < paceWindow {
		return
	}
	tooLate := p.late*time.Duration(2*p.k) > p.wall
	trying := p.trying
	p.newWindow()
	switch {
	case tooLate && p.k > 1:
		if trying {
			p.rest = min(2*p.rest, maxRest)
		}
		p.k--
		p.restEnd = now + p.rest
	case trying:
		p.rest = minRest
		p.restEnd = now + p.rest
	}
}

// tick is called after every job: at the end of a rest, one worker more
// takes part, on trial.
func (p *pace) tick(now time.Duration) {
	if p.k < p.n && !p.trying && now >= p.restEnd {
		p.k++
		p.newWindow()
		p.trying = true
	}
}

func (p *pace) newWindow() {
	p.jobs, p.late, p.wall, p.trying = 0, 0, 0, false
}
