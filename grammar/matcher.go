package grammar

import (
	"errors"
	"slices"
)

// Bounds on the work of one character; matching a grammar past them is
// refused with ErrTooAmbiguous.
const (
	// maxStacks bounds the number of pushdown stacks alive at once. Only
	// a highly ambiguous grammar gets near it (each level of an ambiguous
	// nesting doubles them).
	maxStacks = 1 << 14
	// maxExpansions bounds the stack entries visited to follow one
	// character, which a grammar of many rules that can match nothing,
	// each used twice by the one before, makes grow exponentially even
	// before the stacks are counted.
	maxExpansions = 1 << 18
)

// ErrTooAmbiguous is reported when a grammar keeps more than 16384 parses
// of the text open at once, or needs more than 262144 steps to follow one
// character.
var ErrTooAmbiguous = errors.New("grammar: too ambiguous: over 16384 parses of the text open at once, or over 262144 steps for one character")

// Transition results in the tables of a stack set.
const (
	dead    int32 = -1 // no stack can take the character
	unknown int32 = -2 // not computed yet
)

// stackNode is one entry of a pushdown stack: the position in Grammar.elems
// of the next element to match, and the node below it (the rest of the
// stack). Node 0 is the empty stack.
type stackNode struct{ pos, parent int32 }

// stackSet is one set of stacks the text so far can be in, with the
// transitions computed from it so far.
type stackSet struct {
	// tops are the stacks, as the ids of their top nodes, sorted. The top
	// of every stack but the empty one (id 0) is a character element.
	tops []int32
	// ascii[c] is the set after the ASCII character c (dead, unknown or
	// a set id).
	ascii [128]int32
	// Characters from U+0080 up are grouped into intervals that every
	// top's class either fully contains or misses, so the set after a
	// character depends only on its interval: interval i is
	// [bounds[i], bounds[i+1]) and next[i] is its result.
	bounds []rune
	next   []int32
	// Where runs of ASCII characters lead, for taking whole subtrees of
	// the vocabulary's trie (see within), once computed (runKnown):
	// runBytes are the characters that all lead to the one set runNext,
	// and runs[j-1] the characters any j of which in a row are matched
	// (from this set, one after another, each set on the way taking them
	// all to its runNext).
	runBytes [2]uint64
	runNext  int32
	runs     [][2]uint64
	runKnown bool
	// reach is the longest run within allows (at most maxRun), once
	// computed (reachKnown).
	reach      int
	reachKnown bool
}

// charState is where a Matcher is: a stack set, and the part of a UTF-8
// encoded character read so far when a token ended inside one.
type charState struct {
	set int32
	cp  rune  // bits of the character read so far
	rem uint8 // continuation bytes still to come; 0 at a character boundary
	n   uint8 // length of the character's encoding
}

// minRune[n] is the smallest code point an n-byte UTF-8 sequence may encode.
var minRune = [5]rune{0, 0, 0x80, 0x800, 0x10000}

// Matcher follows one text (one generation) through a grammar: it accepts
// bytes or tokens one at a time and tells which tokens may come next. It
// caches the transitions it computes, so repeated states are cheap. A
// Matcher is not safe for concurrent use.
type Matcher struct {
	g   *Grammar
	v   *Vocab
	end []int32 // tokens that end the text

	nodes   []stackNode
	nodeIDs map[stackNode]int32
	sets    []stackSet
	setIDs  map[string]int32
	cur     charState
	err     error

	// Scratch for computing a transition.
	out  []int32
	seen map[stackNode]struct{}
	key  []byte
	// Scratch for masking: the state at each depth of the trie walk, the
	// allowed tokens, the saved logits of the end tokens.
	walk  []charState
	bits  []uint64
	saved []float32
}

// newMatcher returns a matcher at the start of g's root rule.
func newMatcher(g *Grammar) *Matcher {
	m := &Matcher{
		g:       g,
		nodes:   []stackNode{{-1, -1}},
		nodeIDs: map[stackNode]int32{},
		setIDs:  map[string]int32{},
		seen:    map[stackNode]struct{}{},
	}
	m.out = m.out[:0]
	m.expandRule(g.root, 0)
	m.cur = charState{set: m.internSet()}
	if m.cur.set < 0 && m.err == nil {
		m.err = errors.New("grammar: the root rule cannot match anything")
	}
	return m
}

// Err returns the error that stopped matching (ErrTooAmbiguous), or nil.
func (m *Matcher) Err() error { return m.err }

// CanEnd reports whether the text so far is a complete match of the
// grammar (it may also continue).
func (m *Matcher) CanEnd() bool {
	return m.err == nil && m.cur.rem == 0 && m.sets[m.cur.set].tops[0] == 0
}

// Done reports whether the text so far is complete and cannot continue:
// nothing but the end is left.
func (m *Matcher) Done() bool {
	return m.CanEnd() && len(m.sets[m.cur.set].tops) == 1
}

// AcceptBytes advances over text, which must continue the grammar; on an
// error the matcher is unchanged.
func (m *Matcher) AcceptBytes(text string) error {
	s, ok := m.walkBytes(text)
	if !ok {
		if m.err != nil {
			return m.err
		}
		return errors.New("grammar: the text does not continue the grammar")
	}
	m.cur = s
	return nil
}

// walkBytes returns the state after text from the current one.
func (m *Matcher) walkBytes(text string) (charState, bool) {
	if m.err != nil {
		return charState{}, false
	}
	s := m.cur
	for i := 0; i < len(text); i++ {
		var ok bool
		if s, ok = m.step(s, text[i]); !ok {
			return s, false
		}
	}
	return s, true
}

// Matches reports whether text as a whole matches g.
func (g *Grammar) Matches(text string) bool {
	m := newMatcher(g)
	return m.AcceptBytes(text) == nil && m.CanEnd()
}

// step returns the state after byte b, and false if b cannot come next.
// This is the inner loop of masking.
func (m *Matcher) step(s charState, b byte) (charState, bool) {
	if s.rem == 0 {
		if b < 0x80 {
			nx := m.sets[s.set].ascii[b]
			if nx == unknown {
				nx = m.advance(s.set, rune(b))
				m.sets[s.set].ascii[b] = nx
			}
			return charState{set: nx}, nx >= 0
		}
		switch {
		case b >= 0xC2 && b <= 0xDF:
			s = charState{set: s.set, cp: rune(b & 0x1F), rem: 1, n: 2}
		case b >= 0xE0 && b <= 0xEF:
			s = charState{set: s.set, cp: rune(b & 0x0F), rem: 2, n: 3}
		case b >= 0xF0 && b <= 0xF4:
			s = charState{set: s.set, cp: rune(b & 0x07), rem: 3, n: 4}
		default: // a continuation byte, or a byte UTF-8 never uses
			return s, false
		}
		return s, m.viable(s)
	}
	if b&0xC0 != 0x80 {
		return s, false
	}
	s.cp = s.cp<<6 | rune(b&0x3F)
	s.rem--
	if s.rem > 0 {
		return s, m.viable(s)
	}
	if s.cp < minRune[s.n] || s.cp >= 0xD800 && s.cp <= 0xDFFF || s.cp > maxRune {
		return s, false // overlong, a surrogate, or beyond Unicode
	}
	set := &m.sets[s.set]
	i := interval(set.bounds, s.cp)
	nx := set.next[i]
	if nx == unknown {
		nx = m.advance(s.set, s.cp)
		m.sets[s.set].next[i] = nx
	}
	return charState{set: nx}, nx >= 0
}

// within returns the ASCII characters any h of which in a row (h >= 1)
// can follow set: every token whose bytes past a prefix leading to set
// are h or fewer of them is allowed. The characters that most often lead
// to one same set are the candidates: inside a JSON string they lead back
// to it, inside a string of bounded length to the set one character
// further.
func (m *Matcher) within(set int32, h int) [2]uint64 {
	if !m.sets[set].runKnown {
		m.run(set)
	}
	ss := &m.sets[set]
	if ss.runNext == set || h == 1 {
		return ss.runBytes
	}
	if ss.runNext < 0 {
		return [2]uint64{}
	}
	for len(ss.runs) < h {
		j := len(ss.runs) // runs[j] = runBytes and what can follow for j characters
		bytes, next := ss.runBytes, ss.runNext
		after := m.within(next, j) // may add sets: take ss again
		ss = &m.sets[set]
		ss.runs = append(ss.runs, [2]uint64{bytes[0] & after[0], bytes[1] & after[1]})
	}
	return ss.runs[h-1]
}

// maxRun bounds the runs within computes: a taller subtree of the trie
// is walked into, where its own subtrees are short enough.
const maxRun = 64

// reach returns the longest run of ASCII characters that within(set, h)
// allows, up to the vocabulary's longest token and maxRun.
func (m *Matcher) reach(set int32) int {
	if !m.sets[set].reachKnown {
		h := 0
		for h < min(m.v.maxDepth, maxRun) {
			if run := m.within(set, h+1); run == [2]uint64{} {
				break
			}
			h++
		}
		m.sets[set].reach, m.sets[set].reachKnown = h, true
	}
	return m.sets[set].reach
}

// run computes set's runBytes and runNext: the live set the most ASCII
// characters lead to (the lowest id on a tie), and those characters.
func (m *Matcher) run(set int32) {
	var next [128]int32
	for c := range byte(0x80) {
		nx, ok := m.step(charState{set: set}, c)
		next[c] = dead
		if ok {
			next[c] = nx.set
		}
	}
	best, count := dead, 0
	for _, t := range next {
		if t == dead {
			continue
		}
		n := 0
		for _, u := range next {
			if u == t {
				n++
			}
		}
		if n > count || n == count && t < best {
			best, count = t, n
		}
	}
	var bytes [2]uint64
	for c, t := range next {
		if t == best && best != dead {
			bytes[c>>6] |= 1 << (c & 63)
		}
	}
	ss := &m.sets[set]
	ss.runBytes, ss.runNext, ss.runs, ss.runKnown = bytes, best, [][2]uint64{bytes}, true
}

// viable reports whether the character begun in s can still complete into
// one that some stack of its set takes.
func (m *Matcher) viable(s charState) bool {
	shift := 6 * uint(s.rem)
	lo := s.cp << shift
	hi := min(lo|(1<<shift-1), maxRune)
	lo = max(lo, minRune[s.n])
	if lo > hi || lo >= 0xD800 && hi <= 0xDFFF {
		return false
	}
	set := &m.sets[s.set]
	for i := interval(set.bounds, lo); i < len(set.next) && set.bounds[i] <= hi; i++ {
		if set.next[i] != dead {
			return true
		}
	}
	return false
}

// interval returns i such that bounds[i] <= r < bounds[i+1], for r >= 0x80.
func interval(bounds []rune, r rune) int {
	lo, hi := 0, len(bounds)-1
	for hi-lo > 1 {
		m := (lo + hi) / 2
		if bounds[m] <= r {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

// advance computes the set after character c from set, or dead.
func (m *Matcher) advance(set int32, c rune) int32 {
	if m.err != nil {
		return dead
	}
	m.out = m.out[:0]
	clear(m.seen)
	for _, n := range m.sets[set].tops {
		if n == 0 {
			continue
		}
		nd := m.nodes[n]
		if m.g.classes[m.g.elems[nd.pos].arg].contains(c) {
			m.after(nd.pos+1, nd.parent)
		}
	}
	return m.internSet()
}

// after continues a stack at position pos (which may end its alternative)
// above parent.
func (m *Matcher) after(pos, parent int32) {
	if m.g.elems[pos].op == opEnd {
		m.pop(parent)
		return
	}
	m.expand(pos, parent)
}

// pop continues with the stack below a finished alternative.
func (m *Matcher) pop(parent int32) {
	if parent == 0 {
		m.out = append(m.out, 0)
		return
	}
	p := m.nodes[parent]
	m.expand(p.pos, p.parent)
}

// expand adds the stacks that match the element at pos next (above
// parent): the element itself when it is a character, every alternative of
// the rule when it is a reference.
func (m *Matcher) expand(pos, parent int32) {
	key := stackNode{pos, parent}
	if _, ok := m.seen[key]; ok || m.err != nil {
		return
	}
	if len(m.seen) >= maxExpansions || len(m.out) > maxStacks {
		m.err = ErrTooAmbiguous
		return
	}
	m.seen[key] = struct{}{}
	e := m.g.elems[pos]
	if e.op == opChar {
		m.out = append(m.out, m.node(pos, parent))
		return
	}
	cont := parent
	if m.g.elems[pos+1].op != opEnd {
		cont = m.node(pos+1, parent)
	}
	m.expandRule(e.arg, cont)
}

// expandRule adds the stacks that start rule r, with cont below.
func (m *Matcher) expandRule(r, cont int32) {
	for _, a := range m.g.alts[r] {
		m.after(a, cont)
	}
}

// node returns the id of stack node (pos, parent).
func (m *Matcher) node(pos, parent int32) int32 {
	key := stackNode{pos, parent}
	if id, ok := m.nodeIDs[key]; ok {
		return id
	}
	id := int32(len(m.nodes))
	m.nodes = append(m.nodes, key)
	m.nodeIDs[key] = id
	return id
}

// internSet returns the id of the set of stacks in m.out (dead when it is
// empty), creating it with its tables on first sight.
func (m *Matcher) internSet() int32 {
	if len(m.out) == 0 || m.err != nil {
		return dead
	}
	slices.Sort(m.out)
	m.out = slices.Compact(m.out)
	if len(m.out) > maxStacks {
		m.err = ErrTooAmbiguous
		return dead
	}
	m.key = m.key[:0]
	for _, n := range m.out {
		m.key = append(m.key, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	if id, ok := m.setIDs[string(m.key)]; ok {
		return id
	}
	id := int32(len(m.sets))
	m.setIDs[string(m.key)] = id
	s := stackSet{tops: slices.Clone(m.out)}
	for i := range s.ascii {
		s.ascii[i] = unknown
	}
	s.bounds = []rune{0x80, maxRune + 1}
	for _, n := range s.tops {
		if n == 0 {
			continue
		}
		for _, sp := range m.g.classes[m.g.elems[m.nodes[n].pos].arg] {
			if sp.hi >= 0x80 {
				s.bounds = append(s.bounds, max(sp.lo, 0x80), sp.hi+1)
			}
		}
	}
	slices.Sort(s.bounds)
	s.bounds = slices.Compact(s.bounds)
	s.next = make([]int32, len(s.bounds)-1)
	for i := range s.next {
		s.next[i] = dead
		for _, n := range s.tops {
			if n != 0 && m.g.classes[m.g.elems[m.nodes[n].pos].arg].contains(s.bounds[i]) {
				s.next[i] = unknown
				break
			}
		}
	}
	m.sets = append(m.sets, s)
	return id
}
