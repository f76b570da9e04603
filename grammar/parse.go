package grammar

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits that keep a hostile grammar from exhausting memory.
const (
	// MaxRepeat is the largest count a {m,n} repetition may give.
	MaxRepeat = 100000
	// maxElements bounds the size of a compiled grammar (one element per
	// character, rule reference or end of alternative).
	maxElements = 1 << 22
)

// SyntaxError is a problem with a grammar's text, at a line and column
// (both from 1; the column counts characters).
type SyntaxError struct {
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("grammar: line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// op is the kind of a grammar element.
type op uint8

const (
	opEnd  op = iota // the end of an alternative
	opRef            // a reference to rule arg
	opChar           // one character of class arg
)

// elem is one element of a rule's alternative.
type elem struct {
	op  op
	arg int32
}

// prule is a rule while parsing.
type prule struct {
	name    string
	alts    [][]elem
	defined bool
	at      int    // source offset of its definition, or first use
	what    string // for generated rules: what made them ("group", "repetition")
}

// repetition is an unbounded repetition, checked once nullability is known.
type repetition struct {
	item elem
	at   int
}

// parser reads GBNF text into rules.
type parser struct {
	src      string
	pos      int
	rules    []*prule
	byName   map[string]int32
	classes  []class
	classIDs map[string]int32
	reps     []repetition
	size     int
}

// Parse reads a GBNF grammar (see the package doc) and checks it: every
// referenced rule is defined, "root" exists, matching cannot loop forever,
// and the start is not too ambiguous to follow (see ErrTooAmbiguous).
// Errors are *SyntaxError values with the line and column.
func Parse(src string) (*Grammar, error) {
	if !utf8.ValidString(src) {
		off := 0
		for off < len(src) {
			r, n := utf8.DecodeRuneInString(src[off:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			off += n
		}
		return nil, errorAt(src, off, "the grammar is not valid UTF-8")
	}
	p := &parser{src: src, byName: map[string]int32{}, classIDs: map[string]int32{}}
	if err := p.parseRules(); err != nil {
		return nil, err
	}
	return p.compile()
}

// errorAt returns a SyntaxError at byte offset off of src.
func errorAt(src string, off int, format string, args ...any) *SyntaxError {
	off = min(off, len(src))
	before := src[:off]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return &SyntaxError{Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) errorf(off int, format string, args ...any) error {
	return errorAt(p.src, off, format, args...)
}

func (p *parser) eof() bool  { return p.pos >= len(p.src) }
func (p *parser) peek() byte { return p.src[p.pos] }

// isWordChar reports whether c may appear in a rule name.
func isWordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// skipSpace skips blanks and comments, and newlines too when newlines is
// set.
func (p *parser) skipSpace(newlines bool) {
	for !p.eof() {
		switch c := p.peek(); {
		case c == ' ' || c == '\t':
			p.pos++
		case c == '#':
			for !p.eof() && p.peek() != '\n' && p.peek() != '\r' {
				p.pos++
			}
		case (c == '\n' || c == '\r') && newlines:
			p.pos++
		default:
			return
		}
	}
}

// ruleID returns the id of the rule called name, creating an undefined
// one first referenced at offset at.
func (p *parser) ruleID(name string, at int) int32 {
	if id, ok := p.byName[name]; ok {
		return id
	}
	id := int32(len(p.rules))
	p.rules = append(p.rules, &prule{name: name, at: at})
	p.byName[name] = id
	return id
}

// newRule adds a generated rule (a group or a repetition) made at offset
// at inside rule parent.
func (p *parser) newRule(parent, what string, at int, alts ...[]elem) (elem, error) {
	for _, a := range alts {
		p.size += len(a) + 1
	}
	if p.size > maxElements {
		return elem{}, p.errorf(at, "the grammar is too large (over %d elements once repetitions are expanded)", maxElements)
	}
	id := int32(len(p.rules))
	p.rules = append(p.rules, &prule{name: fmt.Sprintf("%s-%d", parent, id), alts: alts, defined: true, at: at, what: what})
	return elem{opRef, id}, nil
}

// classElem returns the element matching one character of c.
func (p *parser) classElem(c class) elem {
	k := c.key()
	id, ok := p.classIDs[k]
	if !ok {
		id = int32(len(p.classes))
		p.classes = append(p.classes, c)
		p.classIDs[k] = id
	}
	return elem{opChar, id}
}

func (p *parser) parseRules() error {
	for {
		p.skipSpace(true)
		if p.eof() {
			return nil
		}
		start := p.pos
		name := p.parseName()
		if name == "" {
			return p.errorf(p.pos, "expected a rule name, found %s", p.describe())
		}
		p.skipSpace(false)
		if !strings.HasPrefix(p.src[p.pos:], "::=") {
			return p.errorf(p.pos, "expected ::= after rule name %q, found %s", name, p.describe())
		}
		p.pos += 3
		p.skipSpace(true)
		id := p.ruleID(name, start)
		r := p.rules[id]
		if r.defined {
			first := errorAt(p.src, r.at, "")
			return p.errorf(start, "rule %q is defined twice (first at line %d, column %d)", name, first.Line, first.Column)
		}
		r.defined, r.at = true, start
		alts, err := p.parseAlternates(name, false)
		if err != nil {
			return err
		}
		r.alts = alts
		if !p.eof() && p.peek() != '\n' && p.peek() != '\r' {
			return p.errorf(p.pos, "unexpected %s", p.describe())
		}
	}
}

// describe names what is at the current position, for errors.
func (p *parser) describe() string {
	if p.eof() {
		return "the end of the grammar"
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	switch r {
	case '\n', '\r':
		return "the end of the line"
	}
	return strconv.QuoteRune(r)
}

func (p *parser) parseName() string {
	start := p.pos
	for !p.eof() && isWordChar(p.peek()) {
		p.pos++
	}
	return p.src[start:p.pos]
}

// parseAlternates reads sequences separated by |. Outside a group
// (nested false) the alternatives end at the end of the line, unless the
// next line starts with |.
func (p *parser) parseAlternates(rule string, nested bool) ([][]elem, error) {
	var alts [][]elem
	for {
		seq, err := p.parseSequence(rule, nested)
		if err != nil {
			return nil, err
		}
		p.size += len(seq) + 1
		if p.size > maxElements {
			return nil, p.errorf(p.pos, "the grammar is too large (over %d elements once repetitions are expanded)", maxElements)
		}
		alts = append(alts, seq)
		if !p.eof() && p.peek() == '|' {
			p.pos++
			p.skipSpace(true)
			continue
		}
		if !nested {
			save := p.pos
			p.skipSpace(true)
			if !p.eof() && p.peek() == '|' {
				p.pos++
				p.skipSpace(true)
				continue
			}
			p.pos = save
		}
		return alts, nil
	}
}

// parseSequence reads the terms of one alternative.
func (p *parser) parseSequence(rule string, nested bool) ([]elem, error) {
	var seq []elem
	last := -1 // where the last term starts in seq, for a repetition
	for !p.eof() {
		start := p.pos
		c := p.peek()
		switch {
		case c == '"':
			last = len(seq)
			lit, err := p.parseLiteral()
			if err != nil {
				return nil, err
			}
			for _, r := range lit {
				seq = append(seq, p.classElem(class{{r, r}}))
			}
		case c == '[':
			last = len(seq)
			cl, err := p.parseClass()
			if err != nil {
				return nil, err
			}
			seq = append(seq, p.classElem(cl))
		case c == '.':
			p.pos++
			last = len(seq)
			seq = append(seq, p.classElem(class{{0, maxRune}}))
		case isWordChar(c):
			last = len(seq)
			name := p.parseName()
			seq = append(seq, elem{opRef, p.ruleID(name, start)})
		case c == '(':
			p.pos++
			p.skipSpace(true)
			alts, err := p.parseAlternates(rule, true)
			if err != nil {
				return nil, err
			}
			if p.eof() || p.peek() != ')' {
				return nil, p.errorf(p.pos, "expected ) to close the group opened at line %d, column %d, found %s",
					errorAt(p.src, start, "").Line, errorAt(p.src, start, "").Column, p.describe())
			}
			p.pos++
			ref, err := p.newRule(rule, "group", start, alts...)
			if err != nil {
				return nil, err
			}
			last = len(seq)
			seq = append(seq, ref)
		case c == '*' || c == '+' || c == '?' || c == '{':
			if last < 0 {
				return nil, p.errorf(start, "%q has nothing before it to repeat", c)
			}
			lo, hi, err := p.parseRepetition()
			if err != nil {
				return nil, err
			}
			rep, err := p.repeat(rule, seq[last:], lo, hi, start)
			if err != nil {
				return nil, err
			}
			seq = append(seq[:last], rep...)
			last = -1
		case c == '<':
			return nil, p.errorf(start, "token references (<...>) are not supported")
		default:
			return seq, nil
		}
		p.skipSpace(nested)
	}
	return seq, nil
}

// parseRepetition reads * + ? {m} {m,} or {m,n}; hi < 0 means unbounded.
func (p *parser) parseRepetition() (lo, hi int, err error) {
	start := p.pos
	c := p.peek()
	p.pos++
	switch c {
	case '*':
		return 0, -1, nil
	case '+':
		return 1, -1, nil
	case '?':
		return 0, 1, nil
	}
	p.skipSpace(false)
	lo, ok := p.parseInt()
	if !ok {
		return 0, 0, p.errorf(p.pos, "expected a number after {, found %s", p.describe())
	}
	hi = lo
	p.skipSpace(false)
	if !p.eof() && p.peek() == ',' {
		p.pos++
		p.skipSpace(false)
		hi = -1
		if n, ok := p.parseInt(); ok {
			hi = n
			p.skipSpace(false)
		}
	}
	if p.eof() || p.peek() != '}' {
		return 0, 0, p.errorf(p.pos, "expected } to close the repetition, found %s", p.describe())
	}
	p.pos++
	if lo > MaxRepeat || hi > MaxRepeat {
		return 0, 0, p.errorf(start, "repetition count over %d", MaxRepeat)
	}
	if hi >= 0 && hi < lo {
		return 0, 0, p.errorf(start, "repetition {%d,%d} has its maximum below its minimum", lo, hi)
	}
	return lo, hi, nil
}

// parseInt reads a decimal number (capped above MaxRepeat).
func (p *parser) parseInt() (int, bool) {
	start, n := p.pos, 0
	for !p.eof() && p.peek() >= '0' && p.peek() <= '9' {
		n = min(n*10+int(p.peek()-'0'), MaxRepeat+1)
		p.pos++
	}
	return n, p.pos > start
}

// repeat returns the elements matching item (one term) lo to hi times (hi
// < 0: unbounded), adding the rules that needs. An unbounded repetition
// is x* = R where R ::= x R | (nothing): right recursion, so matching
// does not grow the stacks.
func (p *parser) repeat(rule string, item []elem, lo, hi, at int) ([]elem, error) {
	if len(item) == 0 { // an empty literal: repeated, still nothing
		if hi < 0 {
			return nil, p.errorf(at, "this repetition repeats something that can match nothing, so matching could loop forever")
		}
		return nil, nil
	}
	x := item[0]
	if len(item) > 1 { // a multi-character literal repeats as a whole
		var err error
		if x, err = p.newRule(rule, "repetition", at, item); err != nil {
			return nil, err
		}
	}
	if p.size += lo; p.size > maxElements {
		return nil, p.errorf(at, "the grammar is too large (over %d elements once repetitions are expanded)", maxElements)
	}
	out := make([]elem, 0, lo+1)
	for range lo {
		out = append(out, x)
	}
	switch {
	case hi < 0:
		id := int32(len(p.rules))
		star, err := p.newRule(rule, "repetition", at, []elem{x, {opRef, id}}, nil)
		if err != nil {
			return nil, err
		}
		p.reps = append(p.reps, repetition{item: x, at: at})
		out = append(out, star)
	case hi > lo:
		// x{0,k} = R1, R1 ::= x R2 | (nothing), ..., Rk ::= x | (nothing)
		tail, err := p.newRule(rule, "repetition", at, []elem{x}, nil)
		if err != nil {
			return nil, err
		}
		for range hi - lo - 1 {
			if tail, err = p.newRule(rule, "repetition", at, []elem{x, tail}, nil); err != nil {
				return nil, err
			}
		}
		out = append(out, tail)
	}
	return out, nil
}

// parseLiteral reads a "..." literal into code points.
func (p *parser) parseLiteral() ([]rune, error) {
	start := p.pos
	p.pos++
	var out []rune
	for {
		if p.eof() {
			return nil, p.errorf(start, "unterminated literal")
		}
		if p.peek() == '"' {
			p.pos++
			return out, nil
		}
		r, err := p.parseChar()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
}

// parseClass reads a [...] character class.
func (p *parser) parseClass() (class, error) {
	start := p.pos
	p.pos++
	negated := false
	if !p.eof() && p.peek() == '^' {
		negated = true
		p.pos++
	}
	var spans []span
	for {
		if p.eof() {
			return nil, p.errorf(start, "unterminated character class")
		}
		if p.peek() == ']' {
			p.pos++
			return newClass(spans, negated), nil
		}
		at := p.pos
		lo, err := p.parseChar()
		if err != nil {
			return nil, err
		}
		hi := lo
		if p.pos+1 < len(p.src) && p.peek() == '-' && p.src[p.pos+1] != ']' {
			p.pos++
			if hi, err = p.parseChar(); err != nil {
				return nil, err
			}
			if hi < lo {
				return nil, p.errorf(at, "character range %q-%q is backwards", lo, hi)
			}
		}
		spans = append(spans, span{lo, hi})
	}
}

// parseChar reads one character of a literal or class, which may be an
// escape.
func (p *parser) parseChar() (rune, error) {
	start := p.pos
	if p.peek() != '\\' {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		p.pos += n
		return r, nil
	}
	if p.pos+1 >= len(p.src) {
		return 0, p.errorf(start, "unterminated escape")
	}
	c := p.src[p.pos+1]
	p.pos += 2
	switch c {
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		if p.pos+n > len(p.src) {
			return 0, p.errorf(start, "escape \\%c needs %d hexadecimal digits", c, n)
		}
		v, err := strconv.ParseUint(p.src[p.pos:p.pos+n], 16, 32)
		if err != nil {
			return 0, p.errorf(start, "escape \\%c needs %d hexadecimal digits", c, n)
		}
		if v > maxRune {
			return 0, p.errorf(start, "escape \\%c%s is beyond the last Unicode code point", c, p.src[p.pos:p.pos+n])
		}
		p.pos += n
		return rune(v), nil
	case 't':
		return '\t', nil
	case 'r':
		return '\r', nil
	case 'n':
		return '\n', nil
	case 'f':
		return '\f', nil
	case 'v':
		return '\v', nil
	case '0':
		return 0, nil
	case '\\', '"', '[', ']', '-', '^', '/', '\'':
		return rune(c), nil
	}
	r, _ := utf8.DecodeRuneInString(p.src[start+1:])
	return 0, p.errorf(start, "unknown escape \\%c", r)
}
