package grammar

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Vocab is a tokenizer's vocabulary as the bytes each token stands for,
// arranged as a byte trie for masking. Build it once per model; it is
// immutable and safe for concurrent use.
type Vocab struct {
	pieces []string
	// The trie in depth-first order: node i's subtree is nodes[i:
	// nodes[i].skip], its tokens are toks[nodes[i].tok:nodes[i+1].tok].
	// A final sentinel node closes the token ranges.
	nodes    []trieNode
	toks     []int32
	maxDepth int
	// bytesets are the distinct sets of bytes that subtrees hold, for the
	// subtrees made of ASCII only; bytesets[0] stands for the others.
	bytesets [][2]uint64
}

type trieNode struct {
	tok    int32  // first of this node's tokens in Vocab.toks
	skip   int32  // the index after this node's subtree
	bytes  uint32 // the bytes in this node's subtree: an index in Vocab.bytesets
	depth  uint16 // length of the node's prefix (the root's children are 1)
	height uint16 // the most bytes a token of the subtree has from this node on (1 for a leaf)
	b      byte   // the last byte of the prefix
}

// maxPiece bounds the length of a token's text in the trie.
const maxPiece = math.MaxUint16

// NewVocab builds the vocabulary of len(pieces) tokens where token i
// stands for the bytes pieces[i]. An empty piece marks a token that text
// can never produce (a control token); end-of-generation tokens are given
// to NewMatcher instead. A piece longer than 65535 bytes is an error.
func NewVocab(pieces []string) (*Vocab, error) {
	v := &Vocab{pieces: slices.Clone(pieces)}
	var ids []int32
	for i, p := range pieces {
		if len(p) > maxPiece {
			return nil, fmt.Errorf("grammar: token %d is %d bytes long (at most %d)", i, len(p), maxPiece)
		}
		if p != "" {
			ids = append(ids, int32(i))
		}
	}
	slices.SortFunc(ids, func(a, b int32) int { return cmp.Or(strings.Compare(pieces[a], pieces[b]), cmp.Compare(a, b)) })
	var open []int32 // the nodes on the path to the last one, by depth-1
	prev := ""
	for _, id := range ids {
		p := pieces[id]
		lcp := 0
		for lcp < len(p) && lcp < len(prev) && p[lcp] == prev[lcp] {
			lcp++
		}
		for d := lcp; d < len(p); d++ {
			for len(open) > d { // close the subtrees this node is not in
				v.nodes[open[len(open)-1]].skip = int32(len(v.nodes))
				open = open[:len(open)-1]
			}
			open = append(open, int32(len(v.nodes)))
			v.nodes = append(v.nodes, trieNode{tok: int32(len(v.toks)), depth: uint16(d + 1), b: p[d]})
		}
		v.toks = append(v.toks, id)
		v.maxDepth = max(v.maxDepth, len(p))
		prev = p
	}
	for _, i := range open {
		v.nodes[i].skip = int32(len(v.nodes))
	}
	v.nodes = append(v.nodes, trieNode{tok: int32(len(v.toks))})
	v.indexBytes()
	return v, nil
}

// indexBytes records, for every subtree of ASCII bytes only, the set of
// bytes it holds, and every subtree's height: when any run of that many of
// those bytes can follow a state, every token of the subtree is allowed
// without walking it.
func (v *Vocab) indexBytes() {
	v.bytesets = [][2]uint64{{}}
	ids := map[[2]uint64]uint32{}
	sets := make([][2]uint64, len(v.nodes)-1)
	ascii := make([]bool, len(v.nodes)-1)
	for i := len(v.nodes) - 2; i >= 0; i-- {
		nd := &v.nodes[i]
		ok := nd.b < 0x80
		var set [2]uint64
		if ok {
			set[nd.b>>6] |= 1 << (nd.b & 63)
		}
		nd.height = 1
		for j := i + 1; j < int(nd.skip); j = int(v.nodes[j].skip) {
			nd.height = max(nd.height, v.nodes[j].height+1)
			ok = ok && ascii[j]
			set[0] |= sets[j][0]
			set[1] |= sets[j][1]
		}
		sets[i], ascii[i] = set, ok
		if !ok {
			continue
		}
		id, seen := ids[set]
		if !seen {
			id = uint32(len(v.bytesets))
			v.bytesets = append(v.bytesets, set)
			ids[set] = id
		}
		nd.bytes = id
	}
}

// Size returns the number of tokens.
func (v *Vocab) Size() int { return len(v.pieces) }

// NewMatcher returns a matcher for one generation from g, over the tokens
// of v. The end tokens (end of generation, end of turn) are allowed only
// when the text so far completes the grammar.
func (g *Grammar) NewMatcher(v *Vocab, end []int32) *Matcher {
	m := newMatcher(g)
	m.v = v
	m.end = slices.Clone(end)
	m.walk = make([]charState, v.maxDepth+1)
	m.bits = make([]uint64, (len(v.pieces)+63)/64)
	m.saved = make([]float32, len(end))
	return m
}

// isEnd reports whether id is one of the end tokens.
func (m *Matcher) isEnd(id int32) bool {
	return slices.Contains(m.end, id)
}

// Allows reports whether token id can come next.
func (m *Matcher) Allows(id int32) bool {
	if m.isEnd(id) {
		return m.CanEnd()
	}
	if id < 0 || int(id) >= len(m.v.pieces) || m.v.pieces[id] == "" {
		return false
	}
	_, ok := m.walkBytes(m.v.pieces[id])
	return ok
}

// Accept advances over token id, which must be allowed. An end token
// leaves the matcher where it is.
func (m *Matcher) Accept(id int32) error {
	if m.isEnd(id) {
		if !m.CanEnd() {
			return fmt.Errorf("grammar: end token %d before the grammar is complete", id)
		}
		return nil
	}
	if id < 0 || int(id) >= len(m.v.pieces) || m.v.pieces[id] == "" {
		return fmt.Errorf("grammar: token %d has no text", id)
	}
	if err := m.AcceptBytes(m.v.pieces[id]); err != nil {
		return fmt.Errorf("grammar: token %d (%q): %w", id, m.v.pieces[id], err)
	}
	return nil
}

// Mask sets the logit of every token that cannot come next to -Inf;
// logits holds one entry per token of the vocabulary. If no token can
// come next, every logit becomes -Inf (Err says why when it is the
// grammar's ambiguity).
func (m *Matcher) Mask(logits []float32) {
	for i, id := range m.end {
		m.saved[i] = logits[id]
	}
	m.allowed()
	negInf := float32(math.Inf(-1))
	for w, word := range m.bits {
		if word == math.MaxUint64 {
			continue
		}
		base := w * 64
		for j := range min(64, len(logits)-base) {
			if word&(1<<j) == 0 {
				logits[base+j] = negInf
			}
		}
	}
	canEnd := m.CanEnd()
	for i, id := range m.end {
		if canEnd {
			logits[id] = m.saved[i]
		} else {
			logits[id] = negInf
		}
	}
}

// allowed sets m.bits to the tokens whose text can come next, walking the
// trie and skipping every subtree whose prefix is rejected.
func (m *Matcher) allowed() {
	clear(m.bits)
	if m.err != nil {
		return
	}
	nodes, toks, st, bits := m.v.nodes, m.v.toks, m.walk, m.bits
	st[0] = m.cur
	for i := 0; i < len(nodes)-1; {
		nd := &nodes[i]
		// A subtree of ASCII bytes that any run of its height can follow
		// is allowed whole (a JSON string's characters, say).
		if s := st[nd.depth-1]; nd.bytes != 0 && s.rem == 0 && int(nd.height) <= m.reach(s.set) {
			if set, run := m.v.bytesets[nd.bytes], m.within(s.set, int(nd.height)); set[0]&^run[0] == 0 && set[1]&^run[1] == 0 {
				for _, t := range toks[nd.tok:nodes[nd.skip].tok] {
					bits[t>>6] |= 1 << (t & 63)
				}
				i = int(nd.skip)
				continue
			}
		}
		s, ok := m.step(st[nd.depth-1], nd.b)
		if !ok {
			i = int(nd.skip)
			continue
		}
		st[nd.depth] = s
		for _, t := range toks[nd.tok:nodes[i+1].tok] {
			bits[t>>6] |= 1 << (t & 63)
		}
		i++
	}
}
