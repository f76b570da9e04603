package tokenizer

import "unicode"

// Rune classes, the Unicode general categories the pre-tokenizer patterns
// use (\p{L}, \p{N}, \p{P}, \p{M}, \p{S}) plus \s (White_Space). Every
// other rune, including unassigned ones, is clsOther.
const (
	clsOther uint8 = 1 << iota
	clsLetter
	clsNumber
	clsPunct
	clsMark
	clsSymbol
	clsSpace // White_Space; combines with one category bit
)

var asciiClass [128]uint8

func init() {
	for r := rune(0); r < 128; r++ {
		asciiClass[r] = classifySlow(r)
	}
}

func classifySlow(r rune) uint8 {
	var c uint8
	switch {
	case unicode.IsLetter(r):
		c = clsLetter
	case unicode.IsNumber(r):
		c = clsNumber
	case unicode.IsPunct(r):
		c = clsPunct
	case unicode.IsMark(r):
		c = clsMark
	case unicode.IsSymbol(r):
		c = clsSymbol
	default:
		c = clsOther
	}
	if unicode.Is(unicode.White_Space, r) {
		c |= clsSpace
	}
	return c
}

// classify returns the class bits of r.
func classify(r rune) uint8 {
	if r >= 0 && r < 128 {
		return asciiClass[r]
	}
	return classifySlow(r)
}

// decodeRunes splits s into code points the way llama.cpp's
// unicode_cpts_from_utf8 does: it does not check for overlong forms or
// surrogates, and each byte that does not start a well-formed sequence
// becomes U+FFFD.
func decodeRunes(s string, dst []rune) []rune {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c < 0x80:
			dst = append(dst, rune(c))
			i++
			continue
		case c&0x40 == 0:
		case c&0x20 == 0:
			if i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
				dst = append(dst, rune(c&0x1F)<<6|rune(s[i+1]&0x3F))
				i += 2
				continue
			}
		case c&0x10 == 0:
			if i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
				dst = append(dst, rune(c&0x0F)<<12|rune(s[i+1]&0x3F)<<6|rune(s[i+2]&0x3F))
				i += 3
				continue
			}
		case c&0x08 == 0:
			if i+3 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 && s[i+3]&0xC0 == 0x80 {
				r := rune(c&0x07)<<18 | rune(s[i+1]&0x3F)<<12 | rune(s[i+2]&0x3F)<<6 | rune(s[i+3]&0x3F)
				if r > 0x10FFFF {
					r = 0xFFFD
				}
				dst = append(dst, r)
				i += 4
				continue
			}
		}
		dst = append(dst, 0xFFFD)
		i++
	}
	return dst
}

// appendRune encodes r as UTF-8 without rejecting surrogates, matching
// llama.cpp's unicode_cpt_to_utf8.
func appendRune(dst []byte, r rune) []byte {
	switch {
	case r < 0x80:
		return append(dst, byte(r))
	case r < 0x800:
		return append(dst, 0xC0|byte(r>>6), 0x80|byte(r)&0x3F)
	case r < 0x10000:
		return append(dst, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
	}
	return append(dst, 0xF0|byte(r>>18), 0x80|byte(r>>12)&0x3F, 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
}

// utf8Len is the sequence length announced by a UTF-8 lead byte, as in
// llama.cpp's unicode_len_utf8 (continuation bytes count as 1).
func utf8Len(b byte) int {
	return [16]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4}[b>>4]
}

// byteToUnicode is GPT-2's table mapping each byte to a printable rune,
// stored as its UTF-8 string; unicodeToByte is its inverse, indexed by rune
// (every mapped rune is below 324), with -1 for runes outside the table.
var (
	byteToUnicode [256]string
	unicodeToByte [324]int16
)

func init() {
	for i := range unicodeToByte {
		unicodeToByte[i] = -1
	}
	n := 0
	for b := 0; b < 256; b++ {
		r := rune(b)
		if !(b >= 0x21 && b <= 0x7E || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF) {
			r = rune(256 + n)
			n++
		}
		byteToUnicode[b] = string(r)
		unicodeToByte[r] = int16(b)
	}
}
