package grammar

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func mustParse(t testing.TB, src string) *Grammar {
	t.Helper()
	g, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return g
}

func TestMatches(t *testing.T) {
	for _, c := range []struct {
		grammar string
		yes, no []string
	}{
		{`root ::= "abc"`, []string{"abc"}, []string{"", "ab", "abcd", "abd"}},
		{`root ::= "a" | "bc" | ""`, []string{"a", "bc", ""}, []string{"b", "abc"}},
		{`root ::= "a" ""{3} ""? "b"`, []string{"ab"}, []string{"a", "b"}},
		{`root ::= [a-c]+ [0-9]?`, []string{"a", "abcab", "c7"}, []string{"", "7", "ad", "a77"}},
		{`root ::= [^a-c\n]`, []string{"d", "é", "😀"}, []string{"a", "\n", "dd"}},
		{`root ::= .`, []string{"x", "\x00", "€", "😀"}, []string{"", "ab"}},
		{`root ::= "x"{3}`, []string{"xxx"}, []string{"xx", "xxxx"}},
		{`root ::= "ab"{2,}`, []string{"abab", "ababab"}, []string{"ab", "aba"}},
		{`root ::= [0-9]{1,3} "."`, []string{"1.", "123."}, []string{".", "1234."}},
		{`root ::= ("a" | "b"){0,2}`, []string{"", "a", "ba"}, []string{"aaa"}},
		{`root ::= "a" ("b" ("c")*)+`, []string{"ab", "abcc", "abcbc"}, []string{"a", "ac"}},
		{"root ::= item (\",\" item)*\nitem ::= [a-z]+ # a word\n", []string{"a", "ab,c"}, []string{"", "a,", ",a"}},
		{"# leading comment\n\nroot ::=\n  \"x\" (\n  \"y\" |\n  \"z\"\n)\n", []string{"xy", "xz"}, []string{"x"}},
		{"root ::= \"a\"\n     | \"b\"\n", []string{"a", "b"}, []string{"ab"}},
		{`root ::= "\x41\u00e9\U0001F600\t\n\\\"\[\]"`, []string{"Aé😀\t\n\\\"[]"}, nil},
		{`root ::= [\]\-\x30-\x32]`, []string{"]", "-", "0", "2"}, []string{"3", "\\"}},
		{`root ::= "€"+`, []string{"€", "€€"}, []string{"", "\xe2\x82"}},
		{`root ::= list
list ::= "[" (list ("," list)*)? "]"`, []string{"[]", "[[],[[]]]"}, []string{"[", "[,]"}},
		{`root ::= a b
a ::= "x"?
b ::= "y"`, []string{"y", "xy"}, []string{"x"}},
	} {
		g := mustParse(t, c.grammar)
		for _, s := range c.yes {
			if !g.Matches(s) {
				t.Errorf("%q does not match %q", c.grammar, s)
			}
		}
		for _, s := range c.no {
			if g.Matches(s) {
				t.Errorf("%q matches %q", c.grammar, s)
			}
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, c := range []struct {
		grammar   string
		line, col int
		msg       string
	}{
		{`root ::= "abc`, 1, 10, "unterminated literal"},
		{"root ::= x\n", 1, 10, `undefined rule "x"`},
		{`foo ::= "a"`, 1, 1, `no "root" rule`},
		{"root ::= \"a\"\nroot ::= \"b\"", 2, 1, "defined twice"},
		{"root ::= [a-", 1, 10, "unterminated character class"},
		{"root ::= [z-a]", 1, 11, "backwards"},
		{"root ::= \"a\" )", 1, 14, "unexpected"},
		{"root ::= (\"a\"", 1, 14, "expected ) to close the group opened at line 1, column 10"},
		{"root ::= *", 1, 10, "nothing before it to repeat"},
		{"root ::= \"a\"{2,1}", 1, 13, "maximum below its minimum"},
		{"root ::= \"a\"{x}", 1, 14, "expected a number"},
		{"root ::= \"a\"{1000000}", 1, 13, "over 100000"},
		{`root ::= "\q"`, 1, 11, `unknown escape \q`},
		{`root ::= "\x4"`, 1, 11, "2 hexadecimal digits"},
		{"root ::= \"a\"\n  ::= \"b\"", 2, 3, "expected a rule name"},
		{"root \"a\"", 1, 6, "expected ::="},
		{"root ::= <tool>", 1, 10, "token references"},
		{"root ::= a\na ::= a \"x\" | \"y\"", 2, 1, "left recursion: a -> a"},
		{"root ::= a\na ::= b \"x\"\nb ::= \"c\"? a", 2, 1, "left recursion: a -> b -> a"},
		{"root ::= (\"a\"?)*", 1, 16, "repeats something that can match nothing"},
		{`root ::= "x" ""+`, 1, 16, "repeats something that can match nothing"},
		{"root ::= \"x\" \xff", 1, 14, "not valid UTF-8"},
	} {
		_, err := Parse(c.grammar)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a SyntaxError", c.grammar, err)
			continue
		}
		if se.Line != c.line || se.Column != c.col || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("Parse(%q) = %v, want line %d, column %d: ...%s...", c.grammar, err, c.line, c.col, c.msg)
		}
	}
}

// nullableChain returns a grammar of n rules, each using the next one
// twice or matching "y", the last one being last; root repeats rep.
func nullableChain(n int, rep, last string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "root ::= %s a0\n", rep)
	for i := range n {
		fmt.Fprintf(&sb, "a%d ::= a%d a%d | \"y\"\n", i, i+1, i+1)
	}
	fmt.Fprintf(&sb, "a%d ::= %s\n", n, last)
	return sb.String()
}

// TestNullableChain checks which rules can match nothing when that
// propagates through a long chain of rules, defined in the order that
// makes a pass-by-pass search slowest.
func TestNullableChain(t *testing.T) {
	g := mustParse(t, nullableChain(50, `(a0 "z")*`, `"x"`))
	if !g.Matches("yzy") || g.Matches("z") || g.Matches("") {
		t.Errorf("the chain ending in \"x\" matches wrongly")
	}
	mustParse(t, nullableChain(5000, `(a0 "z")*`, `"x"`))
	// Not a repetition of nothing ("z" comes first), but 2^5000 parses of
	// the first character: refused for that, not for the repetition.
	if _, err := Parse(nullableChain(5000, `("z" a0)*`, `"x"?`)); err == nil || !strings.Contains(err.Error(), "too ambiguous") {
		t.Errorf("a repetition starting with \"z\" of the chain that can match nothing: %v", err)
	}
	_, err := Parse(nullableChain(5000, `a0*`, `"x"?`))
	if err == nil || !strings.Contains(err.Error(), "repeats something that can match nothing") {
		t.Errorf("a repetition of the chain that can match nothing: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`root ::= "a" | [b-d]+ x{2,3}` + "\nx ::= (\"y\" | .)? # c",
		"root ::= \"\\u00e9\" [^\\x00-\\x1f] \"x\"{0,} (a)*\na ::= \"q\"",
		"root ::= a\na ::= a",
		"root ::= (\n\"x\" |\n\"y\")* \"z\"{1,2}",
		jsonGBNF,
	} {
		f.Add(s, "ab")
	}
	f.Fuzz(func(t *testing.T, src, text string) {
		g, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Line < 1 || se.Column < 1 {
				t.Fatalf("Parse error without a position: %v", err)
			}
			return
		}
		m := newMatcher(g)
		for i := 0; i < len(text) && i < 64; i++ {
			if m.AcceptBytes(text[i:i+1]) != nil {
				break
			}
		}
	})
}

// jsonGBNF matches a JSON object with optional whitespace between
// tokens; the tests generate with it.
const jsonGBNF = `# A JSON object, written to exercise the syntax: comments, line
# breaks inside groups, classes with escapes, every kind of repetition.
root ::= object

value ::= object | array | string | number | literal

object ::= "{" ws (
    member
    ("," ws member)*
  )? "}" ws
member ::= string ":" ws value

array ::= "[" ws (value ("," ws value)*)? "]" ws

string ::= "\"" (
    [^"\\\x00-\x1F\x7F]
  | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})   # an escape
  )* "\"" ws

number  ::= "-"? ("0" | [1-9] [0-9]{0,15}) fraction? exponent? ws
fraction ::= "." [0-9]+
exponent ::= [eE] [-+]? [0-9]{1,2}

literal ::= ("true" | "false" | "null") ws

ws ::= ([ \t] | "\n" [ \t]{0,8}){0,3}
`
