package grammar

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"
)

// pattern returns a GBNF expression for the inside of a JSON string
// (between its quotes) whose value matches the regular expression re, a
// JSON Schema "pattern". Like JSON Schema, an unanchored pattern may match
// anywhere in the string. The characters are written as JSON requires
// (quotes, backslashes and control characters escaped).
func (c *converter) pattern(re, path string) (string, error) {
	r, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return "", errorf(path, "pattern", "%q does not parse: %v", re, err)
	}
	r = r.Simplify()
	branches := []*syntax.Regexp{r}
	if r.Op == syntax.OpAlternate {
		branches = r.Sub
	}
	char := c.b.primitive("char")
	var alts []string
	for _, br := range branches {
		subs := []*syntax.Regexp{br}
		if br.Op == syntax.OpConcat {
			subs = br.Sub
		}
		anchoredStart, anchoredEnd := false, false
		if len(subs) > 0 && subs[0].Op == syntax.OpBeginText {
			anchoredStart, subs = true, subs[1:]
		}
		if len(subs) > 0 && subs[len(subs)-1].Op == syntax.OpEndText {
			anchoredEnd, subs = true, subs[:len(subs)-1]
		}
		var seq []string
		if !anchoredStart {
			seq = append(seq, char+"*")
		}
		for _, s := range subs {
			e, err := regexGBNF(s)
			if err != nil {
				return "", errorf(path, "pattern", "%q: %v", re, err)
			}
			seq = append(seq, e)
		}
		if !anchoredEnd {
			seq = append(seq, char+"*")
		}
		alts = append(alts, "("+strings.Join(seq, " ")+")")
	}
	return "(" + strings.Join(alts, " | ") + ")", nil
}

// regexGBNF converts a simplified regular expression into GBNF over the
// JSON-escaped text of the characters it matches.
func regexGBNF(r *syntax.Regexp) (string, error) {
	switch r.Op {
	case syntax.OpNoMatch:
		return "", fmt.Errorf("a part of it can match nothing")
	case syntax.OpEmptyMatch:
		return `""`, nil
	case syntax.OpLiteral:
		var parts []string
		var lit strings.Builder
		for _, ch := range r.Rune {
			if r.Flags&syntax.FoldCase != 0 && unicode.SimpleFold(ch) != ch {
				if lit.Len() > 0 {
					parts = append(parts, Literal(lit.String()))
					lit.Reset()
				}
				var spans []span
				for f := ch; ; {
					spans = append(spans, span{f, f})
					if f = unicode.SimpleFold(f); f == ch {
						break
					}
				}
				parts = append(parts, jsonClass(newClass(spans, false)))
				continue
			}
			lit.WriteString(jsonEscape(ch))
		}
		if lit.Len() > 0 {
			parts = append(parts, Literal(lit.String()))
		}
		return "(" + strings.Join(parts, " ") + ")", nil
	case syntax.OpCharClass:
		var spans []span
		for i := 0; i+1 < len(r.Rune); i += 2 {
			spans = append(spans, span{r.Rune[i], r.Rune[i+1]})
		}
		if len(spans) == 0 {
			return "", fmt.Errorf("an empty character class matches nothing")
		}
		return jsonClass(newClass(spans, false)), nil
	case syntax.OpAnyCharNotNL:
		// JavaScript's . also excludes \r, U+2028 and U+2029: matching
		// neither keeps the text valid under both regex flavours.
		return jsonClass(newClass([]span{{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}}, true)), nil
	case syntax.OpAnyChar:
		return jsonClass(class{{0, maxRune}}), nil
	case syntax.OpCapture:
		return regexGBNF(r.Sub[0])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		if r.Op != syntax.OpQuest && canBeEmpty(r.Sub[0]) {
			return "", fmt.Errorf("repeats a part that can match the empty string")
		}
		e, err := regexGBNF(r.Sub[0])
		if err != nil {
			return "", err
		}
		return "(" + e + ")" + map[syntax.Op]string{syntax.OpStar: "*", syntax.OpPlus: "+", syntax.OpQuest: "?"}[r.Op], nil
	case syntax.OpRepeat:
		if r.Max < 0 && canBeEmpty(r.Sub[0]) {
			return "", fmt.Errorf("repeats a part that can match the empty string")
		}
		if r.Min > MaxRepeat || r.Max > MaxRepeat {
			return "", fmt.Errorf("a repetition count is over %d", MaxRepeat)
		}
		e, err := regexGBNF(r.Sub[0])
		if err != nil {
			return "", err
		}
		if r.Max < 0 {
			return fmt.Sprintf("(%s){%d,}", e, r.Min), nil
		}
		return fmt.Sprintf("(%s){%d,%d}", e, r.Min, r.Max), nil
	case syntax.OpConcat, syntax.OpAlternate:
		sep := " "
		if r.Op == syntax.OpAlternate {
			sep = " | "
		}
		var parts []string
		for _, s := range r.Sub {
			e, err := regexGBNF(s)
			if err != nil {
				return "", err
			}
			parts = append(parts, e)
		}
		return "(" + strings.Join(parts, sep) + ")", nil
	case syntax.OpBeginText, syntax.OpEndText, syntax.OpBeginLine, syntax.OpEndLine:
		return "", fmt.Errorf("^ and $ are supported only at the start and end of the pattern")
	}
	return "", fmt.Errorf("%v is not supported", r)
}

// canBeEmpty reports whether r can match the empty string.
func canBeEmpty(r *syntax.Regexp) bool {
	switch r.Op {
	case syntax.OpEmptyMatch, syntax.OpStar, syntax.OpQuest, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpBeginLine, syntax.OpEndLine, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	case syntax.OpCapture, syntax.OpPlus:
		return canBeEmpty(r.Sub[0])
	case syntax.OpRepeat:
		return r.Min == 0 || canBeEmpty(r.Sub[0])
	case syntax.OpConcat:
		for _, s := range r.Sub {
			if !canBeEmpty(s) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		for _, s := range r.Sub {
			if canBeEmpty(s) {
				return true
			}
		}
		return false
	case syntax.OpLiteral:
		return len(r.Rune) == 0
	}
	return false
}

// jsonClass returns GBNF for one character of c as written in a JSON
// string: plain, or escaped for quotes, backslashes and control characters.
func jsonClass(c class) string {
	var alts []string
	plain := intersect(c, newClass([]span{{'"', '"'}, {'\\', '\\'}, {0, 0x1F}}, true))
	if len(plain) > 0 {
		alts = append(alts, classText(plain))
	}
	for _, r := range []rune{'"', '\\'} {
		if c.contains(r) {
			alts = append(alts, Literal(jsonEscape(r)))
		}
	}
	for r := rune(0); r < 0x20; r++ {
		if c.contains(r) {
			alts = append(alts, Literal(jsonEscape(r)))
		}
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return "(" + strings.Join(alts, " | ") + ")"
}

// intersect returns the code points in both a and b.
func intersect(a, b class) class {
	var out []span
	for _, x := range a {
		for _, y := range b {
			lo, hi := max(x.lo, y.lo), min(x.hi, y.hi)
			if lo <= hi {
				out = append(out, span{lo, hi})
			}
		}
	}
	return newClass(out, false)
}
