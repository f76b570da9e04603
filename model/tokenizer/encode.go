package tokenizer

import (
	"strings"
	"sync"
)

// fragment is a piece of the input: raw text [start,end) or a token
// recognised in it (id >= 0).
type fragment struct {
	id         int32
	start, end int
}

// isCSpace is C's isspace, which llama.cpp uses to strip around special
// tokens.
func isCSpace(b byte) bool {
	return b == ' ' || b >= '\t' && b <= '\r'
}

// partition splits text at the special tokens written in it, longest
// token first, as llama.cpp's tokenizer_st_partition does. Without
// parseSpecial only user-defined tokens are recognised.
func (t *Tokenizer) partition(text string, parseSpecial bool) []fragment {
	if text == "" {
		return nil
	}
	frags := []fragment{{id: NoToken, start: 0, end: len(text)}}
	var next []fragment
	for _, id := range t.special {
		a := t.attrs[id]
		if !parseSpecial && a&(attrControl|attrUnknown) != 0 {
			continue
		}
		tok := t.tokens[id]
		if !strings.Contains(text, tok) {
			continue
		}
		next = next[:0]
		for _, f := range frags {
			if f.id != NoToken {
				next = append(next, f)
				continue
			}
			start, end := f.start, f.end
			for {
				m := strings.Index(text[start:end], tok)
				if m < 0 {
					next = append(next, fragment{id: NoToken, start: start, end: end})
					break
				}
				m += start
				left := m
				if a&attrLStrip != 0 {
					for left > start && isCSpace(text[left-1]) {
						left--
					}
				}
				if left > start {
					next = append(next, fragment{id: NoToken, start: start, end: left})
				}
				next = append(next, fragment{id: id})
				start = m + len(tok)
				if a&attrRStrip != 0 {
					for start < end && isCSpace(text[start]) {
						start++
					}
				}
				if start >= end {
					break
				}
			}
		}
		frags, next = next, frags
	}
	return frags
}

// Encode tokenizes text. With addSpecial the BOS and EOS tokens are added
// as the model's metadata asks; with parseSpecial control tokens written in
// the text (such as "<|im_start|>") become single tokens. User-defined
// tokens are always recognised. As in llama.cpp, byte-level BPE reads
// invalid UTF-8 as U+FFFD, while SentencePiece keeps it through byte tokens.
func (t *Tokenizer) Encode(text string, addSpecial, parseSpecial bool) []int32 {
	out := make([]int32, 0, len(text)/3+2)
	if addSpecial && t.addBOS {
		out = append(out, t.bos)
	}
	frags := t.partition(text, parseSpecial)
	st := statePool.Get().(*encodeState)
	defer statePool.Put(st)
	clear(st.words)
	st.cached = st.cached[:0]
	prevSpecial := true
	for _, f := range frags {
		if f.id != NoToken {
			out = append(out, f.id)
			prevSpecial = true
			continue
		}
		raw := text[f.start:f.end]
		if t.kind == "spm" {
			out = t.encodeSPM(st, raw, t.addSpace && prevSpecial, out)
		} else {
			out = t.encodeBPE(st, raw, out)
		}
		prevSpecial = false
	}
	if addSpecial && t.addEOS {
		out = append(out, t.eos)
	}
	return out
}

// encodeState is the scratch memory of one Encode call.
type encodeState struct {
	m     merger
	buf   []byte
	runes []rune
	cls   []uint8
	// words caches the ids of the BPE words seen in this call (a word's
	// ids do not depend on its context), as spans of cached.
	words  map[string][2]int32
	cached []int32
}

var statePool = sync.Pool{New: func() any { return new(encodeState) }}

// encodeSPM tokenizes one raw fragment with SentencePiece merges.
func (t *Tokenizer) encodeSPM(st *encodeState, raw string, space bool, out []int32) []int32 {
	st.buf = st.buf[:0]
	if space {
		st.buf = append(st.buf, "▁"...)
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] == ' ' {
			st.buf = append(st.buf, "▁"...)
		} else {
			st.buf = append(st.buf, raw[i])
		}
	}
	text := string(st.buf)
	m := &st.m
	m.init(text)
	m.run(func(start, _, end int) (float64, bool) {
		id, ok := t.ids[text[start:end]]
		if !ok {
			return 0, false
		}
		return float64(t.scores[id]), true
	})
	for i := 0; i != -1 && len(m.syms) > 0; i = m.syms[i].next {
		s := m.syms[i]
		piece := text[s.start : s.start+s.n]
		if id, ok := t.ids[piece]; ok {
			out = append(out, id)
			continue
		}
		for j := 0; j < len(piece); j++ {
			if id := t.byteToken(piece[j]); id != NoToken {
				out = append(out, id)
			}
		}
	}
	return out
}

// byteToken returns the SPM byte-fallback token <0xXX> of b, else the
// single byte as a token, else UNK (NoToken when there is none; llama.cpp
// fails there, Encode drops the byte).
func (t *Tokenizer) byteToken(b byte) int32 {
	const hex = "0123456789ABCDEF"
	if id, ok := t.ids[string([]byte{'<', '0', 'x', hex[b>>4], hex[b&15], '>'})]; ok {
		return id
	}
	if id, ok := t.ids[string([]byte{b})]; ok {
		return id
	}
	return t.unk
}

// encodeBPE tokenizes one raw fragment with byte-level BPE: pre-tokenize,
// map bytes to GPT-2's printable runes, then merge by rank within each word.
func (t *Tokenizer) encodeBPE(st *encodeState, raw string, out []int32) []int32 {
	st.runes = decodeRunes(raw, st.runes[:0])
	st.cls = st.cls[:0]
	for _, r := range st.runes {
		st.cls = append(st.cls, classify(r))
	}
	words := t.split.split(st.runes, st.cls)

	// Byte-encode the whole fragment once; words are substrings of it.
	st.buf = st.buf[:0]
	var utf [4]byte
	bounds := make([]int, 0, len(words)+1)
	bounds = append(bounds, 0)
	ri := 0
	for _, n := range words {
		for _, r := range st.runes[ri : ri+n] {
			for _, b := range appendRune(utf[:0], r) {
				st.buf = append(st.buf, byteToUnicode[b]...)
			}
		}
		ri += n
		bounds = append(bounds, len(st.buf))
	}
	enc := string(st.buf)

	m := &st.m
	for w := 0; w+1 < len(bounds); w++ {
		word := enc[bounds[w]:bounds[w+1]]
		if t.ignoreMerges {
			if id, ok := t.ids[word]; ok {
				out = append(out, id)
				continue
			}
		}
		if span, ok := st.words[word]; ok {
			out = append(out, st.cached[span[0]:span[1]]...)
			continue
		}
		first := len(out)
		m.init(word)
		m.run(func(start, mid, end int) (float64, bool) {
			rank, ok := t.ranks[[2]string{word[start:mid], word[mid:end]}]
			return -float64(rank), ok
		})
		for i := 0; i != -1 && len(m.syms) > 0; i = m.syms[i].next {
			s := m.syms[i]
			piece := word[s.start : s.start+s.n]
			if id, ok := t.ids[piece]; ok {
				out = append(out, id)
				continue
			}
			// As llama.cpp: fall back to single-byte tokens of the
			// encoded text, dropping bytes that have none.
			for j := 0; j < len(piece); j++ {
				if id, ok := t.ids[piece[j:j+1]]; ok {
					out = append(out, id)
				}
			}
		}
		if st.words == nil {
			st.words = map[string][2]int32{}
		}
		st.words[word] = [2]int32{int32(len(st.cached)), int32(len(st.cached) + len(out) - first)}
		st.cached = append(st.cached, out[first:]...)
	}
	return out
}
