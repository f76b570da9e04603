package gollm_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/grammar"
	"github.com/gollm/gollm/sampler"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// generateText runs one generation and returns its text and stop reason.
func generateText(t *testing.T, s *gollm.Session, prompt string, opts gollm.GenerateOptions) (string, gollm.StopReason) {
	t.Helper()
	var sb strings.Builder
	for tok, err := range s.Generate(context.Background(), prompt, opts) {
		if err != nil {
			t.Fatal(err)
		}
		sb.WriteString(tok.Text)
	}
	return sb.String(), s.Stats().StopReason
}

// TestJSONSchemaOutputsValidate is the structured-output guarantee: on
// random-weight models (which never write JSON by themselves), sampling
// at temperature 1, every output for the test schemas is JSON that an
// independent validator accepts, formats included.
//
// Three schemas of grammar/testdata/schemas.json are left out here (the
// grammar package's tests cover them): each allows a string of unbounded
// length (no maxLength) where nothing else can come, and a random model,
// which picks a closing quote among hundreds of allowed tokens, rarely
// ends such a string within the token budget.
func TestJSONSchemaOutputsValidate(t *testing.T) {
	data, err := os.ReadFile("grammar/testdata/schemas.json")
	if err != nil {
		t.Fatal(err)
	}
	var schemas []json.RawMessage
	if err := json.Unmarshal(data, &schemas); err != nil {
		t.Fatal(err)
	}
	unboundedStrings := map[int]bool{9: true, 15: true, 31: true}
	if len(schemas)-len(unboundedStrings) < 20 {
		t.Fatalf("only %d schemas", len(schemas))
	}
	// Byte-level BPE (qwen2, qwen35) and SentencePiece (phi3, gemma3);
	// between answers, the session rewinds to the shared prompt through
	// gemma3's sliding window and qwen35's recurrent state too.
	for _, arch := range []string{"qwen2", "phi3", "gemma3", "qwen35"} {
		m := loadTiny(t, arch, "Q8_0")
		s, err := m.NewSession(gollm.SessionOptions{ContextSize: 512, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		for i, schema := range schemas {
			if unboundedStrings[i] {
				continue
			}
			validator := compileSchema(t, schema)
			opts := gollm.GenerateOptions{MaxTokens: 600, JSONSchema: string(schema),
				Sampling: sampler.Options{Temperature: 1, TopP: 1, RepeatPenalty: 1, Seed: uint64(i + 1)}}
			text, reason := generateText(t, s, "Answer in JSON:", opts)
			if reason != gollm.StopEOG {
				t.Errorf("%s, schema %d: stopped by %s after %q", arch, i, reason, text)
				continue
			}
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
			if err != nil {
				t.Fatalf("%s, schema %d: %q is not JSON: %v", arch, i, text, err)
			}
			if err := validator.Validate(inst); err != nil {
				t.Fatalf("%s, schema %d: %q does not validate: %v", arch, i, text, err)
			}
		}
		s.Close()
	}
}

// compileSchema compiles schema with the independent validator, formats
// asserted.
func compileSchema(t *testing.T, schema []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(schema)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	v, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestGrammarEndsGeneration: the output matches the grammar, and the
// generation ends (as at an end-of-generation token) once nothing but the
// end is left.
func TestGrammarEndsGeneration(t *testing.T) {
	m := loadTiny(t, "qwen2", "Q8_0")
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 128, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := `root ::= ("yes" | "no") " " [0-9]{2} "!"`
	for seed := range uint64(10) {
		opts := gollm.GenerateOptions{MaxTokens: 50, Grammar: g,
			Sampling: sampler.Options{Temperature: 1, TopK: 40, TopP: 1, RepeatPenalty: 1, Seed: seed + 1}}
		text, reason := generateText(t, s, "Question:", opts)
		gr, err := grammar.Parse(g)
		if err != nil {
			t.Fatal(err)
		}
		if reason != gollm.StopEOG || !gr.Matches(text) {
			t.Fatalf("seed %d: %q, stopped by %s", seed, text, reason)
		}
	}
}

func TestGrammarErrors(t *testing.T) {
	m := loadTiny(t, "qwen2", "Q8_0")
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 128, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	run := func(opts gollm.GenerateOptions) error {
		for _, err := range s.Generate(context.Background(), "x", opts) {
			if err != nil {
				return err
			}
		}
		return nil
	}
	var se *grammar.SyntaxError
	if err := run(gollm.GenerateOptions{Grammar: "root ::= x"}); !errors.As(err, &se) || se.Line != 1 {
		t.Errorf("undefined rule: %v", err)
	}
	var sce *grammar.SchemaError
	if err := run(gollm.GenerateOptions{JSONSchema: `{"type": "number", "minimum": 0}`}); !errors.As(err, &sce) || sce.Keyword != "minimum" {
		t.Errorf("unsupported keyword: %v", err)
	}
	if err := run(gollm.GenerateOptions{Grammar: `root ::= "a"`, JSONSchema: `{}`}); err == nil {
		t.Error("Grammar and JSONSchema together: no error")
	}
	if s.Pos() != 0 {
		t.Errorf("a refused grammar still prefilled the prompt")
	}
}

// TestGrammarAllocatesNothingPerToken: with a grammar whose states repeat,
// a generation allocates per token only the string of its text, as
// without a grammar.
func TestGrammarAllocatesNothingPerToken(t *testing.T) {
	m := loadTiny(t, "qwen2", "Q8_0")
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 128, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	prompt := m.Tokenize("Once upon a time", true)
	run := func(n int) float64 {
		return testing.AllocsPerRun(3, func() {
			s.Reset()
			opts := gollm.GenerateOptions{MaxTokens: n, Grammar: `root ::= [a-z ]+ "." | "{" [0-9]* "}"`,
				Sampling: sampler.Options{Temperature: 1, TopP: 1, RepeatPenalty: 1, Seed: 3}}
			for _, err := range s.GenerateTokens(context.Background(), prompt, opts) {
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	short, long := run(4), run(40)
	if s.Stats().GeneratedTokens != 40 {
		t.Skipf("the model stopped after %d tokens", s.Stats().GeneratedTokens)
	}
	if perToken := (long - short) / 36; perToken > 1 {
		t.Errorf("%v allocations per token with a grammar (want at most 1, the text)", perToken)
	}
}
