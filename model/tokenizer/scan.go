package tokenizer

import "unicode"

// segScanner holds one segment being split by a hand-written scanner.
type segScanner struct {
	r        []rune
	c        []uint8
	ini, end int
	prev     int
	out      []int
}

// cls returns the class of the rune at pos, 0 outside the segment.
func (s *segScanner) cls(pos int) uint8 {
	if pos >= s.ini && pos < s.end {
		return s.c[pos]
	}
	return 0
}

// at returns the rune at pos, -1 outside the segment.
func (s *segScanner) at(pos int) rune {
	if pos >= s.ini && pos < s.end {
		return s.r[pos]
	}
	return -1
}

// add closes the piece ending at end and returns its length.
func (s *segScanner) add(end int) int {
	n := end - s.prev
	if n > 0 {
		s.out = append(s.out, n)
	}
	s.prev = end
	return n
}

// contraction returns the length of 's 't 're 've 'm 'll 'd at pos (0 if
// none), comparing the letters after lower: asIs (GPT-2),
// unicode.ToLower (Llama 3's (?i:...)) or asciiLower ('[sS]...).
func (s *segScanner) contraction(pos int, lower func(rune) rune) int {
	if s.at(pos) != '\'' || pos+1 >= s.end {
		return 0
	}
	n := lower(s.at(pos + 1))
	if n == 's' || n == 't' || n == 'm' || n == 'd' {
		return 2
	}
	if pos+2 < s.end {
		nn := lower(s.at(pos + 2))
		if n == 'r' && nn == 'e' || n == 'v' && nn == 'e' || n == 'l' && nn == 'l' {
			return 3
		}
	}
	return 0
}

func asIs(r rune) rune { return r }

func asciiLower(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// scanSegments runs one scanner over every segment.
func scanSegments(r []rune, c []uint8, segs []int, scan func(s *segScanner)) []int {
	s := &segScanner{r: r, c: c, out: make([]int, 0, len(segs)*2)}
	start := 0
	for _, n := range segs {
		s.ini, s.end, s.prev = start, start+n, start
		scan(s)
		start += n
	}
	return s.out
}

const wordish = clsSpace | clsLetter | clsNumber

// gpt2Split is GPT-2's pattern
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// as llama.cpp's unicode_regex_split_custom_gpt2 scans it.
func gpt2Split(r []rune, c []uint8, segs []int) []int {
	return scanSegments(r, c, segs, func(s *segScanner) {
		for pos := s.ini; pos < s.end; {
			cpt := s.r[pos]
			if n := s.contraction(pos, asIs); n > 0 {
				pos += s.add(pos + n)
				continue
			}
			f2 := s.cls(pos)
			if cpt == ' ' {
				f2 = s.cls(pos + 1)
			}
			if f2&clsLetter != 0 || f2&clsNumber != 0 {
				want := f2 & (clsLetter | clsNumber)
				if cpt == ' ' {
					pos++
				}
				for s.cls(pos)&want != 0 {
					pos++
				}
				s.add(pos)
				continue
			}
			if f2 != 0 && f2&wordish == 0 {
				if cpt == ' ' {
					pos++
				}
				for f := s.cls(pos); f != 0 && f&wordish == 0; f = s.cls(pos) {
					pos++
				}
				s.add(pos)
				continue
			}
			pos = s.spaces(pos, false)
		}
	})
}

// spaces handles the white-space alternatives at pos: \s*[\r\n]+ when
// newlines is set, then \s+(?!\S) and \s+, and finally a lone rune that
// matches nothing. It returns the new position.
func (s *segScanner) spaces(pos int, newlines bool) int {
	n, lastNL := 0, 0
	for s.cls(pos+n)&clsSpace != 0 {
		if r := s.r[pos+n]; newlines && (r == '\r' || r == '\n') {
			lastNL = pos + n + 1
		}
		n++
	}
	switch {
	case lastNL > 0:
		pos = lastNL
	case n > 1 && pos+n < s.end:
		pos += n - 1
	case n > 0:
		pos += n
	default:
		pos++
	}
	s.add(pos)
	return pos
}

// llama3Split is the Llama 3 pattern
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// as llama.cpp's unicode_regex_split_custom_llama3 scans it; digits sets
// the longest number piece (3 for Llama 3, 1 for Qwen2's \p{N}).
func llama3Split(digits int) splitter { return wordSplit(digits, clsLetter) }

// qwen35Split is Qwen3.5's pattern, Qwen2's with combining marks inside
// words: [^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+ and ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*,
// so an accent stays with the letters it follows.
func qwen35Split() splitter { return wordSplit(1, clsLetter|clsMark) }

// wordSplit scans the Llama 3 family of patterns: word runs of the classes
// in word (after an optional leading rune that is not a newline, a letter
// or a number), numbers of at most digits runes, punctuation runs of
// anything else with trailing newlines, then white space.
func wordSplit(digits int, word uint8) splitter {
	notPunct := clsSpace | clsNumber | word
	return func(r []rune, c []uint8, segs []int) []int {
		return scanSegments(r, c, segs, func(s *segScanner) {
			for pos := s.ini; pos < s.end; {
				cpt := s.r[pos]
				f := s.c[pos]
				if n := s.contraction(pos, unicode.ToLower); n > 0 {
					pos += s.add(pos + n)
					continue
				}
				if !(cpt == '\r' || cpt == '\n' || f&clsNumber != 0) {
					if f&word != 0 || s.cls(pos+1)&word != 0 {
						pos++
						for s.cls(pos)&word != 0 {
							pos++
						}
						s.add(pos)
						continue
					}
				}
				if f&clsNumber != 0 {
					ini := pos
					for s.cls(pos)&clsNumber != 0 {
						pos++
						if pos-ini >= digits {
							s.add(pos)
							ini = pos
						}
					}
					s.add(pos)
					continue
				}
				f2 := f
				if cpt == ' ' {
					f2 = s.cls(pos + 1)
				}
				if f2&notPunct == 0 {
					if cpt == ' ' {
						pos++
					}
					for g := s.cls(pos); g != 0 && g&notPunct == 0; g = s.cls(pos) {
						pos++
					}
					for r := s.at(pos); r == '\r' || r == '\n'; r = s.at(pos) {
						pos++
					}
					s.add(pos)
					continue
				}
				pos = s.spaces(pos, true)
			}
		})
	}
}

// gpt4oSplit is the gpt-4o pattern (Phi-4-mini, Llama 4) as llama.cpp runs
// it: through std::regex over its collapsed text, where \p{L} is A-Za-z
// plus one byte standing for every non-ASCII letter, and "upper" and
// "lower" are (?=\p{L})[^a-z] and (?=\p{L})[^A-Z]. A non-ASCII letter is
// therefore both. The pattern:
//
//	[^\r\n\p{L}\p{N}]?upper*lower+('s|'t|'re|'ve|'m|'ll|'d)?
//	|[^\r\n\p{L}\p{N}]?upper+lower*('s|'t|'re|'ve|'m|'ll|'d)?
//	|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// with the contractions' letters in either ASCII case, first match wins
// (so "ÉCOLE" is "É", "COLE": upper* backs off to a letter that is also
// lower).
func gpt4oSplit(r []rune, c []uint8, segs []int) []int {
	return scanSegments(r, c, segs, func(s *segScanner) {
		for pos := s.ini; pos < s.end; {
			q := pos
			if s.gpt4oLead(pos) {
				q = pos + 1
			}
			if end := s.gpt4oLetters(q); end > q {
				pos = end + s.contraction(end, asciiLower)
				s.add(pos)
				continue
			}
			if s.gpt4oNumber(pos) {
				ini := pos
				for pos < ini+3 && s.gpt4oNumber(pos) {
					pos++
				}
				s.add(pos)
				continue
			}
			q = pos
			if s.at(pos) == ' ' {
				q = pos + 1
			}
			if s.gpt4oOther(q) {
				pos = q
				for s.gpt4oOther(pos) {
					pos++
				}
				for r := s.at(pos); r == '\r' || r == '\n' || r == '/'; r = s.at(pos) {
					pos++
				}
				s.add(pos)
				continue
			}
			pos = s.spaces(pos, true)
		}
	})
}

// gpt4oLetter, gpt4oNumber and gpt4oOther are the collapsed \p{L}, \p{N}
// and [^\s\p{L}\p{N}] at pos (false outside the segment).
func (s *segScanner) gpt4oLetter(pos int) bool {
	c := s.cls(pos)
	return c&clsLetter != 0 && c&clsSpace == 0
}

func (s *segScanner) gpt4oNumber(pos int) bool {
	c := s.cls(pos)
	return c&clsNumber != 0 && c&clsSpace == 0
}

func (s *segScanner) gpt4oOther(pos int) bool {
	c := s.cls(pos)
	return c != 0 && c&clsSpace == 0 && !s.gpt4oLetter(pos) && !s.gpt4oNumber(pos)
}

// gpt4oLead is [^\r\n\p{L}\p{N}] at pos.
func (s *segScanner) gpt4oLead(pos int) bool {
	r := s.at(pos)
	return r >= 0 && r != '\r' && r != '\n' && !s.gpt4oLetter(pos) && !s.gpt4oNumber(pos)
}

// gpt4oLetters matches upper*lower+, else upper+lower*, at q and returns
// where the letters end (q when neither matches).
func (s *segScanner) gpt4oLetters(q int) int {
	upper := func(p int) bool { r := s.at(p); return s.gpt4oLetter(p) && (r < 'a' || r > 'z') }
	lower := func(p int) bool { r := s.at(p); return s.gpt4oLetter(p) && (r < 'A' || r > 'Z') }
	u := q
	for upper(u) {
		u++
	}
	// upper* gives back letters until lower+ can start.
	for k := u; k >= q; k-- {
		if lower(k) {
			for lower(k) {
				k++
			}
			return k
		}
	}
	// upper+ alone: lower* matches nothing, or upper* would have stopped
	// at that lower letter.
	return u
}
