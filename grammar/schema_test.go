package grammar

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// testSchemas returns the schemas of testdata/schemas.json.
func testSchemas(t testing.TB) []json.RawMessage {
	t.Helper()
	data, err := os.ReadFile("testdata/schemas.json")
	if err != nil {
		t.Fatal(err)
	}
	var schemas []json.RawMessage
	if err := json.Unmarshal(data, &schemas); err != nil {
		t.Fatal(err)
	}
	return schemas
}

// compileSchema compiles schema with the independent validator, formats
// asserted.
func compileSchema(t testing.TB, schema []byte) *jsonschema.Schema {
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
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("the validator does not compile %s: %v", schema, err)
	}
	return s
}

// randomText draws tokens of pieces at random among those g allows until
// the grammar ends, favouring closing tokens so that texts end. It
// returns false when the text did not end within maxSteps tokens.
func randomText(t testing.TB, g *Grammar, v *Vocab, pieces []string, end int32, rng *rand.Rand, maxSteps int) (string, bool) {
	m := g.NewMatcher(v, []int32{end})
	logits := make([]float32, len(pieces))
	var out strings.Builder
	for range maxSteps {
		if m.Done() {
			return out.String(), true
		}
		for i, p := range pieces {
			logits[i] = float32(rng.NormFloat64())
			switch {
			case strings.ContainsAny(p, `"}]`):
				logits[i] += 2
			case strings.TrimSpace(p) == "" && p != "":
				logits[i] -= 2
			}
		}
		logits[end] += 4
		m.Mask(logits)
		if err := m.Err(); err != nil {
			t.Fatal(err)
		}
		best := int32(-1)
		for id, l := range logits {
			if !math.IsInf(float64(l), -1) && (best < 0 || l > logits[best]) {
				best = int32(id)
			}
		}
		if best < 0 {
			t.Fatalf("nothing allowed after %q", out.String())
		}
		if best == end {
			return out.String(), true
		}
		if err := m.Accept(best); err != nil {
			t.Fatal(err)
		}
		out.WriteString(pieces[best])
	}
	return out.String(), false
}

// TestSchemasValidate converts every test schema and checks random texts
// of its grammar against the schema with an independent validator.
func TestSchemasValidate(t *testing.T) {
	pieces, end := testPieces()
	v := mustVocab(t, pieces)
	rng := rand.New(rand.NewPCG(5, 6))
	for i, schema := range testSchemas(t) {
		validator := compileSchema(t, schema)
		src, err := SchemaToGBNF(schema)
		if err != nil {
			t.Fatalf("schema %d: %v", i, err)
		}
		g, err := Parse(src)
		if err != nil {
			t.Fatalf("schema %d: %v\n%s", i, err, src)
		}
		ended := 0
		for range 30 {
			text, ok := randomText(t, g, v, pieces, end, rng, 600)
			if !ok {
				continue
			}
			ended++
			if ended == 1 {
				t.Logf("schema %d: %q", i, text)
			}
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
			if err != nil {
				t.Fatalf("schema %d: %q is not JSON: %v\n%s", i, text, err, src)
			}
			if err := validator.Validate(inst); err != nil {
				t.Fatalf("schema %d: %q does not validate: %v\n%s", i, text, err, src)
			}
		}
		if ended < 10 {
			t.Errorf("schema %d: only %d of 30 texts ended", i, ended)
		}
	}
}

func TestSchemaRefusals(t *testing.T) {
	for _, c := range []struct{ schema, keyword, path string }{
		{`{"type": "string", "format": "email"}`, "format", ""},
		{`{"not": {"type": "string"}}`, "not", ""},
		{`{"type": "number", "minimum": 0}`, "minimum", ""},
		{`{"type": "object", "properties": {"a": {"type": "integer", "multipleOf": 2}}}`, "multipleOf", "/properties/a"},
		{`{"type": "object", "patternProperties": {"^x": {}}}`, "patternProperties", ""},
		{`{"$ref": "https://example.com/schema.json"}`, "$ref", ""},
		{`{"$ref": "#/$defs/missing"}`, "$ref", ""},
		// $refs that reach themselves before any character: left recursion.
		{`{"$ref": "#"}`, "$ref", ""},
		{`{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}`, "$ref", "/$defs/b/allOf/0"},
		{`{"$defs": {"t": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/t"}]}}, "$ref": "#/$defs/t"}`, "$ref", "/$defs/t/anyOf/1"},
		{`{"type": "array", "uniqueItems": true}`, "uniqueItems", ""},
		{`{"if": {"type": "string"}, "then": {"maxLength": 2}}`, "if", ""},
		{`{"type": "strin"}`, "type", ""},
		{`{"minimum": 1}`, "minimum", ""},
		{`{"type": "string", "pattern": "\\bword"}`, "pattern", ""},
		{`{"type": "string", "pattern": "(a?)+"}`, "pattern", ""},
		{`{"type": "string", "pattern": "a(b"}`, "pattern", ""},
		{`{"type": "string", "pattern": "x", "maxLength": 3}`, "maxLength", ""},
		{`{"anyOf": [{"type": "string"}], "maxLength": 3}`, "maxLength", ""},
		{`{"type": "object", "minProperties": 1}`, "minProperties", ""},
		{`{"type": "array", "items": {"type": "string", "contentEncoding": "base64"}}`, "contentEncoding", "/items"},
		{`{"type": "integer", "minimum": 5, "maximum": 4}`, "", ""},
		{`{"enum": "red"}`, "enum", ""},
		{`{"type": "string", "enum": [1, 2]}`, "enum", ""},
		{`false`, "", ""},
		{`{"properties": {}, "items": {}}`, "items", ""},
	} {
		_, err := SchemaToGBNF([]byte(c.schema))
		var se *SchemaError
		if !errors.As(err, &se) {
			t.Errorf("%s: got %v, want a SchemaError", c.schema, err)
			continue
		}
		if se.Keyword != c.keyword || se.Path != c.path {
			t.Errorf("%s: got %v (keyword %q at %q), want keyword %q at %q", c.schema, err, se.Keyword, se.Path, c.keyword, c.path)
		}
	}
	if _, err := SchemaToGBNF([]byte(`{"type": `)); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("truncated schema: %v", err)
	}
}

func TestIntegerRanges(t *testing.T) {
	for _, r := range [][2]int64{{0, 0}, {-1, 1}, {-15, 1234}, {1001, 99999}, {7, 7}, {-100, -37}, {19, 2001}, {0, 9999999999999999}} {
		g := mustParse(t, "root ::= "+intRange(r[0], r[1]))
		lo, hi := r[0], r[1]
		check := func(n int64) {
			text := strconv.FormatInt(n, 10)
			if got, want := g.Matches(text), n >= lo && n <= hi; got != want {
				t.Errorf("range [%d, %d]: Matches(%s) = %v", lo, hi, text, got)
			}
		}
		for n := lo - 30; n <= min(hi, lo+3000)+30; n++ {
			check(n)
		}
		for n := hi - 30; n <= hi+30; n++ {
			check(n)
		}
		for _, bad := range []string{"-0", "01", "+1", ""} {
			if g.Matches(bad) {
				t.Errorf("range [%d, %d] matches %q", lo, hi, bad)
			}
		}
	}
}

func TestBuilderComposes(t *testing.T) {
	b := NewBuilder()
	args, err := b.AddSchema("weather-args", []byte(`{"type": "object", "properties": {"city": {"type": "string", "maxLength": 10}}, "required": ["city"]}`))
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.AddSchema("time-args", []byte(`{"type": "object", "properties": {"zone": {"enum": ["UTC", "CET"]}}, "required": ["zone"]}`))
	if err != nil {
		t.Fatal(err)
	}
	call := func(name, args string) string {
		return Literal(`{"name": "`+name+`", "arguments": `) + " " + args + " " + Literal("}")
	}
	if _, err := b.AddRule("root", Literal("<tool_call>\n")+" ("+call("get_weather", args)+" | "+call("get_time", other)+") "+Literal("\n</tool_call>")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddRule("root", "x"); err == nil {
		t.Fatal("redefining root succeeded")
	}
	if _, err := b.AddSchema("bad", []byte(`{"not": {}}`)); err == nil {
		t.Fatal("AddSchema accepted not")
	}
	g := mustParse(t, b.String())
	for text, want := range map[string]bool{
		"<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>": true,
		"<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"CET\"}}\n</tool_call>":     true,
		"<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>":    false,
	} {
		if g.Matches(text) != want {
			t.Errorf("Matches(%q) = %v", text, !want)
		}
	}
}

func FuzzSchemaToGBNF(f *testing.F) {
	for _, s := range testSchemas(f) {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"type": "string", "pattern": "^(a|b{2,3})*[^x-z]$"}`))
	f.Fuzz(func(t *testing.T, schema []byte) {
		src, err := SchemaToGBNF(schema)
		if err != nil {
			var se *SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a SchemaError", err)
			}
			return
		}
		if _, err := Parse(src); err != nil {
			var se *SyntaxError
			if errors.As(err, &se) && strings.Contains(se.Msg, "too large") {
				return
			}
			t.Fatalf("the grammar of %s does not parse: %v\n%s", schema, err, src)
		}
	})
}

// TestWhitespaceBounded: between JSON tokens, a schema's grammar allows
// what llama.cpp's converter allows (nothing, one space, or one or two
// newlines and at most 20 spaces or tabs), so a model cannot spend its
// tokens on whitespace.
func TestWhitespaceBounded(t *testing.T) {
	for _, schema := range []string{
		`{"type": "object"}`, // json_object
		`{"type": "object", "properties": {"a": {"anyOf": [{"type": "array", "items": {"enum": [1, "x"]}}, {"const": null}]}, "b": {"type": "boolean"}}, "required": ["a"]}`,
	} {
		src, err := SchemaToGBNF([]byte(schema))
		if err != nil {
			t.Fatal(err)
		}
		g := mustParse(t, src)
		for _, ws := range []struct {
			s    string
			want bool
		}{
			{"", true}, {" ", true}, {"\n", true}, {"\n\n", true}, {"\n" + strings.Repeat("\t", 20), true},
			{"\n\n" + strings.Repeat(" ", 20), true}, {"\n \t \t", true},
			{"  ", false}, {"\t", false}, {"\n\n\n", false}, {" \n", false},
			{"\n" + strings.Repeat(" ", 21), false}, {"\r\n", false},
		} {
			w := ws.s
			for _, text := range []string{
				"{" + w + `"a"` + w + ":" + w + "[" + w + "1" + w + "," + w + `"x"` + w + "]" + w + "," + w + `"b"` + w + ":" + w + "true" + w + "}" + w,
				"{" + w + `"a"` + w + ":" + w + "null" + w + "}" + w,
			} {
				if g.Matches(text) != ws.want {
					t.Errorf("schema %s: Matches(%q) = %v", schema, text, !ws.want)
				}
			}
		}
	}
}

// TestObjectProperties: which properties an object schema allows beside
// its own. Without "properties", any (as {"type": "object"}, OpenAI's
// json_object); with them, an absent additionalProperties allows none,
// as in llama.cpp's converter.
func TestObjectProperties(t *testing.T) {
	for _, c := range []struct {
		schema string
		yes    []string
		no     []string
	}{
		{`{"type": "object"}`,
			[]string{`{}`, `{"a": 1}`, `{"a": {"b": [true, null]}, "c\n": "d"}`},
			[]string{`[]`, `{"a"}`, `{,}`}},
		{`{"type": "object", "additionalProperties": true}`, []string{`{}`, `{"x": "y"}`}, nil},
		{`{"type": "object", "additionalProperties": false}`, []string{`{}`}, []string{`{"a": 1}`}},
		{`{"type": "object", "additionalProperties": {"type": "integer"}}`, []string{`{}`, `{"a": 1, "b": 2}`}, []string{`{"a": "x"}`}},
		{`{"type": "object", "required": ["id"]}`,
			[]string{`{"id": 1}`, `{"id": "x", "other": [1]}`},
			[]string{`{}`, `{"other": 1}`}},
		{`{"type": "object", "required": ["id"], "additionalProperties": false}`, []string{`{"id": null}`}, []string{`{"id": 1, "b": 2}`}},
		{`{"type": "object", "properties": {"a": {"type": "integer"}}}`, []string{`{}`, `{"a": 1}`}, []string{`{"b": 1}`, `{"a": 1, "b": 2}`}},
		{`{"type": "object", "properties": {}}`, []string{`{}`}, []string{`{"a": 1}`}},
	} {
		src, err := SchemaToGBNF([]byte(c.schema))
		if err != nil {
			t.Fatalf("%s: %v", c.schema, err)
		}
		g := mustParse(t, src)
		for _, text := range c.yes {
			if !g.Matches(text) {
				t.Errorf("%s does not match %s", c.schema, text)
			}
		}
		for _, text := range c.no {
			if g.Matches(text) {
				t.Errorf("%s matches %s", c.schema, text)
			}
		}
	}
}
