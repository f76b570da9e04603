package grammar

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// testPieces is a small vocabulary: every single byte (so that any text
// can be spelled, as with byte-level BPE), common JSON pieces, multi-byte
// characters whole and split, a control token ("") and an end token.
func testPieces() (pieces []string, end int32) {
	for b := range 256 {
		pieces = append(pieces, string([]byte{byte(b)}))
	}
	pieces = append(pieces, `{"`, `":`, `": "`, `", "`, `"}`, `},`, ` {`, `true`, `false`, `null`, `12`,
		`.5`, `e-`, `abc`, `name`, ` `, "\n", "\n  ", `é`, `😀`, "\xf0\x9f", "\x98\x80", "\xe2\x82", "\xac",
		`\"`, `\\`, `\u00`, `[`, `[]`, `],`, `"é"`, "")
	end = int32(len(pieces))
	pieces = append(pieces, "")
	return pieces, end
}

func mustVocab(t testing.TB, pieces []string) *Vocab {
	t.Helper()
	v, err := NewVocab(pieces)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMaskAgreesWithAllows checks the trie walk against walking each
// token's bytes on its own, along random generations, for the JSON
// grammar and the grammars of the test schemas.
func TestMaskAgreesWithAllows(t *testing.T) {
	pieces, end := testPieces()
	// Longer ASCII tokens, so that whole subtrees of several bytes are
	// taken or refused at once.
	pieces = append(pieces[:end:end], "abcdefgh", "abcdefghijklmnop", "abcd", "ab", "    ", "        ", "12345678",
		"2024", "-02-", "Zabc", "AB", "ABCDEFGHIJKL", `a"`, `abc"}`, "x_y z", "")
	end = int32(len(pieces) - 1)
	v := mustVocab(t, pieces)
	grammars := []*Grammar{mustParse(t, jsonGBNF)}
	for i, schema := range testSchemas(t) {
		g, err := FromJSONSchema(schema)
		if err != nil {
			t.Fatalf("schema %d: %v", i, err)
		}
		grammars = append(grammars, g)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	logits := make([]float32, len(pieces))
	for run := range 10 * len(grammars) {
		g := grammars[run%len(grammars)]
		m := g.NewMatcher(v, []int32{end})
		for step := 0; step < 200 && !m.Done(); step++ {
			for i := range logits {
				logits[i] = 0
			}
			m.Mask(logits)
			var allowed []int32
			for id := range int32(len(pieces)) {
				a := m.Allows(id)
				if a != (logits[id] == 0) {
					t.Fatalf("run %d step %d: token %d (%q): Allows %v, Mask %v", run, step, id, pieces[id], a, logits[id])
				}
				if a {
					allowed = append(allowed, id)
				}
			}
			if len(allowed) == 0 {
				t.Fatalf("run %d step %d: nothing allowed", run, step)
			}
			id := allowed[rng.IntN(len(allowed))]
			if id == end {
				break
			}
			if err := m.Accept(id); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestGeneratedJSONIsValid draws random allowed tokens until the JSON
// grammar is complete and checks the text with encoding/json.
func TestGeneratedJSONIsValid(t *testing.T) {
	pieces, end := testPieces()
	v := mustVocab(t, pieces)
	g := mustParse(t, jsonGBNF)
	rng := rand.New(rand.NewPCG(3, 4))
	logits := make([]float32, len(pieces))
	done := 0
	for run := range 200 {
		m := g.NewMatcher(v, []int32{end})
		var out strings.Builder
		ended := false
		for step := 0; step < 400 && !ended; step++ {
			if m.Done() {
				ended = true
				break
			}
			for i := range logits {
				logits[i] = float32(rng.NormFloat64())
			}
			// Favour closing brackets so that texts end.
			for _, p := range []string{`"}`, `}`, `]`, `"`} {
				for id, q := range pieces {
					if q == p {
						logits[id] += 3
					}
				}
			}
			logits[end] += 5
			m.Mask(logits)
			best := int32(-1)
			for id, l := range logits {
				if !math.IsInf(float64(l), -1) && (best < 0 || l > logits[best]) {
					best = int32(id)
				}
			}
			if best < 0 {
				t.Fatalf("run %d: nothing allowed after %q", run, out.String())
			}
			if best == end {
				ended = true
				break
			}
			if err := m.Accept(best); err != nil {
				t.Fatal(err)
			}
			out.WriteString(pieces[best])
		}
		if !ended {
			continue
		}
		done++
		var x any
		if err := json.Unmarshal([]byte(out.String()), &x); err != nil {
			t.Fatalf("run %d: %q is not JSON: %v", run, out.String(), err)
		}
		if _, ok := x.(map[string]any); !ok {
			t.Fatalf("run %d: %q is not an object", run, out.String())
		}
	}
	if done < 100 {
		t.Fatalf("only %d of 200 generations ended", done)
	}
}

func TestPartialCharacters(t *testing.T) {
	g := mustParse(t, `root ::= "€" [a-z] | "😀"`)
	v := mustVocab(t, []string{"\xe2", "\x82", "\xac", "\xe2\x82", "\xf0\x9f", "\x98\x80", "\xf0\x9f\x98\x80", "a", "\xc3\xa9", "\xed\xa0\x80", "\xe0\x80\x80"})
	m := g.NewMatcher(v, nil)
	want := map[int32]bool{0: true, 3: true, 4: true, 6: true}
	for id := range int32(v.Size()) {
		if m.Allows(id) != want[id] {
			t.Errorf("token %d: Allows = %v, want %v", id, !want[id], want[id])
		}
	}
	if err := m.Accept(3); err != nil { // "\xe2\x82"
		t.Fatal(err)
	}
	if m.Allows(7) || !m.Allows(2) || m.CanEnd() {
		t.Fatal("after half of €: want only its last byte")
	}
	if err := m.Accept(2); err != nil {
		t.Fatal(err)
	}
	if !m.Allows(7) || m.Done() {
		t.Fatal("after €: want a letter")
	}
	if err := m.Accept(7); err != nil {
		t.Fatal(err)
	}
	if !m.Done() {
		t.Fatal("after €a: want done")
	}
}

func TestEndTokens(t *testing.T) {
	g := mustParse(t, `root ::= [0-9]+`)
	pieces := []string{"1", "23", "x", "", ""}
	v := mustVocab(t, pieces)
	m := g.NewMatcher(v, []int32{3})
	if m.Allows(3) || m.Allows(4) || m.Allows(2) || !m.Allows(1) {
		t.Fatal("at the start: want digits only")
	}
	if err := m.Accept(3); err == nil {
		t.Fatal("Accept(end) before the grammar is complete succeeded")
	}
	if err := m.Accept(1); err != nil {
		t.Fatal(err)
	}
	logits := []float32{1, 2, 3, 4, 5}
	m.Mask(logits)
	if want := []float32{1, 2, float32(math.Inf(-1)), 4, float32(math.Inf(-1))}; !equalFloats(logits, want) {
		t.Fatalf("Mask = %v, want %v", logits, want)
	}
	if m.Done() || !m.CanEnd() {
		t.Fatal("digits can continue")
	}
	if err := m.Accept(3); err != nil {
		t.Fatal(err)
	}
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTooAmbiguous(t *testing.T) {
	g := mustParse(t, `root ::= a
a ::= "(" a ")" | "(" a ")" | "x"`)
	m := newMatcher(g)
	err := m.AcceptBytes(strings.Repeat("(", 20))
	if err != ErrTooAmbiguous {
		t.Fatalf("AcceptBytes = %v, want ErrTooAmbiguous", err)
	}
	// Rules that can match nothing, each using the next one twice: the
	// stacks of the very first character number 2^40.
	// Parse refuses it with the matcher's first step.
	_, err = Parse(nullableChain(40, "", `"x"?`))
	if se := (*SyntaxError)(nil); !errors.As(err, &se) || !strings.Contains(se.Msg, "too ambiguous") || se.Line != 1 {
		t.Fatalf("a chain of nullable rules: %v, want too ambiguous at line 1", err)
	}
}

func TestMaskAllocs(t *testing.T) {
	pieces, end := testPieces()
	v := mustVocab(t, pieces)
	g := mustParse(t, jsonGBNF)
	m := g.NewMatcher(v, []int32{end})
	logits := make([]float32, len(pieces))
	text := `{"name": "abc", "x": [true, null]}`
	start := m.cur
	// AllocsPerRun's warm-up run computes the transitions; the measured
	// one must reuse them.
	allocs := testing.AllocsPerRun(1, func() {
		m.cur = start
		for i := 0; i < len(text); i++ {
			m.Mask(logits)
			m.Allows(int32(text[i]))
			if err := m.Accept(int32(text[i])); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per generation with warm tables", allocs)
	}
}

// FuzzMask checks, for any grammar and any text it accepts, that masking
// the test vocabulary (with longer ASCII tokens, whose subtrees the trie
// walk takes whole) agrees with walking each token's bytes alone.
func FuzzMask(f *testing.F) {
	for _, s := range []struct{ src, text string }{
		{`root ::= "\"" [a-z ]{0,12} "\""`, `"abc`},
		{`root ::= ("ab" | [0-9]){2,9} "." [a-z]*`, "ab1"},
		{"root ::= x y*\nx ::= [a-h]{3}\ny ::= \"é\" | [ -~]", "abc"},
		{jsonGBNF, `{"name": "ab`},
	} {
		f.Add(s.src, s.text)
	}
	pieces, end := testPieces()
	pieces = append(pieces[:end:end], "abcdefgh", "abcd", "ab", "    ", "12345678", "a1b2", `a"`, `ab"}`, "x_y z", "")
	end = int32(len(pieces) - 1)
	v, err := NewVocab(pieces)
	if err != nil {
		f.Fatal(err)
	}
	logits := make([]float32, len(pieces))
	f.Fuzz(func(t *testing.T, src, text string) {
		g, err := Parse(src)
		if err != nil {
			return
		}
		m := g.NewMatcher(v, []int32{end})
		if len(text) > 64 || m.AcceptBytes(text) != nil {
			return
		}
		clear(logits)
		m.Mask(logits)
		for id := range int32(len(pieces)) {
			if a, masked := m.Allows(id), math.IsInf(float64(logits[id]), -1); a == masked {
				t.Fatalf("after %q, token %d (%q): Allows %v, masked %v", text, id, pieces[id], a, masked)
			}
		}
	})
}
