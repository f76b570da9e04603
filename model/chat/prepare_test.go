package chat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm/grammar"
	"github.com/gollm/gollm/internal/testref"
	"github.com/gollm/gollm/model/tokenizer"
)

// referenceTemplate reads a reference template and the reference tiny
// Qwen3 model's tokenizer (a Qwen vocabulary, where <tool_call> is text).
func referenceTemplate(t *testing.T, name string) (Template, *tokenizer.Tokenizer) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(testref.Dir(t, "templates"), name+".jinja"))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := Parse(name, string(src), Tokens{BOS: "<s>", EOS: "</s>"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Open(testref.Model(t, "tiny-qwen3-s4-q8_0"))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl, tok
}

var weatherQuestion = []Message{{Role: "user", Content: "Weather in Paris?"}}

// TestPrepareTools shows the tools through a template that can show them,
// parses the reply in its syntax, and forces a call (without thinking)
// when tool_choice asks for one.
func TestPrepareTools(t *testing.T) {
	tmpl, tok := referenceTemplate(t, "Qwen-Qwen3-0.6B")
	p, err := tmpl.Prepare(Request{Messages: weatherQuestion, Tools: weatherTools, AddGenerationPrompt: true}, tok)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Text, "<tools>") || !strings.Contains(p.Text, `"name": "get_weather"`) || p.Grammar != "" {
		t.Fatalf("auto: prompt %q grammar %q", p.Text, p.Grammar)
	}
	if p.Parser.syn != syntaxHermes || p.Parser.think {
		t.Fatalf("auto: parser %+v", p.Parser)
	}
	p.Parser.Push("<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>")
	if r, _ := p.Parser.Finish(); len(r.ToolCalls) != 1 {
		t.Fatalf("auto: reply parsed to %+v", r)
	}

	for _, choice := range []ToolChoice{{Mode: "required"}, {Mode: "function", Function: "get_time"}} {
		p, err := tmpl.Prepare(Request{Messages: weatherQuestion, Tools: weatherTools, AddGenerationPrompt: true, ToolChoice: choice}, tok)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(p.Text, "<think>\n\n</think>\n\n") {
			t.Errorf("%+v: thinking is not switched off: %q", choice, p.Text)
		}
		g, err := grammar.Parse(p.Grammar)
		if err != nil {
			t.Fatal(err)
		}
		call := "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"UTC\"}}\n</tool_call>"
		if !g.Matches(call) {
			t.Errorf("%+v: grammar refuses %q:\n%s", choice, call, p.Grammar)
		}
	}

	p, err = tmpl.Prepare(Request{Messages: weatherQuestion, Tools: weatherTools, AddGenerationPrompt: true, ToolChoice: ToolChoice{Mode: "none"}}, tok)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(p.Text, "get_weather") || p.Parser.syn != nil {
		t.Fatalf("none: prompt %q shows tools or parser %+v parses calls", p.Text, p.Parser)
	}
}

// TestPrepareRefuses refuses tool choices that cannot be met.
func TestPrepareRefuses(t *testing.T) {
	tmpl, tok := referenceTemplate(t, "Qwen-Qwen3-0.6B")
	for _, c := range []struct {
		r    Request
		want string
	}{
		{Request{Messages: weatherQuestion, Tools: weatherTools, ToolChoice: ToolChoice{Mode: "function", Function: "nope"}}, `"nope", which is not among the tools`},
		{Request{Messages: weatherQuestion, ToolChoice: ToolChoice{Mode: "required"}}, "needs tools"},
		{Request{Messages: weatherQuestion, Tools: weatherTools, ToolChoice: ToolChoice{Mode: "sometimes"}}, `unknown tool_choice "sometimes"`},
	} {
		if _, err := tmpl.Prepare(c.r, tok); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.r.ToolChoice, err, c.want)
		}
	}
}

// TestPrepareGenericTools describes tools in the system message for a
// template that cannot show them, or in the first user message when the
// template refuses a system role (Gemma 2), and parses the JSON reply.
func TestPrepareGenericTools(t *testing.T) {
	for _, c := range []struct{ name, where string }{
		{"microsoft-Phi-3.5-mini-instruct", "<|system|>\nYou can call these tools:"},
		{"google-gemma-2-2b-it", "<start_of_turn>user\nYou can call these tools:"},
	} {
		tmpl, tok := referenceTemplate(t, c.name)
		p, err := tmpl.Prepare(Request{Messages: weatherQuestion, Tools: weatherTools, AddGenerationPrompt: true}, tok)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !strings.Contains(p.Text, c.where) || !strings.Contains(p.Text, `"name":"get_weather"`) || !strings.Contains(p.Text, "Weather in Paris?") {
			t.Errorf("%s: prompt %q", c.name, p.Text)
		}
		p.Parser.Push(`{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}`)
		if r, _ := p.Parser.Finish(); len(r.ToolCalls) != 1 || r.ToolCalls[0].Function.Arguments != `{"city": "Paris"}` {
			t.Errorf("%s: reply parsed to %+v", c.name, r)
		}
	}
}

// TestPrepareOpenThinking starts the reply in thinking when the prompt
// opens <think> (DeepSeek-R1's generation prompt; this build of its
// template thinks only with enable_thinking), and makes a forced call
// close it first.
func TestPrepareOpenThinking(t *testing.T) {
	tmpl, tok := referenceTemplate(t, "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B")
	think := map[string]any{"enable_thinking": true}
	p, err := tmpl.Prepare(Request{Messages: weatherQuestion, AddGenerationPrompt: true, Kwargs: think}, tok)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Parser.think {
		t.Fatalf("prompt %q: the parser does not start in thinking", p.Text)
	}
	p.Parser.Push("Easy.\n</think>\n\nSunny.")
	if r, _ := p.Parser.Finish(); r.ReasoningContent != "Easy." || r.Content != "Sunny." {
		t.Fatalf("parsed %+v", r)
	}
	p, err = tmpl.Prepare(Request{Messages: weatherQuestion, Tools: weatherTools, AddGenerationPrompt: true, Kwargs: think,
		ToolChoice: ToolChoice{Mode: "required"}}, tok)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Grammar, `</think>`) {
		t.Fatalf("forced call after open thinking: grammar\n%s", p.Grammar)
	}
}

// TestPrepareGenericHistory renders an agent loop through a template that
// knows nothing of tools and insists that roles alternate (Gemma 2): the
// call is the assistant's JSON reply, the results one user message.
func TestPrepareGenericHistory(t *testing.T) {
	tmpl, tok := referenceTemplate(t, "google-gemma-2-2b-it")
	msgs := []Message{
		{Role: "user", Content: "Weather and time in Paris?"},
		{Role: "assistant", ToolCalls: []ToolCall{
			{ID: "call_1", Type: "function", Function: FunctionCall{Name: "get_weather", Arguments: `{"city": "Paris"}`}},
			{ID: "call_2", Type: "function", Function: FunctionCall{Name: "get_time", Arguments: `{"zone": "CET"}`}}}},
		{Role: "tool", ToolCallID: "call_1", Content: "sunny"},
		{Role: "tool", ToolCallID: "call_2", Name: "get_time", Content: "noon"},
	}
	p, err := tmpl.Prepare(Request{Messages: msgs, Tools: weatherTools, AddGenerationPrompt: true}, tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<start_of_turn>model
{"tool_calls":[{"name":"get_weather","arguments":{"city":"Paris"},"id":"call_1"},{"name":"get_time","arguments":{"zone":"CET"},"id":"call_2"}]}<end_of_turn>`,
		`<start_of_turn>user
{"tool_response":{"content":"sunny","tool_call_id":"call_1"}}
{"tool_response":{"content":"noon","tool":"get_time","tool_call_id":"call_2"}}<end_of_turn>`,
	} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("prompt lacks %q:\n%s", want, p.Text)
		}
	}
	msgs[1].ToolCalls[0].Function.Arguments = "{nope"
	if _, err := tmpl.Prepare(Request{Messages: msgs, Tools: weatherTools, AddGenerationPrompt: true}, tok); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Fatalf("arguments that are not JSON: error %v", err)
	}
}
