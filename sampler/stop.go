package sampler

import "strings"

// StopMatcher finds stop strings in text that arrives in chunks (for
// example one detokenized token at a time). Push returns only text that is
// safe to print: text that cannot be the beginning of a stop string is
// released at once, while a tail that might still grow into one is held
// back until the next chunk settles it. Nothing of a stop string, nor
// anything after it, is ever returned. The zero value has no stop strings
// and passes all text through.
type StopMatcher struct {
	stops   []string
	held    string
	matched string
	stopped bool
}

// NewStopMatcher returns a matcher for the given stop strings; empty
// strings are ignored.
func NewStopMatcher(stops ...string) *StopMatcher {
	m := &StopMatcher{}
	for _, s := range stops {
		if s != "" {
			m.stops = append(m.stops, s)
		}
	}
	return m
}

// Push adds the next chunk of generated text. It returns the text that may
// be emitted now and whether a stop string has been found; once it has,
// emit holds the text before the stop string and every later Push returns
// "", true.
func (m *StopMatcher) Push(chunk string) (emit string, stopped bool) {
	if m.stopped {
		return "", true
	}
	text := m.held + chunk
	// Earliest occurrence of any stop string; at equal starts the one
	// listed first.
	at := -1
	for _, s := range m.stops {
		if i := strings.Index(text, s); i >= 0 && (at < 0 || i < at) {
			at, m.matched = i, s
		}
	}
	if at >= 0 {
		m.stopped, m.held = true, ""
		return text[:at], true
	}
	keep := m.partial(text)
	m.held = text[len(text)-keep:]
	return text[:len(text)-keep], false
}

// partial returns the length of the longest suffix of text that is a
// proper prefix of some stop string.
func (m *StopMatcher) partial(text string) int {
	best := 0
	for _, s := range m.stops {
		for l := min(len(s)-1, len(text)); l > best; l-- {
			if strings.HasSuffix(text, s[:l]) {
				best = l
				break
			}
		}
	}
	return best
}

// Flush ends the stream: it returns the held-back text, which can no
// longer become a stop string, and empties the matcher's buffer. After a
// stop it returns "".
func (m *StopMatcher) Flush() string {
	h := m.held
	m.held = ""
	return h
}

// Stopped reports whether a stop string has been found.
func (m *StopMatcher) Stopped() bool { return m.stopped }

// Matched returns the stop string that was found, or "" if none was.
func (m *StopMatcher) Matched() string { return m.matched }

// Held returns the text currently held back as a possible stop-string
// prefix.
func (m *StopMatcher) Held() string { return m.held }

// Reset clears the held text and stop state for a new generation, keeping
// the stop strings.
func (m *StopMatcher) Reset() {
	m.held, m.matched, m.stopped = "", "", false
}
