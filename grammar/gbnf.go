package grammar

import (
	"fmt"
	"strings"
)

// Literal returns s written as a GBNF literal ("..." with the characters
// GBNF needs escaped), for composing grammars.
func Literal(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		sb.WriteString(escapeRune(r, `"\`))
	}
	sb.WriteByte('"')
	return sb.String()
}

// escapeRune writes r for a GBNF literal or class, escaping the characters
// in special, backslash and the non-printable ones.
func escapeRune(r rune, special string) string {
	switch {
	case r == '\n':
		return `\n`
	case r == '\r':
		return `\r`
	case r == '\t':
		return `\t`
	case r < 0x20 || r == 0x7F:
		return fmt.Sprintf(`\x%02X`, r)
	case strings.ContainsRune(special, r):
		return `\` + string(r)
	case r >= 0x80 && r <= 0x9F, r == 0x2028, r == 0x2029, r >= 0xD800 && r <= 0xDFFF, r == 0xFEFF:
		return fmt.Sprintf(`\u%04X`, r)
	case r > 0xFFFF && !isGraphicAstral(r):
		return fmt.Sprintf(`\U%08X`, r)
	}
	return string(r)
}

// isGraphicAstral reports whether an astral code point is written as
// itself (emoji and other assigned planes) rather than escaped.
func isGraphicAstral(r rune) bool { return r <= 0x3FFFF }

// classText writes c as a GBNF character class.
func classText(c class) string {
	if len(c) == 1 && c[0].lo == 0 && c[0].hi == maxRune {
		return "."
	}
	var sb strings.Builder
	sb.WriteByte('[')
	for _, s := range c {
		sb.WriteString(escapeRune(s.lo, `]\-^`))
		if s.hi > s.lo {
			if s.hi > s.lo+1 {
				sb.WriteByte('-')
			}
			sb.WriteString(escapeRune(s.hi, `]\-^`))
		}
	}
	sb.WriteByte(']')
	return sb.String()
}
