package testmodel

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// vocab is a synthetic tokenizer vocabulary as stored in GGUF metadata.
type vocab struct {
	tokens []string
	types  []int32
	scores []float32 // SPM only
	merges []string  // BPE only, highest priority first
	bos    uint32
	eos    uint32
	pad    uint32
	unk    int64 // -1 when absent
}

// GGUF token types.
const (
	typeNormal  int32 = 1
	typeUnknown int32 = 2
	typeControl int32 = 3
	typeByte    int32 = 6
)

// bpeControls and spmControls are the control tokens appended after the
// merged tokens or pieces.
var (
	bpeControls = []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>"}
	spmControls = []string{"<|endoftext|>", "<|assistant|>", "<|system|>", "<|end|>", "<|user|>"}
)

// spmSeeds are the single-character pieces an SPM vocabulary starts with,
// so that words can be merged from them.
var spmSeeds = func() []string {
	s := []string{"▁"}
	for c := 'a'; c <= 'z'; c++ {
		s = append(s, string(c))
	}
	for c := 'A'; c <= 'Z'; c++ {
		s = append(s, string(c))
	}
	return s
}()

// letterWeights are rough English letter frequencies (per mille), used to
// extend tokens with plausible letters.
var letterWeights = [26]int{82, 15, 28, 43, 127, 22, 20, 61, 70, 2, 8, 40, 24, 67, 75, 19, 1, 60, 63, 91, 28, 10, 24, 2, 20, 1}

// letterCDF is the running sum of letterWeights.
var letterCDF = func() (c [26]int) {
	sum := 0
	for i, w := range letterWeights {
		sum += w
		c[i] = sum
	}
	return c
}()

// randLetter draws a lower-case letter with English-like frequencies.
func randLetter(r *rand.Rand) byte {
	x := r.IntN(letterCDF[25])
	for i, c := range letterCDF {
		if x < c {
			return byte('a' + i)
		}
	}
	return 'e'
}

// gpt2Bytes returns the GPT-2 byte-to-unicode table and the byte order of
// the 256 byte tokens (printable bytes first, as in GPT-2's vocabulary).
func gpt2Bytes() (table [256]string, order []int) {
	printable := func(b int) bool {
		return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
	}
	n := 0
	for b := range 256 {
		if printable(b) {
			table[b] = string(rune(b))
			order = append(order, b)
		}
	}
	for b := range 256 {
		if !printable(b) {
			table[b] = string(rune(256 + n))
			n++
			order = append(order, b)
		}
	}
	return table, order
}

// maxTokenChars bounds the length of grown tokens; pick takes the shortest
// of pickTries grown tokens, which keeps the average token near 7
// characters, as in trained vocabularies.
const (
	maxTokenChars = 16
	pickTries     = 4
)

// grower builds merged tokens one at a time, each the concatenation of two
// existing tokens, accepting a candidate only when the tokenizer, run on the
// candidate's text, ends with exactly the two parts: the candidate's merge
// (or piece) then has the lowest priority of all, so adding it makes the
// candidate the encoding of its own text without changing the encoding of
// any earlier token. Every token is thus reachable from its text.
type grower struct {
	r       *rand.Rand
	pairs   [][2]int32       // encode's scratch
	chars   [][]int32        // single-character token ids of each token
	texts   []string         // token texts by id
	ids     map[string]int32 // text to id
	space   int32            // the word-start character ("Ġ" or "▁")
	letters [26]int32        // a..z
	upper   [26]int32        // A..Z
	words   []int32          // grown tokens that start with the space
	conts   []int32          // other grown tokens
	// prio returns the priority of merging left and right (lower is
	// applied first) and the id of the result.
	prio func(left, right int32) (int32, int32, bool)
}

// encode runs the merge loop on a sequence of single-character token ids:
// repeatedly merge the adjacent pair of lowest priority, leftmost first.
func (g *grower) encode(syms []int32) []int32 {
	at := func(i int) [2]int32 { // priority (-1: none) and result of pair i
		if p, id, ok := g.prio(syms[i], syms[i+1]); ok {
			return [2]int32{p, id}
		}
		return [2]int32{-1, 0}
	}
	g.pairs = g.pairs[:0]
	for i := 0; i+1 < len(syms); i++ {
		g.pairs = append(g.pairs, at(i))
	}
	for len(syms) > 1 {
		best := -1
		for i, p := range g.pairs {
			if p[0] >= 0 && (best < 0 || p[0] < g.pairs[best][0]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		syms[best] = g.pairs[best][1]
		syms = append(syms[:best+1], syms[best+2:]...)
		g.pairs = append(g.pairs[:best], g.pairs[best+1:]...)
		if best > 0 {
			g.pairs[best-1] = at(best - 1)
		}
		if best < len(g.pairs) {
			g.pairs[best] = at(best)
		}
	}
	return syms
}

// pick draws a token: a single character (for a word start the space one
// time in three, else a letter drawn with English frequencies) or the
// shortest of pickTries grown tokens chosen uniformly. Grown tokens are picked
// with probability approaching 2/3 as the pool grows, so that the first
// merges are mostly pairs of letters, as in a trained vocabulary.
func (g *grower) pick(start bool) int32 {
	pool := g.conts
	if start && g.r.IntN(3) == 0 {
		pool = g.words
	}
	if g.r.IntN(3*(len(pool)+200)) < 2*len(pool) {
		best := pool[g.r.IntN(len(pool))]
		for range pickTries - 1 {
			if t := pool[g.r.IntN(len(pool))]; len(g.chars[t]) < len(g.chars[best]) {
				best = t
			}
		}
		return best
	}
	if start && g.r.IntN(3) == 0 {
		return g.space
	}
	return g.letters[randLetter(g.r)-'a']
}

// grow adds n tokens; add registers an accepted token and returns its id.
func (g *grower) grow(n int, add func(left, right int32, text string) int32) error {
	var syms []int32
	for added, tries := 0, 0; added < n; tries++ {
		if tries > 100*n+1000 {
			return fmt.Errorf("testmodel: could not build %d vocabulary entries", n)
		}
		left, right := g.pick(true), g.pick(false)
		if left == g.space && g.r.IntN(5) == 0 {
			right = g.upper[g.r.IntN(26)]
		}
		if len(g.chars[left])+len(g.chars[right]) > maxTokenChars {
			continue
		}
		text := g.texts[left] + g.texts[right]
		if _, dup := g.ids[text]; dup {
			continue
		}
		syms = append(append(syms[:0], g.chars[left]...), g.chars[right]...)
		got := g.encode(syms)
		if len(got) != 2 || got[0] != left || got[1] != right {
			continue
		}
		id := add(left, right, text)
		g.chars[id] = append(append(make([]int32, 0, len(g.chars[left])+len(g.chars[right])), g.chars[left]...), g.chars[right]...)
		if strings.HasPrefix(text, g.texts[g.space]) {
			g.words = append(g.words, id)
		} else {
			g.conts = append(g.conts, id)
		}
		added++
	}
	return nil
}
