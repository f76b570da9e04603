package chat

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

// weatherTools are the functions the parser and grammar tests call.
var weatherTools = []Tool{
	{Type: "function", Function: Function{Name: "get_weather", Description: "The weather in a city.",
		Parameters: json.RawMessage(`{"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city"]}`)}},
	{Type: "function", Function: Function{Name: "get_time",
		Parameters: json.RawMessage(`{"type": "object", "properties": {"zone": {"type": "string"}}}`)}},
}

// call is a parsed tool call without its (random) id.
type call struct{ Name, Args string }

func callsOf(r Reply) []call {
	var out []call
	for _, c := range r.ToolCalls {
		out = append(out, call{c.Function.Name, c.Function.Arguments})
	}
	return out
}

// parseCases are replies in every family's syntax and what they parse to.
var parseCases = []struct {
	name      string
	syn       *toolSyntax
	think     bool // the prompt ended inside <think>
	text      string
	content   string
	reasoning string
	calls     []call
	id        string // the id the model wrote (Mistral)
	cut       bool   // the reply ends inside a call
}{
	{name: "hermes", syn: syntaxHermes,
		text:    "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>",
		content: "Let me check.",
		calls:   []call{{"get_weather", `{"city": "Paris"}`}, {"get_time", `{}`}}},
	{name: "hermes-thinking", syn: syntaxHermes,
		text:      "<think>\nThe user wants the weather.\n</think>\n\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Lyon\\\"}\"}\n</tool_call>",
		reasoning: "The user wants the weather.",
		calls:     []call{{"get_weather", `{"city": "Lyon"}`}}},
	{name: "hermes-answer", syn: syntaxHermes,
		text: "<think>\nNo tool needed.\n</think>\n\nIt is 3 < 4.", reasoning: "No tool needed.", content: "It is 3 < 4."},
	{name: "xml", syn: syntaxXML,
		text:  "<tool_call>\n<function=get_weather>\n<parameter=city>\n123 <Main> St\n</parameter>\n<parameter=days>\n3\n</parameter>\n</function>\n</tool_call>",
		calls: []call{{"get_weather", `{"city": "123 <Main> St", "days": 3}`}}},
	{name: "xml-open-think", syn: syntaxXML, think: true,
		text:      "Checking.\n</think>\n\n<tool_call>\n<function=get_time>\n</function>\n</tool_call>",
		reasoning: "Checking.",
		calls:     []call{{"get_time", `{}`}}},
	{name: "llama3", syn: syntaxLlama3,
		text:  `{"name": "get_weather", "parameters": {"city": "Paris", "days": 2}}`,
		calls: []call{{"get_weather", `{"city": "Paris", "days": 2}`}}},
	{name: "llama3-python-tag", syn: syntaxLlama3,
		text:  `<|python_tag|>{"type": "function", "name": "get_time", "parameters": {"zone": "UTC"}}`,
		calls: []call{{"get_time", `{"zone": "UTC"}`}}},
	{name: "llama3-text", syn: syntaxLlama3, text: "Paris is sunny.", content: "Paris is sunny."},
	{name: "mistral", syn: syntaxMistral,
		text:  `[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "abc123def"}]`,
		calls: []call{{"get_weather", `{"city": "Paris"}`}}, id: "abc123def"},
	{name: "granite", syn: syntaxGranite,
		text:  `<|tool_call|>[{"arguments": {"city": "Paris"}, "name": "get_weather"}, {"name": "get_time", "arguments": {"zone": "CET"}}]`,
		calls: []call{{"get_weather", `{"city": "Paris"}`}, {"get_time", `{"zone": "CET"}`}}},
	{name: "phi4", syn: syntaxPhi4,
		text:  `<|tool_call|>[{"name": "get_weather", "arguments": {"city": "Paris"}}]<|/tool_call|>`,
		calls: []call{{"get_weather", `{"city": "Paris"}`}}},
	{name: "deepseek-r1", syn: syntaxDeepSeek, think: true,
		text:      "Need weather.\n</think>\n\n<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
		reasoning: "Need weather.",
		calls:     []call{{"get_weather", `{"city": "Paris"}`}}},
	{name: "generic", syn: syntaxGeneric,
		text:  `{"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}`,
		calls: []call{{"get_weather", `{"city": "Paris"}`}}},
	{name: "generic-text", syn: syntaxGeneric, text: "Hello there.", content: "Hello there."},
	{name: "unnamed-call", syn: syntaxHermes,
		text: "<tool_call>\n{\"name\": \"get_weather\", \"argu", content: "<tool_call>\n{\"name\": \"get_weather\", \"argu"},
	{name: "cut-call", syn: syntaxHermes, cut: true, // cut short by max_tokens: kept, as OpenAI does
		text:    "Sure.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Pa",
		content: "Sure.", calls: []call{{"get_weather", `{"city": "Pa`}}},
	{name: "cut-xml-call", syn: syntaxXML, cut: true,
		text:  "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n<parameter=da",
		calls: []call{{"get_weather", `{"city": "Paris"`}}},
}

// TestParseReply parses a reply in each family's syntax, whole and
// streamed a byte or a rune at a time: the streamed deltas add up to the
// whole reply, a call's id and name come once, and its arguments only
// grow.
func TestParseReply(t *testing.T) {
	for _, c := range parseCases {
		t.Run(c.name, func(t *testing.T) {
			newParser := func() *Parser {
				return &Parser{syn: c.syn, split: true, think: c.think, stringParams: stringParams(weatherTools)}
			}
			p := newParser()
			p.Push(c.text)
			r, _ := p.Finish()
			if r.Content != c.content || r.ReasoningContent != c.reasoning || !reflect.DeepEqual(callsOf(r), c.calls) {
				t.Fatalf("parsed %q\n content %q reasoning %q calls %v\nwant content %q reasoning %q calls %v",
					c.text, r.Content, r.ReasoningContent, callsOf(r), c.content, c.reasoning, c.calls)
			}
			for _, tc := range r.ToolCalls {
				if tc.Type != "function" || tc.ID == "" || (c.id != "" && tc.ID != c.id) {
					t.Errorf("call %+v: want type function and id %q", tc, c.id)
				}
				if !c.cut && !json.Valid([]byte(tc.Function.Arguments)) {
					t.Errorf("arguments %q are not JSON", tc.Function.Arguments)
				}
			}
			for _, step := range []string{"byte", "rune"} {
				p := newParser()
				var got Reply
				add := func(d Delta) {
					got.Content += d.Content
					got.ReasoningContent += d.ReasoningContent
					for _, tc := range d.ToolCalls {
						switch {
						case tc.Index == len(got.ToolCalls) && tc.Name != "" && tc.ID != "":
							got.ToolCalls = append(got.ToolCalls, ToolCall{ID: tc.ID, Type: "function", Function: FunctionCall{Name: tc.Name}})
						case tc.Index >= len(got.ToolCalls) || tc.Name != "" || tc.ID != "":
							t.Fatalf("%s steps: delta %+v after %d calls", step, tc, len(got.ToolCalls))
						}
						got.ToolCalls[tc.Index].Function.Arguments += tc.Arguments
					}
				}
				for i := 0; i < len(c.text); {
					n := 1
					if step == "rune" {
						_, n = utf8.DecodeRuneInString(c.text[i:])
					}
					add(p.Push(c.text[i : i+n]))
					i += n
				}
				final, rest := p.Finish()
				add(rest)
				if got.Content != final.Content || got.ReasoningContent != final.ReasoningContent || !reflect.DeepEqual(callsOf(got), callsOf(final)) {
					t.Fatalf("%s steps add up to content %q reasoning %q calls %v, want %q %q %v",
						step, got.Content, got.ReasoningContent, callsOf(got), final.Content, final.ReasoningContent, callsOf(final))
				}
				for i := range got.ToolCalls {
					if got.ToolCalls[i].ID != final.ToolCalls[i].ID {
						t.Errorf("%s steps: call %d streamed id %q, final %q", step, i, got.ToolCalls[i].ID, final.ToolCalls[i].ID)
					}
				}
			}
		})
	}
}

// TestParseKeepReasoning leaves thinking inline (reasoning_format none).
func TestParseKeepReasoning(t *testing.T) {
	p := &Parser{split: false}
	p.Push("<think>hm</think>Hi")
	if r, _ := p.Finish(); r.Content != "<think>hm</think>Hi" || r.ReasoningContent != "" {
		t.Fatalf("got %+v", r)
	}
}

// TestParseHoldsMarkers holds back text that may become a marker, and
// shows it once it cannot.
func TestParseHoldsMarkers(t *testing.T) {
	p := &Parser{syn: syntaxHermes, split: true}
	if d := p.Push("Sure <tool_"); d.Content != "Sure" {
		t.Fatalf("partial marker: content delta %q, want %q", d.Content, "Sure")
	}
	if d := p.Push("calls are fun"); d.Content != " <tool_calls are fun" {
		t.Fatalf("not a marker: content delta %q", d.Content)
	}
	p = &Parser{split: true}
	if d := p.Push("<thi"); !d.Empty() {
		t.Fatalf("partial <think>: delta %+v", d)
	}
	if d := p.Push("nk>a"); d.ReasoningContent != "a" {
		t.Fatalf("reasoning delta %+v", d)
	}
}
