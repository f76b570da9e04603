package chat

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gollm/gollm/grammar"
	"github.com/gollm/gollm/internal/testref"
)

// TestDetectToolSyntax recognizes the tool-call syntax of the reference
// templates, as llama.cpp's common/chat does.
func TestDetectToolSyntax(t *testing.T) {
	dir := testref.Dir(t, "templates")
	want := map[string]string{
		"HuggingFaceTB-SmolLM3-3B":                    "generic", // this build of it shows no tools
		"NousResearch-Hermes-3-Llama-3.1-8B-tool_use": "hermes",
		"Qwen-Qwen2.5-7B-Instruct":                    "hermes",
		"Qwen-Qwen3-0.6B":                             "hermes",
		"Qwen3.5-4B":                                  "qwen3-coder",
		"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B":    "deepseek-r1",
		"google-gemma-2-2b-it":                        "generic",
		"ibm-granite-granite-3.3-2B-Instruct":         "granite",
		"meta-llama-Llama-3.1-8B-Instruct":            "llama3",
		"meta-llama-Llama-3.2-3B-Instruct":            "llama3",
		"microsoft-Phi-3.5-mini-instruct":             "generic",
		"mistralai-Mistral-Nemo-Instruct-2407":        "mistral",
	}
	for name, syn := range want {
		src, err := os.ReadFile(filepath.Join(dir, name+".jinja"))
		if err != nil {
			t.Fatal(err)
		}
		tmpl, err := New(string(src), nil, Tokens{})
		if err != nil {
			t.Fatal(err)
		}
		if got := tmpl.ToolSyntax(); got != syn {
			t.Errorf("%s: syntax %q, want %q", name, got, syn)
		}
	}
}

// forcedCalls are, per syntax, a well-formed call of get_weather as the
// model writes it with its markers as text, and as it writes it when the
// markers are single control tokens that render as no text.
var forcedCalls = []struct {
	syn            *toolSyntax
	text, textless string
}{
	{syntaxHermes, "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
		"\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"},
	{syntaxXML, "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>",
		"\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n"},
	{syntaxLlama3, `{"name": "get_weather", "parameters": {"city": "Paris"}}`, ""},
	{syntaxMistral, `[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "abc123def"}]`,
		`[{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "abc123def"}]`},
	{syntaxGranite, `<|tool_call|>[{"name": "get_weather", "arguments": {"city": "Paris"}}]`,
		`[{"name": "get_weather", "arguments": {"city": "Paris"}}]`},
	{syntaxPhi4, `<|tool_call|>[{"name": "get_weather", "arguments": {"city": "Paris"}}]<|/tool_call|>`,
		`[{"name": "get_weather", "arguments": {"city": "Paris"}}]`},
	{syntaxDeepSeek, "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
		"<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜>"},
	{syntaxGeneric, `{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}`, ""},
}

// TestToolGrammar checks the grammar of a forced call in every syntax: it
// matches a well-formed call (with markers as text, and without the
// markers that are control tokens), refuses arguments that break the
// function's schema and calls of a function tool_choice does not name,
// and what it matches parses back to the call.
func TestToolGrammar(t *testing.T) {
	for _, c := range forcedCalls {
		t.Run(c.syn.name, func(t *testing.T) {
			for _, markersTextless := range []bool{false, true} {
				text := c.text
				if markersTextless {
					if c.textless == "" {
						continue
					}
					text = c.textless
				}
				textless := func(s string) bool { return markersTextless && strings.HasPrefix(s, "<") }
				if c.syn == syntaxMistral {
					textless = func(s string) bool { return markersTextless }
				}
				for _, choice := range []ToolChoice{{Mode: "required"}, {Mode: "function", Function: "get_weather"}, {Mode: "function", Function: "get_time"}} {
					src, err := toolGrammar(c.syn, weatherTools, choice, textless, false)
					if err != nil {
						t.Fatal(err)
					}
					g, err := grammar.Parse(src)
					if err != nil {
						t.Fatalf("%v\n%s", err, src)
					}
					wantMatch := choice.Function != "get_time"
					if g.Matches(text) != wantMatch {
						t.Fatalf("choice %+v, textless markers %v: Matches(%q) = %v\n%s", choice, markersTextless, text, !wantMatch, src)
					}
					bad := strings.Replace(text, `"Paris"`, "7", 1)
					if c.syn.xml {
						bad = strings.Replace(text, ">\n3\n<", ">\nthree\n<", 1)
						if bad == text {
							bad = strings.Replace(text, "</parameter>\n", "</parameter>\n<parameter=days>\nthree\n</parameter>\n", 1)
						}
					}
					if g.Matches(bad) {
						t.Errorf("choice %+v: the grammar accepts a call that breaks the schema: %q", choice, bad)
					}
				}
				p := &Parser{syn: c.syn, forced: true, split: true, stringParams: stringParams(weatherTools)}
				p.Push(text)
				r, _ := p.Finish()
				if len(r.ToolCalls) != 1 || r.ToolCalls[0].Function.Name != "get_weather" || r.Content != "" {
					t.Fatalf("%q parses to %+v", text, r)
				}
			}
		})
	}
}

// TestToolGrammarClosesThinking makes a forced call after a prompt that
// opened <think> first close the thinking.
func TestToolGrammarClosesThinking(t *testing.T) {
	src, err := toolGrammar(syntaxHermes, weatherTools, ToolChoice{Mode: "required"}, func(string) bool { return false }, true)
	if err != nil {
		t.Fatal(err)
	}
	g, err := grammar.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	text := "\n</think>\n\n" + forcedCalls[0].text
	if !g.Matches(text) || g.Matches(forcedCalls[0].text) {
		t.Fatalf("grammar does not require closing the thinking first:\n%s", src)
	}
	p := &Parser{syn: syntaxHermes, forced: true, split: true, think: true}
	p.Push(text)
	if r, _ := p.Finish(); len(r.ToolCalls) != 1 || r.ReasoningContent != "" || r.Content != "" {
		t.Fatalf("parsed %+v", r)
	}
}

// TestToolGrammarSchemaError names the tool whose parameters are not a
// schema the grammar can follow.
func TestToolGrammarSchemaError(t *testing.T) {
	tools := []Tool{{Type: "function", Function: Function{Name: "f", Parameters: []byte(`{"type": "object", "properties": {"a": {"type": "no-such-type"}}}`)}}}
	_, err := toolGrammar(syntaxHermes, tools, ToolChoice{Mode: "required"}, func(string) bool { return false }, false)
	if err == nil || !strings.Contains(err.Error(), "tools[0].function.parameters") {
		t.Fatalf("error %v, want one naming tools[0].function.parameters", err)
	}
}

// TestToolGrammarNoParameters: a function without parameters is called
// with an empty argument list, as OpenAI defines it.
func TestToolGrammarNoParameters(t *testing.T) {
	tools := []Tool{{Type: "function", Function: Function{Name: "now"}}}
	src, err := toolGrammar(syntaxHermes, tools, ToolChoice{Mode: "required"}, func(string) bool { return false }, false)
	if err != nil {
		t.Fatal(err)
	}
	g, err := grammar.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	call := func(args string) string {
		return "<tool_call>\n{\"name\": \"now\", \"arguments\": " + args + "}\n</tool_call>"
	}
	if !g.Matches(call("{}")) || g.Matches(call(`{"a": 1}`)) {
		t.Fatalf("a call without parameters:\n%s", src)
	}
}

// TestSchemaProperties keeps the schema's order of properties.
func TestSchemaProperties(t *testing.T) {
	props, req, err := schemaProperties([]byte(`{"properties": {"z": {"type": "string"}, "a": {"type": "integer"}, "m": {}}, "required": ["a"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range props {
		names = append(names, p.name)
	}
	if !reflect.DeepEqual(names, []string{"z", "a", "m"}) || !props[0].isString || props[1].isString || !req["a"] || req["z"] {
		t.Fatalf("props %+v required %v", props, req)
	}
}

// TestToolUseVariant renders with the model's tool_use template when the
// request has tools, and with its default one otherwise; the variant's
// syntax decides how the reply is parsed.
func TestToolUseVariant(t *testing.T) {
	tmpl, err := New("{% for m in messages %}[{{ m.content }}]{% endfor %}",
		map[string]string{"tool_use": "{% for t in tools %}<tool_call>{{ t.function.name }}</tool_call>{% endfor %}{% for m in messages %}({{ m.content }}){% endfor %}"},
		Tokens{})
	if err != nil {
		t.Fatal(err)
	}
	msgs := []Message{{Role: "user", Content: "hi"}}
	if out, err := tmpl.Render(Request{Messages: msgs}); err != nil || out != "[hi]" {
		t.Fatalf("without tools: %q, %v", out, err)
	}
	out, err := tmpl.Render(Request{Messages: msgs, Tools: weatherTools})
	if err != nil || out != "<tool_call>get_weather</tool_call><tool_call>get_time</tool_call>(hi)" {
		t.Fatalf("with tools: %q, %v", out, err)
	}
	if tmpl.ToolSyntax() != "hermes" {
		t.Fatalf("syntax %q, want the tool_use variant's (hermes)", tmpl.ToolSyntax())
	}
}
