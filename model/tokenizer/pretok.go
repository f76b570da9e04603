package tokenizer

import (
	"sort"
	"unicode"
)

// A splitter refines a partition of the runes of a text: segs holds the
// lengths of consecutive segments and the result the lengths of the pieces
// they split into. It mirrors one regular expression of llama.cpp's
// pre-tokenizer lists, where the text between matches also becomes a piece
// and later expressions only see the pieces of earlier ones.
type splitter func(r []rune, c []uint8, segs []int) []int

// preTokenizer is the ordered list of splits of one tokenizer.ggml.pre.
type preTokenizer struct {
	steps []splitter
}

// split returns the piece lengths (in runes) of r.
func (p *preTokenizer) split(r []rune, c []uint8) []int {
	segs := []int{len(r)}
	for _, s := range p.steps {
		segs = s(r, c, segs)
	}
	return segs
}

var preTokenizers = map[string]*preTokenizer{}

func init() {
	gpt2 := &preTokenizer{[]splitter{gpt2Split}}
	llama3 := &preTokenizer{[]splitter{llama3Split(3)}}
	qwen2 := &preTokenizer{[]splitter{llama3Split(1)}}
	qwen35 := &preTokenizer{[]splitter{qwen35Split()}}
	gpt4o := &preTokenizer{[]splitter{gpt4oSplit}}
	cjk := func(r rune, c uint8) bool {
		return (r >= 0x4E00 && r <= 0x9FA5 || r >= 0x0800 && r <= 0x4E00 || r >= 0xAC00 && r <= 0xD7FF) && c&clsSpace == 0
	}
	number := func(_ rune, c uint8) bool { return c&clsNumber != 0 }
	letter := func(_ rune, c uint8) bool { return c&clsLetter != 0 }
	punct := func(_ rune, c uint8) bool { return c&clsPunct != 0 }
	newline := func(r rune, _ uint8) bool { return r == '\r' || r == '\n' }
	punctOr := func(extra string) func(rune, uint8) bool {
		return func(r rune, c uint8) bool {
			if c&clsPunct != 0 {
				return true
			}
			for _, e := range extra {
				if r == e {
					return true
				}
			}
			return false
		}
	}
	dsLetters := ranges(deepseekLetters)
	dsPunct := ranges("!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002")
	inClass := func(tab *unicode.RangeTable) func(rune, uint8) bool {
		// Non-ASCII white space never matches a literal class: llama.cpp
		// replaces it by \v before matching.
		return func(r rune, c uint8) bool { return c&clsSpace == 0 && unicode.Is(tab, r) }
	}
	digits3 := matchSplit(func(r []rune, _ []uint8, i, end int) int {
		if i+3 <= end && isDigit(r[i]) && isDigit(r[i+1]) && isDigit(r[i+2]) {
			return i + 3
		}
		return -1
	})
	deepseekCoder := &preTokenizer{[]splitter{
		matchSplit(one(newline)),
		matchSplit(spaceThenRun(letter)),
		matchSplit(spaceThenRun(punct)),
		matchSplit(run(cjk)),
		matchSplit(one(number)),
	}}
	deepseekLLM := &preTokenizer{[]splitter{
		matchSplit(one(newline)),
		matchSplit(spaceThenRun(inClass(dsLetters))),
		matchSplit(spaceThenRun(inClass(dsPunct))),
		trailingSpaceSplit,
		matchSplit(run(cjk)),
		matchSplit(run(number)),
	}}
	falcon := &preTokenizer{[]splitter{matchSplit(run(punctOr("$+<=>^~|`"))), gpt2Split, digits3}}
	starcoder := &preTokenizer{[]splitter{matchSplit(one(number)), gpt2Split}}
	def := &preTokenizer{[]splitter{matchSplit(run(punctOr("$+<=>^~|"))), gpt2Split, matchSplit(run(number)), digits3}}

	for names, p := range map[string]*preTokenizer{
		"default": def,
		"gpt-2 phi-2 jina-es jina-de gigachat jina-v2-es jina-v2-de a.x-4.0 mellum modern-bert mpt olmo jais trillion granite-docling exaone4 jina-v1-en jina-v2-code roberta-bpe": gpt2,
		"llama3 llama-v3 llama-bpe falcon3 falcon-h1 pixtral midm-2.0 lfm2 jina-v5-nano dbrx smaug-bpe glm4 chatglm-bpe":                                                           llama3,
		"qwen2 deepseek-r1-qwen kormo f2llmv2 megrez stablelm2 hunyuan solar-open grok-2":                                                                                          qwen2,
		"qwen35":                   qwen35,
		"gpt-4o llama4 minimax-m2": gpt4o,
		"deepseek-coder":           deepseekCoder,
		"deepseek-llm":             deepseekLLM,
		"falcon":                   falcon,
		"starcoder refact command-r smollm codeshell exaone minerva-7b mellum2": starcoder,
	} {
		for _, n := range splitNames(names) {
			preTokenizers[n] = p
		}
	}
}

// PreTokenizers returns the supported tokenizer.ggml.pre names.
func PreTokenizers() []string {
	names := make([]string, 0, len(preTokenizers))
	for n := range preTokenizers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func splitNames(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// deepseekLetters is the letter class of DeepSeek LLM's first word pattern.
const deepseekLetters = "A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A\U00010400-\U0001044F\U000104B0-\U000104D3\U000104D8-\U000104FB\U00010C80-\U00010CB2\U00010CC0-\U00010CF2\U000118A0-\U000118DF\U0001E900-\U0001E943"

// ranges builds a range table from a bracket-expression body like "a-zA".
func ranges(class string) *unicode.RangeTable {
	rs := []rune(class)
	tab := &unicode.RangeTable{}
	for i := 0; i < len(rs); i++ {
		lo, hi := rs[i], rs[i]
		if i+2 < len(rs) && rs[i+1] == '-' {
			hi = rs[i+2]
			i += 2
		}
		tab.R32 = append(tab.R32, unicode.Range32{Lo: uint32(lo), Hi: uint32(hi), Stride: 1})
	}
	// unicode.Is needs sorted, non-overlapping ranges; the classes above
	// are written in order, so a sort keeps this robust to edits.
	sortRanges(tab.R32)
	return tab
}

func sortRanges(r []unicode.Range32) {
	for i := 1; i < len(r); i++ {
		for j := i; j > 0 && r[j].Lo < r[j-1].Lo; j-- {
			r[j], r[j-1] = r[j-1], r[j]
		}
	}
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// A matcher tries one pattern anchored at i in a segment ending at end and
// returns the end of the match, or -1.
type matcher func(r []rune, c []uint8, i, end int) int

// matchSplit splits each segment at the leftmost non-overlapping matches
// of m, keeping the text between matches as pieces.
func matchSplit(m matcher) splitter {
	return func(r []rune, c []uint8, segs []int) []int {
		out := make([]int, 0, len(segs))
		start := 0
		for _, n := range segs {
			end := start + n
			prev := start
			for i := start; i < end; {
				if e := m(r, c, i, end); e > i {
					if i > prev {
						out = append(out, i-prev)
					}
					out = append(out, e-i)
					prev, i = e, e
				} else {
					i++
				}
			}
			if prev < end {
				out = append(out, end-prev)
			}
			start = end
		}
		return out
	}
}

// one matches a single rune of a class.
func one(ok func(rune, uint8) bool) matcher {
	return func(r []rune, c []uint8, i, end int) int {
		if ok(r[i], c[i]) {
			return i + 1
		}
		return -1
	}
}

// run matches one or more runes of a class.
func run(ok func(rune, uint8) bool) matcher {
	return func(r []rune, c []uint8, i, end int) int {
		j := i
		for j < end && ok(r[j], c[j]) {
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
}

// spaceThenRun matches \s?X+.
func spaceThenRun(ok func(rune, uint8) bool) matcher {
	x := run(ok)
	return func(r []rune, c []uint8, i, end int) int {
		if c[i]&clsSpace != 0 && i+1 < end {
			if e := x(r, c, i+1, end); e > 0 {
				return e
			}
		}
		return x(r, c, i, end)
	}
}

// trailingSpaceSplit implements \s+$: the white space ending a segment
// becomes its own piece.
func trailingSpaceSplit(r []rune, c []uint8, segs []int) []int {
	out := make([]int, 0, len(segs))
	start := 0
	for _, n := range segs {
		end := start + n
		j := end
		for j > start && c[j-1]&clsSpace != 0 {
			j--
		}
		if j > start {
			out = append(out, j-start)
		}
		if j < end {
			out = append(out, end-j)
		}
		start = end
	}
	return out
}
