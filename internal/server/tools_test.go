package server

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/fallback"
	"github.com/gollm/gollm/model/chat"
)

// toolTemplate is a small Hermes-style template (as Qwen's): tools in a
// system message, calls as <tool_call> JSON, results as tool messages, and
// a reply that starts thinking unless enable_thinking is false.
const toolTemplate = `{%- if tools %}<|im_start|>system
<tools>{% for t in tools %}
{{ t | tojson }}{% endfor %}
</tools><|im_end|>
{% endif %}
{%- for m in messages %}<|im_start|>{{ m.role }}
{% if m.tool_calls %}{% for c in m.tool_calls %}<tool_call>
{"name": "{{ c.function.name }}", "arguments": {{ c.function.arguments | tojson }}}
</tool_call>{% endfor %}{% else %}{{ m.content }}{% endif %}<|im_end|>
{% endfor %}
{%- if add_generation_prompt %}<|im_start|>assistant
{% if enable_thinking is not defined or enable_thinking %}<think>
{% endif %}{% endif %}`

// serverTools are the functions the tests offer, with their schemas.
const serverTools = `[
 {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
  "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20}, "unit": {"enum": ["C", "F"]}},
   "required": ["city", "unit"], "additionalProperties": false}}},
 {"type": "function", "function": {"name": "add",
  "parameters": {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0, "maximum": 99}, "b": {"type": "integer", "minimum": 0, "maximum": 99}},
   "required": ["a", "b"], "additionalProperties": false}}}]`

// startTools serves the tiny model with the tool template.
func startTools(t *testing.T) *httptest.Server {
	t.Helper()
	file := filepath.Join(t.TempDir(), "tools.jinja")
	if err := os.WriteFile(file, []byte(toolTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	_, hs := startWith(t, gollm.Options{ChatTemplateFile: file}, Config{Session: gollm.SessionOptions{ContextSize: 2048}})
	return hs
}

// toolValidators compiles each tool's parameters schema.
func toolValidators(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	var tools []struct {
		Function struct {
			Name       string
			Parameters json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(serverTools), &tools); err != nil {
		t.Fatal(err)
	}
	out := map[string]*jsonschema.Schema{}
	for _, tool := range tools {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(tool.Function.Parameters)))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("schema.json", doc); err != nil {
			t.Fatal(err)
		}
		if out[tool.Function.Name], err = c.Compile("schema.json"); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkCall checks one tool call of a response: OpenAI's shape, a known
// function (want, when set) and arguments that validate against its
// schema.
func checkCall(t *testing.T, validators map[string]*jsonschema.Schema, c any, want string) {
	t.Helper()
	name, _ := get(c, "function", "name").(string)
	args, _ := get(c, "function", "arguments").(string)
	id, _ := get(c, "id").(string)
	if get(c, "type") != "function" || !strings.HasPrefix(id, "call_") || (want != "" && name != want) {
		t.Fatalf("call %v: want type function, an id and function %q", c, want)
	}
	v, ok := validators[name]
	if !ok {
		t.Fatalf("call of unknown function %q", name)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(args))
	if err != nil {
		t.Fatalf("arguments %q are not JSON: %v", args, err)
	}
	if err := v.Validate(inst); err != nil {
		t.Fatalf("arguments %q of %s do not validate: %v", args, name, err)
	}
}

// TestToolChoiceForcesCalls: tool_choice required or a named function
// makes the reply one call whose arguments match the function's schema,
// with finish_reason tool_calls and a null content, whatever the (random)
// weights would write.
func TestToolChoiceForcesCalls(t *testing.T) {
	hs := startTools(t)
	validators := toolValidators(t)
	for seed, choice := range []string{`"required"`, `{"type": "function", "function": {"name": "add"}}`, `"required"`, `{"type": "function", "function": {"name": "get_weather"}}`} {
		body := fmt.Sprintf(`{"messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": %s, "tool_choice": %s, "temperature": 1, "seed": %d, "max_tokens": 600}`,
			serverTools, choice, seed)
		code, v := post(t, hs.URL+"/v1/chat/completions", body)
		if code != 200 {
			t.Fatalf("status %d: %v", code, v)
		}
		msg := get(v, "choices", 0, "message")
		if get(v, "choices", 0, "finish_reason") != "tool_calls" || get(msg, "content") != nil {
			t.Fatalf("choice %s: %v", choice, get(v, "choices", 0))
		}
		calls, _ := get(msg, "tool_calls").([]any)
		if len(calls) != 1 {
			t.Fatalf("choice %s: %d calls", choice, len(calls))
		}
		var named struct{ Function struct{ Name string } }
		json.Unmarshal([]byte(choice), &named) // "required" leaves the name empty
		checkCall(t, validators, calls[0], named.Function.Name)
	}
}

// TestToolCallsStream streams a forced call as OpenAI does: the first
// delta of the call has its index, id, type and name, the next ones
// fragments of its arguments, which join into the same call a
// non-streamed request returns.
func TestToolCallsStream(t *testing.T) {
	hs := startTools(t)
	body := `{"messages": [{"role": "user", "content": "Add 2 and 3"}], "tools": ` + serverTools +
		`, "tool_choice": {"type": "function", "function": {"name": "add"}}, "temperature": 0, "max_tokens": 600`
	_, whole := post(t, hs.URL+"/v1/chat/completions", body+"}")
	var id, name, args, finish string
	for _, ev := range stream(t, hs.URL+"/v1/chat/completions", body+`, "stream": true}`) {
		if ev == "[DONE]" {
			continue
		}
		var c map[string]any
		if err := json.Unmarshal([]byte(ev), &c); err != nil {
			t.Fatal(err)
		}
		if f, ok := get(c, "choices", 0, "finish_reason").(string); ok {
			finish = f
		}
		if s, _ := get(c, "choices", 0, "delta", "content").(string); s != "" {
			t.Errorf("content delta %q in a forced call", s)
		}
		calls, _ := get(c, "choices", 0, "delta", "tool_calls").([]any)
		for _, tc := range calls {
			if get(tc, "index") != 0.0 {
				t.Fatalf("delta %v: want index 0", tc)
			}
			if s, ok := get(tc, "id").(string); ok {
				if id != "" || get(tc, "type") != "function" {
					t.Fatalf("second id or no type: %v", tc)
				}
				id, name = s, get(tc, "function", "name").(string)
			} else if id == "" {
				t.Fatalf("arguments before the id: %v", tc)
			}
			args += get(tc, "function", "arguments").(string)
		}
	}
	wantCall := get(whole, "choices", 0, "message", "tool_calls", 0)
	if finish != "tool_calls" || name != get(wantCall, "function", "name") || args != get(wantCall, "function", "arguments") {
		t.Fatalf("streamed %s(%s) finish %q; whole %v", name, args, finish, wantCall)
	}
	checkCall(t, toolValidators(t), map[string]any{"id": id, "type": "function", "function": map[string]any{"name": name, "arguments": args}}, "add")
}

// TestAgentLoop sends the calls and their results back: the template
// renders them and the model answers (tool_choice none: no tools shown,
// no call parsed).
func TestAgentLoop(t *testing.T) {
	hs := startTools(t)
	validators := toolValidators(t)
	msgs := []any{map[string]any{"role": "user", "content": "Weather in Paris, and 2+3?"}}
	for _, fn := range []string{"get_weather", "add"} {
		body, _ := json.Marshal(map[string]any{"messages": msgs, "tools": json.RawMessage(serverTools), "max_tokens": 600,
			"tool_choice": map[string]any{"type": "function", "function": map[string]any{"name": fn}}})
		code, v := post(t, hs.URL+"/v1/chat/completions", string(body))
		if code != 200 {
			t.Fatalf("status %d: %v", code, v)
		}
		msg := get(v, "choices", 0, "message")
		call := get(msg, "tool_calls", 0)
		checkCall(t, validators, call, fn)
		msgs = append(msgs, msg, map[string]any{"role": "tool", "tool_call_id": get(call, "id"), "content": "result of " + fn})
	}
	body, _ := json.Marshal(map[string]any{"messages": msgs, "tools": json.RawMessage(serverTools), "tool_choice": "none", "max_tokens": 8})
	code, v := post(t, hs.URL+"/v1/chat/completions", string(body))
	if code != 200 || get(v, "choices", 0, "message", "tool_calls") != nil || get(v, "choices", 0, "finish_reason") == "tool_calls" {
		t.Fatalf("final answer: %d %v", code, v)
	}
}

// TestGenericToolCalls forces a call through a template that cannot show
// tools (the tiny model's plain ChatML): the tools are described in the
// system message and the call is the generic JSON reply.
func TestGenericToolCalls(t *testing.T) {
	_, hs := start(t, Config{Session: gollm.SessionOptions{ContextSize: 2048}})
	body := `{"messages": [{"role": "user", "content": "2+3?"}], "tools": ` + serverTools + `, "tool_choice": {"type": "function", "function": {"name": "add"}}, "max_tokens": 600}`
	code, v := post(t, hs.URL+"/v1/chat/completions", body)
	if code != 200 || get(v, "choices", 0, "finish_reason") != "tool_calls" {
		t.Fatalf("status %d: %v", code, v)
	}
	checkCall(t, toolValidators(t), get(v, "choices", 0, "message", "tool_calls", 0), "add")
}

// TestReasoningContent splits the thinking of a reply (forced here by a
// grammar, after a prompt that opens <think>) into reasoning_content, on
// both the whole and the streamed answer; reasoning_format none keeps it
// in the content, and enable_thinking false stops the template from
// opening it.
func TestReasoningContent(t *testing.T) {
	hs := startTools(t)
	const req = `{"messages": [{"role": "user", "content": "Hi"}], "grammar": "root ::= \"Let me see.\\n</think>\\n\\nHello!\"", "max_tokens": 40`
	code, v := post(t, hs.URL+"/v1/chat/completions", req+"}")
	if code != 200 || get(v, "choices", 0, "message", "reasoning_content") != "Let me see." || get(v, "choices", 0, "message", "content") != "Hello!" {
		t.Fatalf("split: %d %v", code, v)
	}
	var reasoning, content strings.Builder
	for _, ev := range stream(t, hs.URL+"/v1/chat/completions", req+`, "stream": true}`) {
		var c map[string]any
		if json.Unmarshal([]byte(ev), &c) != nil {
			continue
		}
		if s, ok := get(c, "choices", 0, "delta", "reasoning_content").(string); ok {
			reasoning.WriteString(s)
		}
		if s, ok := get(c, "choices", 0, "delta", "content").(string); ok {
			content.WriteString(s)
		}
	}
	if reasoning.String() != "Let me see." || content.String() != "Hello!" {
		t.Fatalf("streamed reasoning %q content %q", reasoning.String(), content.String())
	}
	code, v = post(t, hs.URL+"/v1/chat/completions", req+`, "reasoning_format": "none"}`)
	if code != 200 || get(v, "choices", 0, "message", "reasoning_content") != nil || get(v, "choices", 0, "message", "content") != "Let me see.\n</think>\n\nHello!" {
		t.Fatalf("reasoning_format none: %d %v", code, v)
	}
	code, v = post(t, hs.URL+"/v1/chat/completions", `{"messages": [{"role": "user", "content": "Hi"}], "grammar": "root ::= \"Hello!\"", "chat_template_kwargs": {"enable_thinking": false}}`)
	if code != 200 || get(v, "choices", 0, "message", "content") != "Hello!" || get(v, "usage", "prompt_tokens") == nil {
		t.Fatalf("enable_thinking false: %d %v", code, v)
	}
}

// TestToolFieldErrors refuses tool and template fields that are wrong,
// naming them.
func TestToolFieldErrors(t *testing.T) {
	hs := startTools(t)
	msgs := `"messages": [{"role": "user", "content": "hi"}]`
	fn := `{"type": "function", "function": {"name": "f"}}`
	for _, c := range []struct{ body, param string }{
		{`{` + msgs + `, "tools": {"a": 1}}`, "tools"},
		{`{` + msgs + `, "tools": [{"type": "retrieval"}]}`, "tools[0].type"},
		{`{` + msgs + `, "tools": [{"type": "function", "function": {"name": "bad name"}}]}`, "tools[0].function.name"},
		{`{` + msgs + `, "tools": [` + fn + `, ` + fn + `]}`, "tools[1].function.name"},
		{`{` + msgs + `, "tools": [{"type": "function", "function": {"name": "f", "parameters": [1]}}]}`, "tools[0].function.parameters"},
		{`{` + msgs + `, "tools": [{"type": "function", "function": {"name": "f", "strict": true}}]}`, "tools[0].function.strict"},
		{`{` + msgs + `, "tools": [` + fn + `], "tool_choice": "always"}`, "tool_choice"},
		{`{` + msgs + `, "tools": [` + fn + `], "tool_choice": {"type": "function", "function": {"name": "g"}}}`, "tool_choice"},
		{`{` + msgs + `, "tool_choice": "required"}`, "tool_choice"},
		{`{` + msgs + `, "tools": [` + fn + `], "grammar": "root ::= \"a\""}`, "tools"},
		{`{` + msgs + `, "chat_template_kwargs": [true]}`, "chat_template_kwargs"},
		{`{` + msgs + `, "chat_template_kwargs": {"messages": []}}`, "chat_template_kwargs"},
		{`{` + msgs + `, "reasoning_format": "hidden"}`, "reasoning_format"},
		{`{` + msgs + `, "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "nope"}}}}}], "tool_choice": "required"}`, "messages"},
		{`{"messages": [{"role": "user", "content": "hi", "tool_calls": [` + fn + `]}]}`, "messages[0].tool_calls"},
		{`{"messages": [{"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "[1]"}}]}]}`, "messages[0].tool_calls[0].function.arguments"},
		{`{"prompt": "hi", "tools": [` + fn + `]}`, "tools"},
	} {
		url := hs.URL + "/v1/chat/completions"
		if strings.Contains(c.body, `"prompt"`) {
			url = hs.URL + "/v1/completions"
		}
		code, v := post(t, url, c.body)
		if code != 400 || get(v, "error", "param") != c.param {
			t.Errorf("%s: %d %v, want 400 naming %s", c.body, code, v, c.param)
		}
	}
}

// TestDefaultTemplateKwargs applies the server's chat template variables
// (gollm serve --chat-template-kwargs) to every request, each overridden
// by the request's own.
func TestDefaultTemplateKwargs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tools.jinja")
	if err := os.WriteFile(file, []byte(toolTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	_, hs := startWith(t, gollm.Options{ChatTemplateFile: file}, Config{ChatTemplateKwargs: map[string]any{"enable_thinking": false}})
	const req = `{"messages": [{"role": "user", "content": "Hi"}], "grammar": "root ::= \"Hello!\""`
	code, v := post(t, hs.URL+"/v1/chat/completions", req+"}")
	if code != 200 || get(v, "choices", 0, "message", "content") != "Hello!" {
		t.Fatalf("server's enable_thinking false: %d %v", code, v)
	}
	code, v = post(t, hs.URL+"/v1/chat/completions", req+`, "chat_template_kwargs": {"enable_thinking": true}}`)
	if code != 200 || get(v, "choices", 0, "message", "reasoning_content") != "Hello!" || get(v, "choices", 0, "message", "content") != "" {
		t.Fatalf("request's enable_thinking true: %d %v", code, v)
	}
}

// TestParallelToolCallsFalse keeps only the first of the calls a reply
// makes, whole and streamed (the reply is fed to the answer's sink here:
// random weights write two calls only by chance).
func TestParallelToolCallsFalse(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tools.jinja")
	if err := os.WriteFile(file, []byte(toolTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ := startWith(t, gollm.Options{ChatTemplateFile: file}, Config{})
	var tools []chat.Tool
	if err := json.Unmarshal([]byte(serverTools), &tools); err != nil {
		t.Fatal(err)
	}
	reply := "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1, \"b\": 2}}\n</tool_call>\n" +
		"<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 3, \"b\": 4}}\n</tool_call>"
	for _, oneCall := range []bool{false, true} {
		p, err := s.m.PrepareChat(gollm.ChatRequest{Messages: []gollm.Message{{Role: "user", Content: "Add"}}, Tools: tools,
			Kwargs: map[string]any{"enable_thinking": false}})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		sink := &answerSink{s: s, w: rec, req: &request{chat: true, stream: true, oneCall: oneCall}, chat: p}
		for _, r := range reply {
			sink.Local(gollm.Token{ID: 1, Text: string(r)})
		}
		got := sink.reply(fallback.Result{})
		want := map[bool]int{false: 2, true: 1}[oneCall]
		indexes := map[float64]bool{}
		for _, ev := range events(t, rec.Body) {
			var c map[string]any
			json.Unmarshal([]byte(ev), &c)
			calls, _ := get(c, "choices", 0, "delta", "tool_calls").([]any)
			for _, tc := range calls {
				indexes[get(tc, "index").(float64)] = true
			}
		}
		if len(got.ToolCalls) != want || len(indexes) != want {
			t.Errorf("parallel_tool_calls %v: %d calls, streamed %v", !oneCall, len(got.ToolCalls), indexes)
		}
	}
}
