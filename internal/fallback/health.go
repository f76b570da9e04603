package fallback

import (
	"fmt"
	"sync"
	"time"
)

// health tracks how the remote has been answering: a moving average of its
// latency and a circuit breaker over its recent failures. It is safe for
// concurrent use.
type health struct {
	rule BreakerRule

	mu        sync.Mutex
	failures  []time.Time // within the rule's window, oldest first
	openUntil time.Time   // the breaker is open before this time; once past, half-open
	lastErr   string
	latency   time.Duration // moving average of successful calls
	samples   int
}

// latencyWeight is the weight of a new sample in the latency average.
const latencyWeight = 0.3

// remoteState is what the router knows of the remote at one moment.
type remoteState struct {
	open      bool          // the breaker is open: do not call
	openUntil time.Time     // when it is open, until when
	failures  int           // failures within the window
	lastErr   string        // the last failure, if any
	latency   time.Duration // 0 until a call succeeded
}

// state returns the remote's state at now.
func (h *health) state(now time.Time) remoteState {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.forget(now)
	return remoteState{open: now.Before(h.openUntil), openUntil: h.openUntil, failures: len(h.failures), lastErr: h.lastErr,
		latency: h.latency}
}

// forget drops the failures older than the window (under h.mu).
func (h *health) forget(now time.Time) {
	cut := 0
	for cut < len(h.failures) && now.Sub(h.failures[cut]) > time.Duration(h.rule.Window) {
		cut++
	}
	h.failures = h.failures[cut:]
}

// success records a call that answered after latency (to the first piece
// of its answer); it closes the breaker.
func (h *health) success(latency time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failures, h.openUntil, h.lastErr = nil, time.Time{}, ""
	if h.samples == 0 {
		h.latency = latency
	} else {
		h.latency += time.Duration(latencyWeight * float64(latency-h.latency))
	}
	h.samples++
}

// failure records a failed call at now. It opens the breaker when the
// failures within the window reach the rule's count, or when the breaker
// is half-open (a cool-down ended with no success since); a remote that asked to be left alone until
// retryAfter keeps the breaker open until then at least.
func (h *health) failure(now time.Time, err error, retryAfter time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastErr = err.Error()
	if h.rule.Failures == 0 {
		return
	}
	h.forget(now)
	h.failures = append(h.failures, now)
	halfOpen := !h.openUntil.IsZero() && !now.Before(h.openUntil)
	if len(h.failures) >= h.rule.Failures || halfOpen {
		h.openUntil = now.Add(time.Duration(h.rule.Cooldown))
	}
	if retryAfter.After(h.openUntil) {
		h.openUntil = retryAfter
	}
}

// describe says in words why the breaker is open.
func (s remoteState) describe(now time.Time) string {
	return fmt.Sprintf("the remote is down (%d recent failures, last: %s); next try in %s",
		s.failures, s.lastErr, s.openUntil.Sub(now).Round(time.Second))
}
