package chat

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gollm/gollm/internal/testref"
)

// TestRenderReference renders the reference conversations that fit
// Message (text content, arguments as JSON text) through Render, which
// builds the variables from typed messages, and compares with what
// transformers renders from the JSON. Arguments given as JSON text render
// as objects for templates that only show objects, as case 05 (object
// arguments) shows them; case 12 has a null content, which Render passes
// as "".
func TestRenderReference(t *testing.T) {
	refDir := testref.Dir(t, "templates")
	raw, err := os.ReadFile(filepath.Join(refDir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var index map[string]struct {
		BOS *string `json:"bos_token"`
		EOS *string `json:"eos_token"`
	}
	if err := json.Unmarshal(raw, &index); err != nil {
		t.Fatal(err)
	}
	cases, _ := filepath.Glob(filepath.Join(refDir, "cases", "*.json"))
	compared := 0
	for name, tok := range index {
		src, err := os.ReadFile(filepath.Join(refDir, name+".jinja"))
		if err != nil {
			t.Fatal(err)
		}
		var tokens Tokens
		if tok.BOS != nil {
			tokens.BOS = *tok.BOS
		}
		if tok.EOS != nil {
			tokens.EOS = *tok.EOS
		}
		tmpl, err := New(string(src), nil, tokens)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			var rc struct {
				Messages            []Message
				Tools               []Tool
				AddGenerationPrompt bool  `json:"add_generation_prompt"`
				EnableThinking      *bool `json:"enable_thinking"`
			}
			data, _ := os.ReadFile(c)
			if json.Unmarshal(data, &rc) != nil {
				continue // content parts or object arguments
			}
			cn := strings.TrimSuffix(filepath.Base(c), ".json")
			if cn == "12_tool_result_last" {
				continue
			}
			wantCase := cn
			if cn == "06_tool_call_string_args" && requiresObjectArguments(tmpl.j) {
				wantCase = "05_tool_call_object_args"
			}
			want, err := os.ReadFile(filepath.Join(refDir, "expected", name, wantCase+".txt"))
			if err != nil || strings.HasPrefix(string(want), "ERROR: ") {
				continue
			}
			req := Request{Messages: rc.Messages, Tools: rc.Tools, AddGenerationPrompt: rc.AddGenerationPrompt,
				Now: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)}
			if rc.EnableThinking != nil {
				req.Kwargs = map[string]any{"enable_thinking": *rc.EnableThinking}
			}
			got, err := tmpl.Render(req)
			if err != nil {
				t.Errorf("%s/%s: %v", name, cn, err)
				continue
			}
			if got != string(want) {
				t.Errorf("%s/%s:\n got %q\nwant %q", name, cn, got, want)
			}
			compared++
		}
	}
	if compared < 70 {
		t.Errorf("only %d pairs compared", compared)
	}
}

// TestObjectArguments checks the probe that tells templates which show
// tool-call arguments only as objects.
func TestObjectArguments(t *testing.T) {
	for _, c := range []struct {
		src  string
		want bool
	}{
		{`{% for m in messages %}{% for tc in m.tool_calls %}{{ tc.function.arguments | tojson }}{% endfor %}{% endfor %}`, true},
		{`{% for m in messages %}{% for tc in m.tool_calls %}{% if tc.function.arguments is string %}{{ tc.function.arguments }}{% else %}{{ tc.function.arguments | tojson }}{% endif %}{% endfor %}{% endfor %}`, false},
		{`{% for m in messages %}{% for tc in m.tool_calls %}{% for k, v in tc.function.arguments | items %}"{{ k }}": {{ v }}{% endfor %}{% endfor %}{% endfor %}`, true},
		{`{% for m in messages %}{% for tc in m.tool_calls %}{{ tc.function.arguments }}{% endfor %}{% endfor %}`, false},
	} {
		tmpl, err := Parse("t", c.src, Tokens{})
		if err != nil {
			t.Fatal(err)
		}
		if got := requiresObjectArguments(tmpl.j); got != c.want {
			t.Errorf("%s: requires objects %v, want %v", c.src, got, c.want)
		}
	}
}
