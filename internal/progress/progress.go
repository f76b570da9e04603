// Package progress draws a one-line progress bar on a terminal. When the
// output is not a terminal (a file, a pipe, /dev/null, a CI log) it prints
// nothing, so commands can report progress unconditionally. IsTerminal is
// the one place gollm tells a terminal from anything else.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// IsTerminal reports whether f, a standard stream or any other reader or
// writer, is a terminal: an *os.File whose descriptor is a tty. A regular
// file, a pipe and /dev/null (a character device, but not a terminal) are
// not.
func IsTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// Bar is a progress line redrawn in place with carriage returns. Redraws
// are throttled, so Set may be called often. A Bar is safe for concurrent
// use; the methods of a nil Bar do nothing.
type Bar struct {
	mu     sync.Mutex
	w      io.Writer
	label  string
	on     bool
	start  time.Time
	last   time.Time
	stage  string
	shown  int // length of the line on screen
	minGap time.Duration
}

// New returns a bar labelled label that draws on w when w is a terminal
// and stays silent otherwise.
func New(w io.Writer, label string) *Bar {
	return &Bar{w: w, label: label, on: IsTerminal(w), start: time.Now(), minGap: 100 * time.Millisecond}
}

// Enabled reports whether the bar draws anything.
func (b *Bar) Enabled() bool { return b != nil && b.on }

// Set shows done of total steps of stage (total 0: no bar, just the stage).
func (b *Bar) Set(stage string, done, total int) {
	b.update(stage, float64(done), float64(total), fmt.Sprintf("%d/%d", done, total))
}

// SetBytes shows done of total bytes of stage.
func (b *Bar) SetBytes(stage string, done, total int64) {
	b.update(stage, float64(done), float64(total), fmt.Sprintf("%s/%s", mib(done), mib(total)))
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func (b *Bar) update(stage string, done, total float64, count string) {
	if !b.Enabled() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if stage == b.stage && done < total && now.Sub(b.last) < b.minGap {
		return
	}
	b.stage, b.last = stage, now
	// The bar comes first so that it stays in place as the stage changes.
	line := b.label
	if total > 0 {
		frac := min(max(done/total, 0), 1)
		const width = 24
		n := int(frac * width)
		line += fmt.Sprintf(" [%s%s] %3.0f%% %s", strings.Repeat("#", n), strings.Repeat(".", width-n), 100*frac, count)
	}
	line += fmt.Sprintf(" %.1fs %s", now.Sub(b.start).Seconds(), stage)
	b.draw(line)
}

// draw replaces the line on screen with line.
func (b *Bar) draw(line string) {
	pad := ""
	if len(line) < b.shown {
		pad = strings.Repeat(" ", b.shown-len(line))
	}
	fmt.Fprint(b.w, "\r"+line+pad)
	b.shown = len(line)
}

// Println prints a line of text above the bar (a line of its own when the
// bar is silent), for messages that should stay on screen.
func (b *Bar) Println(w io.Writer, s string) {
	if b == nil {
		fmt.Fprintln(w, s)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.on && b.shown > 0 {
		fmt.Fprint(b.w, "\r"+strings.Repeat(" ", b.shown)+"\r")
		b.shown = 0
		b.stage = "" // redraw on the next update
	}
	fmt.Fprintln(w, s)
}

// Done erases the bar. It may be called more than once.
func (b *Bar) Done() {
	if !b.Enabled() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.shown > 0 {
		fmt.Fprint(b.w, "\r"+strings.Repeat(" ", b.shown)+"\r")
		b.shown = 0
	}
}
