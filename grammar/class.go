package grammar

import (
	"slices"
	"unicode/utf8"
)

// maxRune is the largest Unicode code point.
const maxRune = utf8.MaxRune

// span is an inclusive range of code points.
type span struct{ lo, hi rune }

// class is a set of code points: sorted, disjoint, non-adjacent spans.
type class []span

// newClass builds a class from arbitrary spans (negated: their complement
// within 0..maxRune).
func newClass(spans []span, negated bool) class {
	s := slices.Clone(spans)
	slices.SortFunc(s, func(a, b span) int { return int(a.lo) - int(b.lo) })
	var c class
	for _, x := range s {
		if n := len(c); n > 0 && x.lo <= c[n-1].hi+1 {
			c[n-1].hi = max(c[n-1].hi, x.hi)
			continue
		}
		c = append(c, x)
	}
	if !negated {
		return c
	}
	var neg class
	next := rune(0)
	for _, x := range c {
		if x.lo > next {
			neg = append(neg, span{next, x.lo - 1})
		}
		next = x.hi + 1
	}
	if next <= maxRune {
		neg = append(neg, span{next, maxRune})
	}
	return neg
}

// contains reports whether r is in c.
func (c class) contains(r rune) bool {
	lo, hi := 0, len(c)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case r < c[m].lo:
			hi = m
		case r > c[m].hi:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

// key returns a string that identifies c, for interning.
func (c class) key() string {
	b := make([]byte, 0, 8*len(c))
	for _, x := range c {
		b = append(b, byte(x.lo), byte(x.lo>>8), byte(x.lo>>16), byte(x.lo>>24),
			byte(x.hi), byte(x.hi>>8), byte(x.hi>>16), byte(x.hi>>24))
	}
	return string(b)
}
