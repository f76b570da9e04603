package sampler

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// feed pushes chunks and returns the emitted text and final stop state,
// flushing when no stop string was found.
func feed(m *StopMatcher, chunks ...string) (string, bool) {
	var b strings.Builder
	stopped := false
	for _, c := range chunks {
		e, s := m.Push(c)
		b.WriteString(e)
		stopped = s
	}
	if !stopped {
		b.WriteString(m.Flush())
	}
	return b.String(), stopped
}

func TestStopAcrossChunks(t *testing.T) {
	m := NewStopMatcher("</s>", "\nUser:", "")
	steps := []struct{ in, emit string }{
		{"Hello", "Hello"}, {" wor", " wor"}, {"ld<", "ld"}, {"/", ""}, {"s>tail", ""}, {"more", ""},
	}
	for i, st := range steps {
		emit, stopped := m.Push(st.in)
		if emit != st.emit {
			t.Errorf("step %d: emitted %q, want %q (held %q)", i, emit, st.emit, m.Held())
		}
		if stopped != (i >= 4) {
			t.Errorf("step %d: stopped = %v", i, stopped)
		}
	}
	if m.Matched() != "</s>" || !m.Stopped() || m.Flush() != "" {
		t.Errorf("matched %q stopped %v", m.Matched(), m.Stopped())
	}
	m.Reset()
	if got, stopped := feed(m, "a<", "b\nUs", "er", "x"); got != "a<b\nUserx" || stopped {
		t.Errorf("false alarm: got %q stopped %v", got, stopped)
	}
	m.Reset()
	if got, _ := feed(m, "x\nUs", "er:", " hi"); got != "x" || m.Matched() != "\nUser:" {
		t.Errorf("got %q matched %q", got, m.Matched())
	}
}

func TestStopOverlap(t *testing.T) {
	m := NewStopMatcher("aab")
	want := []string{"", "", "a", ""}
	for i, c := range []string{"a", "a", "a", "b"} {
		if e, _ := m.Push(c); e != want[i] {
			t.Errorf("push %d: emitted %q, want %q", i, e, want[i])
		}
	}
	if !m.Stopped() {
		t.Error("aab not found")
	}
	// Earliest start wins between stop strings; a stop inside one chunk too.
	m = NewStopMatcher("world", "lo w")
	if got, _ := feed(m, "hello world"); got != "hel" || m.Matched() != "lo w" {
		t.Errorf("got %q matched %q, want \"hel\" \"lo w\"", got, m.Matched())
	}
	var zero StopMatcher
	if got, stopped := feed(&zero, "any", "thing"); got != "anything" || stopped {
		t.Errorf("zero matcher: %q %v", got, stopped)
	}
}

// TestStopRandomChunks splits texts at random points and checks that the
// emitted text is exactly the text before the first stop string, and that
// no emission ever ends with a stop-string prefix that later completed.
func TestStopRandomChunks(t *testing.T) {
	stops := []string{"<|end|>", "###", "ab"}
	r := rand.New(rand.NewPCG(5, 5))
	alphabet := "ab#<|end>x "
	m := NewStopMatcher(stops...)
	for range 2000 {
		var sb strings.Builder
		for range r.IntN(30) {
			sb.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		text := sb.String()
		want, wantStop := text, false
		for i := range text {
			for _, s := range stops {
				if strings.HasPrefix(text[i:], s) && !wantStop {
					want, wantStop = text[:i], true
				}
			}
		}
		var chunks []string
		for rest := text; rest != ""; {
			n := 1 + r.IntN(min(len(rest), 5))
			chunks = append(chunks, rest[:n])
			rest = rest[n:]
		}
		m.Reset()
		got, stopped := feed(m, chunks...)
		if got != want || stopped != wantStop {
			t.Fatalf("%q in %q: got %q %v, want %q %v", text, chunks, got, stopped, want, wantStop)
		}
	}
}
