package fallback

import (
	"bufio"
	"bytes"
	"io"
	"strings"
)

// sseReader reads server-sent events as the HTML standard defines them,
// which is what every OpenAI-compatible server sends, each with its own
// habits: lines end in "\n", "\r\n" or "\r"; "data:" may or may not be
// followed by a space; lines starting with ":" are comments (keep-alives);
// an event's data lines are joined with "\n"; fields other than "event"
// and "data" are ignored.
type sseReader struct {
	sc *bufio.Scanner
}

// maxEventBytes bounds one line of an event stream.
const maxEventBytes = 16 << 20

func newSSEReader(r io.Reader) *sseReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventBytes)
	sc.Split(scanSSELines)
	return &sseReader{sc: sc}
}

// next returns the next event with data. At the end of the stream it
// returns io.EOF, or the error that ended it (such as
// io.ErrUnexpectedEOF for a connection cut mid-response). A last event
// that a clean end of the stream cuts off before its blank line is still
// returned: the standard drops it, but servers that end that way mean it.
func (s *sseReader) next() (event, data string, err error) {
	var lines []string
	for s.sc.Scan() {
		line := s.sc.Text()
		if line == "" {
			if lines != nil {
				return event, strings.Join(lines, "\n"), nil
			}
			event = "" // an event without data is not dispatched
			continue
		}
		if line[0] == ':' {
			continue // a comment: a keep-alive
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			event = value
		case "data":
			lines = append(lines, value)
		}
	}
	if err := s.sc.Err(); err != nil {
		return "", "", err
	}
	if lines != nil {
		return event, strings.Join(lines, "\n"), nil
	}
	return "", "", io.EOF
}

// scanSSELines splits at "\r\n", "\n" or a lone "\r".
func scanSSELines(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		if data[i] == '\n' {
			return i + 1, data[:i], nil
		}
		if i+1 < len(data) {
			if data[i+1] == '\n' {
				return i + 2, data[:i], nil
			}
			return i + 1, data[:i], nil
		}
		if !atEOF {
			return 0, nil, nil // a "\r" at the end: wait for a possible "\n"
		}
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
