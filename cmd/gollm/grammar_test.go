package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testmodel"
)

// constraintFiles writes a JSON Schema and a GBNF grammar to files.
func constraintFiles(t *testing.T) (schema, gbnf string) {
	dir := t.TempDir()
	schema = filepath.Join(dir, "schema.json")
	os.WriteFile(schema, []byte(`{"type": "object", "properties": {"ok": {"type": "boolean"}, "n": {"type": "integer", "minimum": 1, "maximum": 9}}, "required": ["ok", "n"], "additionalProperties": false}`), 0o644)
	gbnf = filepath.Join(dir, "answer.gbnf")
	os.WriteFile(gbnf, []byte("root ::= (\"yes\" | \"no\") \", \" [a-z]{3,5} \".\"\n"), 0o644)
	return schema, gbnf
}

// checkAnswer checks that text is an object with ok and n in 1..9.
func checkAnswer(t *testing.T, text string) {
	t.Helper()
	var v struct {
		OK *bool `json:"ok"`
		N  *int  `json:"n"`
	}
	d := json.NewDecoder(strings.NewReader(text))
	d.DisallowUnknownFields()
	if err := d.Decode(&v); err != nil || v.OK == nil || v.N == nil || *v.N < 1 || *v.N > 9 {
		t.Fatalf("answer %q does not follow the schema (%v)", text, err)
	}
}

func TestRunJSONSchemaAndGrammar(t *testing.T) {
	model := testmodel.Tiny(t, "qwen2", "Q8_0")
	schema, gbnf := constraintFiles(t)
	for seed := range 5 {
		code, out, errOut := runCmd("run", "-m", model, "-p", "Reply in JSON:", "-n", "200", "--temp", "1", "-t", "1",
			"--seed", string(rune('1'+seed)), "--json-schema", schema)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		checkAnswer(t, strings.TrimSuffix(out, "\n"))
		if !strings.Contains(errOut, "stopped: eog") {
			t.Errorf("the answer did not end at the grammar's end:\n%s", errOut)
		}
	}
	code, out, errOut := runCmd("run", "-m", model, "-p", "Answer:", "-n", "50", "-t", "1", "--grammar-file", gbnf)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !regexp.MustCompile(`^(yes|no), [a-z]{3,5}\.\n$`).MatchString(out) {
		t.Errorf("output %q does not match the grammar", out)
	}
}

func TestChatJSONSchema(t *testing.T) {
	model := testmodel.Tiny(t, "qwen2", "Q8_0")
	schema, _ := constraintFiles(t)
	code, out, errOut := chatCmd(t, "Hello\n", "-m", model, "-t", "1", "--json-schema", schema)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	checkAnswer(t, strings.TrimSpace(out))
}

func TestConstraintFlagErrors(t *testing.T) {
	model := testmodel.Tiny(t, "qwen2", "Q8_0")
	schema, gbnf := constraintFiles(t)
	dir := t.TempDir()
	badGrammar := filepath.Join(dir, "bad.gbnf")
	os.WriteFile(badGrammar, []byte("root ::= \"a\"\n  | b\n"), 0o644)
	badSchema := filepath.Join(dir, "bad.json")
	os.WriteFile(badSchema, []byte(`{"type": "object", "properties": {"x": {"type": "string", "format": "email"}}}`), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "-m", model, "-p", "x", "--grammar-file", badGrammar}, `--grammar-file ` + badGrammar + `: grammar: line 2, column 5: undefined rule "b"`},
		{[]string{"run", "-m", model, "-p", "x", "--json-schema", badSchema}, `json schema at /properties/x: "format": "email" is not supported`},
		{[]string{"run", "-m", model, "-p", "x", "--json-schema", schema, "--grammar-file", gbnf}, "not both"},
		{[]string{"run", "-m", model, "-p", "x", "--json-schema", filepath.Join(dir, "none.json")}, "no such file"},
		{[]string{"run", "-m", model, "-p", "x", "--json-schema", schema, "--fallback-url", "http://127.0.0.1:1/v1"}, "not with --fallback-url"},
	} {
		code, _, errOut := runCmd(c.args...)
		if code != 1 || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want one line mentioning %q", c.args[4:], code, errOut, c.want)
		}
	}
}
