package jinja

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token.
type tokKind int

const (
	tokEOF tokKind = iota
	tokData
	tokVariableBegin
	tokVariableEnd
	tokBlockBegin
	tokBlockEnd
	tokName
	tokString
	tokInteger
	tokFloat
	tokOperator
)

// token is one lexical token. For an operator val is the operator's text;
// for a number num holds its value.
type token struct {
	kind tokKind
	val  string
	num  Value
	line int
}

func (t token) is(kind tokKind, val string) bool { return t.kind == kind && t.val == val }

// describe names a token in an error message, as Jinja2 does.
func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of template"
	case tokVariableBegin:
		return "begin of print statement"
	case tokVariableEnd:
		return "end of print statement"
	case tokBlockBegin:
		return "begin of statement block"
	case tokBlockEnd:
		return "end of statement block"
	case tokData:
		return "template data"
	}
	return t.val
}

// lexer splits a template into tokens with the rules of Jinja2's lexer in
// transformers' configuration: trim_blocks, lstrip_blocks, no
// keep_trailing_newline.
type lexer struct {
	src  string
	pos  int
	line int
	toks []token
	// lineStarting is whether the last match ended a line (or nothing was
	// matched yet): lstrip_blocks then applies to text without a newline.
	lineStarting bool
}

// syntaxError is a template syntax error at a line.
type syntaxError struct {
	line int
	msg  string
}

func (e *syntaxError) Error() string { return e.msg }

// lex tokenizes src.
func lex(src string) ([]token, error) {
	// Newlines are normalized to \n and one trailing newline is dropped.
	src = strings.ReplaceAll(src, "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	src = strings.TrimSuffix(src, "\n")
	l := &lexer{src: src, line: 1, lineStarting: true}
	if err := l.root(); err != nil {
		return nil, err
	}
	l.toks = append(l.toks, token{kind: tokEOF, line: l.line})
	return l.toks, nil
}

func (l *lexer) fail(format string, args ...any) error {
	return &syntaxError{line: l.line, msg: fmt.Sprintf(format, args...)}
}

func (l *lexer) emit(kind tokKind, val string) {
	l.toks = append(l.toks, token{kind: kind, val: val, line: l.line})
}

// advance moves past n bytes, counting lines.
func (l *lexer) advance(n int) {
	l.line += strings.Count(l.src[l.pos:l.pos+n], "\n")
	l.pos += n
}

// root lexes template data and the tags in it.
func (l *lexer) root() error {
	for l.pos < len(l.src) {
		start := l.nextTag(l.pos)
		if start < 0 {
			l.emit(tokData, l.src[l.pos:])
			l.advance(len(l.src) - l.pos)
			return nil
		}
		kind := l.src[start+1]
		sign := byte(0)
		if start+2 < len(l.src) && (l.src[start+2] == '-' || l.src[start+2] == '+') {
			sign = l.src[start+2]
		}
		raw, rawLen := l.rawBegin(start)
		text := l.src[l.pos:start]
		textLine := l.line
		text = l.stripText(text, sign, kind != '{')
		l.advance(start - l.pos)
		if text != "" {
			l.toks = append(l.toks, token{kind: tokData, val: text, line: textLine})
		}
		l.lineStarting = false
		switch {
		case raw:
			l.advance(rawLen)
			l.lineStarting = l.src[l.pos-1] == '\n'
			if err := l.rawBody(); err != nil {
				return err
			}
		case kind == '#':
			if err := l.comment(start); err != nil {
				return err
			}
		default:
			tagLen := 2
			if sign != 0 {
				tagLen = 3
			}
			begin, end := tokBlockBegin, tokBlockEnd
			if kind == '{' {
				begin, end = tokVariableBegin, tokVariableEnd
			}
			l.emit(begin, l.src[start:start+tagLen])
			l.advance(tagLen)
			if err := l.inside(end); err != nil {
				return err
			}
		}
	}
	return nil
}

// nextTag returns the position of the next "{{", "{%" or "{#" from pos, or -1.
func (l *lexer) nextTag(pos int) int {
	for {
		i := strings.IndexByte(l.src[pos:], '{')
		if i < 0 || pos+i+1 >= len(l.src) {
			return -1
		}
		pos += i
		switch l.src[pos+1] {
		case '{', '%', '#':
			return pos
		}
		pos++
	}
}

// stripText applies whitespace control to the text before a tag: "-"
// strips all white space, else lstrip_blocks strips the spaces and tabs
// that open the tag's line (block and comment tags only, not after "+").
func (l *lexer) stripText(text string, sign byte, block bool) string {
	switch {
	case sign == '-':
		return strings.TrimRightFunc(text, isSpace)
	case sign == '+' || !block:
		return text
	}
	lpos := strings.LastIndexByte(text, '\n') + 1
	if lpos == 0 && !l.lineStarting {
		return text
	}
	rest := text[lpos:]
	if rest != "" && strings.TrimLeftFunc(rest, isSpace) == "" {
		return text[:lpos]
	}
	return text
}

// rawBegin reports whether a {% raw %} tag starts at start, and its length.
func (l *lexer) rawBegin(start int) (bool, int) {
	s := l.src[start:]
	if !strings.HasPrefix(s, "{%") {
		return false, 0
	}
	i := 2
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	i = skipSpace(s, i)
	if !strings.HasPrefix(s[i:], "raw") {
		return false, 0
	}
	i = skipSpace(s, i+3)
	switch {
	case strings.HasPrefix(s[i:], "-%}"):
		return true, skipSpace(s, i+3)
	case strings.HasPrefix(s[i:], "%}"):
		return true, i + 2
	}
	return false, 0
}

func skipSpace(s string, i int) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isSpace(r) {
			break
		}
		i += n
	}
	return i
}

// rawBody lexes the data of a raw block through its {% endraw %}.
func (l *lexer) rawBody() error {
	for search := l.pos; ; {
		i := strings.Index(l.src[search:], "{%")
		if i < 0 {
			return l.fail("Missing end of raw directive")
		}
		start := search + i
		j := start + 2
		sign := byte(0)
		if j < len(l.src) && (l.src[j] == '-' || l.src[j] == '+') {
			sign = l.src[j]
			j++
		}
		j = skipSpace(l.src, j)
		if !strings.HasPrefix(l.src[j:], "endraw") {
			search = start + 2
			continue
		}
		j = skipSpace(l.src, j+6)
		end, ok := l.tagEnd(j, "%}")
		if !ok {
			search = start + 2
			continue
		}
		text := l.stripText(l.src[l.pos:start], sign, true)
		if text != "" {
			l.emit(tokData, text)
		}
		l.advance(end - l.pos)
		l.lineStarting = l.src[end-1] == '\n'
		return nil
	}
}

// tagEnd matches the end of a block or comment tag at i ("+%}", "-%}" and
// the white space after it, or "%}" and, with trim_blocks, one newline) and
// returns the position after it.
func (l *lexer) tagEnd(i int, end string) (int, bool) {
	s := l.src
	switch {
	case strings.HasPrefix(s[i:], "+"+end):
		return i + 3, true
	case strings.HasPrefix(s[i:], "-"+end):
		return skipSpace(s, i+3), true
	case strings.HasPrefix(s[i:], end):
		i += 2
		if i < len(s) && s[i] == '\n' {
			i++
		}
		return i, true
	}
	return 0, false
}

// comment skips a comment that starts at start.
func (l *lexer) comment(start int) error {
	l.advance(start + 2 - l.pos)
	for search := l.pos; ; {
		i := strings.Index(l.src[search:], "#}")
		if i < 0 {
			return l.fail("Missing end of comment tag")
		}
		at := search + i
		// The end may be written "-#}" or "+#}".
		if at > l.pos && (l.src[at-1] == '-' || l.src[at-1] == '+') {
			at--
		}
		end, _ := l.tagEnd(at, "#}")
		l.advance(end - l.pos)
		l.lineStarting = l.src[end-1] == '\n'
		return nil
	}
}

// operators lists Jinja2's operators, longest first.
var operators = []string{
	"//", "**", "==", "!=", ">=", "<=",
	"+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}",
	">", "<", "=", ".", ":", "|", ",", ";",
}

// inside lexes the expression tokens of a tag up to its end.
func (l *lexer) inside(end tokKind) error {
	var balance []byte
	for {
		if l.pos >= len(l.src) {
			return nil // the parser reports the missing end
		}
		if len(balance) == 0 {
			if end == tokBlockEnd {
				if e, ok := l.tagEnd(l.pos, "%}"); ok {
					l.emit(tokBlockEnd, l.src[l.pos:e])
					l.advance(e - l.pos)
					l.lineStarting = l.src[e-1] == '\n'
					return nil
				}
			} else {
				s := l.src[l.pos:]
				n := 0
				switch {
				case strings.HasPrefix(s, "-}}"):
					n = skipSpace(l.src, l.pos+3) - l.pos
				case strings.HasPrefix(s, "}}"):
					n = 2
				}
				if n > 0 {
					l.emit(tokVariableEnd, s[:n])
					l.advance(n)
					l.lineStarting = l.src[l.pos-1] == '\n'
					return nil
				}
			}
		}
		s := l.src[l.pos:]
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case isSpace(r):
			l.advance(skipSpace(l.src, l.pos) - l.pos)
		case r >= '0' && r <= '9':
			if err := l.number(); err != nil {
				return err
			}
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			n := 1
			for n < len(s) && (s[n] == '_' || s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || s[n] >= '0' && s[n] <= '9') {
				n++
			}
			l.emit(tokName, s[:n])
			l.advance(n)
		case r == '\'' || r == '"':
			if err := l.str(); err != nil {
				return err
			}
		default:
			op := ""
			for _, o := range operators {
				if strings.HasPrefix(s, o) {
					op = o
					break
				}
			}
			if op == "" {
				return l.fail("unexpected char %s at %d", repr(string(r)), utf8.RuneCountInString(l.src[:l.pos]))
			}
			_ = size
			switch op {
			case "(", "[", "{":
				balance = append(balance, map[string]byte{"(": ')', "[": ']', "{": '}'}[op])
			case ")", "]", "}":
				if len(balance) == 0 {
					return l.fail("unexpected '%s'", op)
				}
				want := balance[len(balance)-1]
				balance = balance[:len(balance)-1]
				if want != op[0] {
					return l.fail("unexpected '%s', expected '%c'", op, want)
				}
			}
			l.emit(tokOperator, op)
			l.advance(len(op))
		}
	}
}

// number lexes an integer or float literal as Jinja2 does (underscores
// between digits, 0b/0o/0x prefixes, exponents).
func (l *lexer) number() error {
	s := l.src[l.pos:]
	digits := func(i int) int { // (\d+_)*\d+ from i; returns end or i
		j := i
		for {
			k := j
			for k < len(s) && s[k] >= '0' && s[k] <= '9' {
				k++
			}
			if k == j {
				return j
			}
			j = k
			if j+1 < len(s) && s[j] == '_' && s[j+1] >= '0' && s[j+1] <= '9' {
				j++
				continue
			}
			return j
		}
	}
	// Float: digits, then a fraction and/or an exponent.
	n := digits(0)
	end := n
	if n < len(s) && s[n] == '.' {
		if f := digits(n + 1); f > n+1 {
			end = f
		}
	}
	if end < len(s) && (s[end] == 'e' || s[end] == 'E') {
		j := end + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if e := digits(j); e > j {
			end = e
		}
	}
	if end > n {
		f, err := strconv.ParseFloat(strings.ReplaceAll(s[:end], "_", ""), 64)
		if err != nil && !strings.Contains(err.Error(), "range") {
			return l.fail("invalid float %q", s[:end])
		}
		l.toks = append(l.toks, token{kind: tokFloat, val: s[:end], num: f, line: l.line})
		l.advance(end)
		return nil
	}
	// Integer: 0b, 0o, 0x, a decimal without leading zeros, or zeros.
	base, i := 10, 0
	if len(s) > 2 && s[0] == '0' {
		switch s[1] | 0x20 {
		case 'b':
			base = 2
		case 'o':
			base = 8
		case 'x':
			base = 16
		}
		if base != 10 {
			if j := digitRun(s, 2, base); j > 2 {
				i = 2
			} else {
				base = 10
			}
		}
	}
	var j int
	switch {
	case i == 2:
		j = digitRun(s, 2, base)
	case s[0] == '0':
		j = 1
		for j < len(s) && (s[j] == '0' || s[j] == '_' && j+1 < len(s) && s[j+1] == '0') {
			j++
		}
	default:
		j = digitRun(s, 0, 10)
	}
	bi, ok := new(big.Int).SetString(strings.ReplaceAll(s[i:j], "_", ""), base)
	if !ok {
		return l.fail("invalid integer %q", s[:j])
	}
	var v Value
	if bi.IsInt64() {
		v = bi.Int64()
	} else {
		f, _ := new(big.Float).SetInt(bi).Float64()
		v = f
	}
	l.toks = append(l.toks, token{kind: tokInteger, val: s[:j], num: v, line: l.line})
	l.advance(j)
	return nil
}

// digitRun returns the end of the digits of base from i, single
// underscores allowed between them ((_?digit)* in Jinja2's pattern).
func digitRun(s string, i, base int) int {
	for {
		j := i
		if j < len(s) && s[j] == '_' && i > 0 {
			j++
		}
		if j < len(s) && digitValue(s[j]) < base {
			i = j + 1
			continue
		}
		return i
	}
}

func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return 99
}

// str lexes a quoted string literal and decodes Python's escapes.
func (l *lexer) str() error {
	s := l.src[l.pos:]
	q := s[0]
	i := 1
	for i < len(s) && s[i] != q {
		if s[i] == '\\' {
			i++
		}
		i++
	}
	if i >= len(s) {
		return l.fail("unexpected char %s at %d", repr(string(q)), utf8.RuneCountInString(l.src[:l.pos]))
	}
	val, err := unescape(s[1:i])
	if err != nil {
		return l.fail("%s", err.Error())
	}
	l.toks = append(l.toks, token{kind: tokString, val: val, line: l.line})
	l.advance(i + 1)
	return nil
}

// unescape decodes the backslash escapes of a Python string literal;
// unknown escapes stay as written.
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch c = s[i]; c {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(c)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
			if i+1+n > len(s) {
				return "", fmt.Errorf("truncated \\%cXX escape", c)
			}
			v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil {
				return "", fmt.Errorf("truncated \\%cXX escape", c)
			}
			if v > utf8.MaxRune {
				return "", fmt.Errorf("illegal Unicode character")
			}
			b.WriteRune(rune(v))
			i += n
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(s[i:j], 8, 32)
			b.WriteRune(rune(v))
			i = j - 1
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
