package fallback

import "math"

// running is the running confidence of an answer being generated: the
// geometric mean probability of its tokens over a sliding window of the
// most recent ones and over all of them, mixed by the rule's weight.
type running struct {
	rule   ConfidenceRule
	ring   []float64 // the window's log-probabilities, a ring
	next   int       // the ring's next slot
	sumWin float64   // sum of the ring
	sumAll float64
	n      int
}

// minLogProb bounds a token's log-probability from below (a probability
// of about 2e-22), so that a token the model gave probability 0 weighs
// heavily but the window's sum stays finite.
const minLogProb = -50

func newRunning(rule ConfidenceRule) *running {
	return &running{rule: rule, ring: make([]float64, 0, rule.Window)}
}

// add records a generated token's natural-log probability.
func (r *running) add(lp float64) {
	if math.IsNaN(lp) {
		lp = minLogProb
	}
	lp = min(max(lp, minLogProb), 0)
	if len(r.ring) < cap(r.ring) {
		r.ring = append(r.ring, lp)
	} else {
		r.sumWin -= r.ring[r.next]
		r.ring[r.next] = lp
		r.next = (r.next + 1) % len(r.ring)
	}
	r.sumWin += lp
	r.sumAll += lp
	r.n++
}

// window returns the geometric mean probability of the window's tokens.
func (r *running) window() float64 {
	if len(r.ring) == 0 {
		return 0
	}
	return math.Exp(r.sumWin / float64(len(r.ring)))
}

// whole returns the geometric mean probability of every token so far.
func (r *running) whole() float64 {
	if r.n == 0 {
		return 0
	}
	return math.Exp(r.sumAll / float64(r.n))
}

// score is the running confidence the rule compares with its threshold.
func (r *running) score() float64 {
	w := r.rule.WindowWeight
	return w*r.window() + (1-w)*r.whole()
}
