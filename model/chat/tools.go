package chat

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gollm/gollm/grammar"
	"github.com/gollm/gollm/model/chat/jinja"
)

// ToolChoice says whether and which tools the model may call, as OpenAI's
// tool_choice: Mode "auto" (the default), "none", "required", or
// "function" with Function naming the one to call.
type ToolChoice struct {
	Mode     string
	Function string
}

// toolSyntax is how a model family writes tool calls; llama.cpp's
// common/chat recognizes the family from the template's source the same
// way.
type toolSyntax struct {
	name string
	// open starts a block of calls ("" for JSON at the start of the
	// reply), close ends one call or block ("" when none).
	open, close string
	// array is set when the block holds a JSON array of calls.
	array bool
	// argsKey is the key of the arguments in a call object.
	argsKey string
	// withID is set when each call carries the model's own "id" (Mistral).
	withID bool
	// xml is set for calls written as <function=NAME> with one
	// <parameter=P> element per argument (Qwen3-Coder, Qwen3.5).
	xml bool
}

var (
	syntaxHermes   = &toolSyntax{name: "hermes", open: "<tool_call>", close: "</tool_call>", argsKey: "arguments"}
	syntaxXML      = &toolSyntax{name: "qwen3-coder", open: "<tool_call>", close: "</tool_call>", xml: true}
	syntaxLlama3   = &toolSyntax{name: "llama3", argsKey: "parameters"}
	syntaxMistral  = &toolSyntax{name: "mistral", open: "[TOOL_CALLS]", array: true, argsKey: "arguments", withID: true}
	syntaxGranite  = &toolSyntax{name: "granite", open: "<|tool_call|>", array: true, argsKey: "arguments"}
	syntaxPhi4     = &toolSyntax{name: "phi4", open: "<|tool_call|>", close: "<|/tool_call|>", array: true, argsKey: "arguments"}
	syntaxDeepSeek = &toolSyntax{name: "deepseek-r1", open: "<｜tool▁calls▁begin｜>", close: "<｜tool▁calls▁end｜>", argsKey: "arguments"}
	syntaxGeneric  = &toolSyntax{name: "generic", argsKey: "arguments"}
)

// detectToolSyntax recognizes a template's tool-call syntax from its source.
func detectToolSyntax(src string) *toolSyntax {
	has := func(s string) bool { return strings.Contains(src, s) }
	switch {
	case has("<｜tool▁calls▁begin｜>"):
		return syntaxDeepSeek
	case has("<tool_call>") && has("<function=") && has("<parameter="): // Qwen3-Coder, Qwen3.5
		return syntaxXML
	case has("<tool_call>"): // Hermes 2/3, Qwen 2.5/3, SmolLM3
		return syntaxHermes
	case has("<|start_header_id|>ipython<|end_header_id|>"):
		return syntaxLlama3
	case has("[TOOL_CALLS]"):
		return syntaxMistral
	case has("<|tool_call|>") && has("<|/tool_call|>"), has("<|tool|>") && has("<|/tool|>"):
		return syntaxPhi4
	case has("<|start_of_role|>") && has("<|tool_call|>"):
		return syntaxGranite
	}
	return syntaxGeneric
}

// ToolSyntax names the tool-call syntax of the template's family:
// "hermes" (Qwen, Hermes, SmolLM3), "llama3", "mistral", "granite", "phi4",
// "deepseek-r1", or "generic" (a JSON object {"tool_calls": [...]}
// described to the model in a system message, for templates without tools
// of their own).
func (t Template) ToolSyntax() string { return t.toolSyntax().name }

func (t Template) toolSyntax() *toolSyntax {
	if t.j == nil {
		return syntaxGeneric
	}
	return detectToolSyntax(t.pick(true).Source())
}

// supportsTools caches rendersTools per template.
var supportsTools sync.Map // *jinja.Template -> bool

// rendersTools reports whether a template shows the tools it is given (a
// tool's name appears in its output), as llama.cpp probes templates.
func rendersTools(j *jinja.Template) bool {
	if v, ok := supportsTools.Load(j); ok {
		return v.(bool)
	}
	user := jinja.NewDict()
	user.SetString("role", "user")
	user.SetString("content", "Hey")
	fn := jinja.NewDict()
	fn.SetString("name", "some_tool_name_needle")
	fn.SetString("description", "Some tool.")
	params, _ := jinja.FromJSON([]byte(`{"type": "object", "properties": {"arg": {"type": "string"}}, "required": ["arg"]}`))
	fn.SetString("parameters", params)
	tool := jinja.NewDict()
	tool.SetString("type", "function")
	tool.SetString("function", fn)
	out, err := j.Render(map[string]jinja.Value{
		"messages":              &jinja.List{Items: []jinja.Value{user}},
		"tools":                 &jinja.List{Items: []jinja.Value{tool}},
		"add_generation_prompt": true,
	}, time.Time{})
	ok := err == nil && strings.Contains(out, "some_tool_name_needle")
	supportsTools.Store(j, ok)
	return ok
}

// genericToolPrompt describes tools and the JSON reply that calls them,
// for a template that cannot show tools itself.
func genericToolPrompt(tools []Tool) (string, error) {
	var b strings.Builder
	b.WriteString("You can call these tools:\n")
	for _, t := range tools {
		j, err := json.Marshal(t.Function)
		if err != nil {
			return "", err
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	b.WriteString(`To call tools, reply with only a JSON object {"tool_calls": [{"name": "<tool name>", "arguments": {<arguments>}}]}. Otherwise answer normally.`)
	return b.String(), nil
}

// withToolPrompt returns msgs with the generic tool description added to
// the system message (or as one when there is none).
func withToolPrompt(msgs []Message, prompt string) []Message {
	out := make([]Message, 0, len(msgs)+1)
	if len(msgs) > 0 && msgs[0].Role == "system" {
		m := msgs[0]
		m.Content += "\n\n" + prompt
		return append(append(out, m), msgs[1:]...)
	}
	return append(append(out, Message{Role: "system", Content: prompt}), msgs...)
}

// toolGrammar returns the GBNF that makes the reply one call of a tool
// that choice allows, written in the template's syntax with arguments
// valid against the tool's JSON Schema. Markers that are single control
// tokens (textless) are left out: the parser does not need them when the
// reply is forced. With thinking, the reply first closes the open
// <think> block.
func toolGrammar(syn *toolSyntax, tools []Tool, choice ToolChoice, textless func(string) bool, thinking bool) (string, error) {
	b := grammar.NewBuilder()
	var calls []string
	for i, t := range tools {
		if choice.Mode == "function" && t.Function.Name != choice.Function {
			continue
		}
		params := t.Function.Parameters
		if len(params) == 0 { // OpenAI: no parameters, an empty argument list
			params = json.RawMessage(`{"type": "object", "properties": {}}`)
		}
		var call string
		var err error
		if syn.xml {
			call, err = xmlCallGrammar(b, i, t.Function.Name, params)
		} else {
			call, err = jsonCallGrammar(b, syn, i, t.Function.Name, params)
		}
		if err != nil {
			var se *grammar.SchemaError
			if errors.As(err, &se) {
				return "", fmt.Errorf("tools[%d].function.parameters: %w", i, err)
			}
			return "", err
		}
		rule, err := b.AddRule(fmt.Sprintf("call-%d", i), call)
		if err != nil {
			return "", err
		}
		calls = append(calls, rule)
	}
	if len(calls) == 0 {
		return "", fmt.Errorf("tool_choice names %q, which is not among the tools", choice.Function)
	}
	marker := func(s string) string {
		if s == "" || textless(s) {
			return ""
		}
		return grammar.Literal(s) + " "
	}
	body := "(" + strings.Join(calls, " | ") + ") "
	switch {
	case syn == syntaxGeneric:
		body = grammar.Literal(`{"tool_calls": [`) + " " + body + grammar.Literal("]}") + " "
	case syn.array:
		body = grammar.Literal("[") + " " + body + grammar.Literal("]") + " "
	case syn.open == "<tool_call>": // Hermes and XML put the call on its own line
		body = grammar.Literal("\n") + " " + body + grammar.Literal("\n") + " "
	}
	root := marker(syn.open) + body + marker(syn.close)
	if thinking {
		root = grammar.Literal("\n</think>\n\n") + " " + root
	}
	if _, err := b.AddRule("root", root); err != nil {
		return "", err
	}
	return b.String(), nil
}

// jsonCallGrammar returns the grammar of one call object (or DeepSeek's
// call block) of the function name.
func jsonCallGrammar(b *grammar.Builder, syn *toolSyntax, i int, name string, params json.RawMessage) (string, error) {
	args, err := b.AddSchema(fmt.Sprintf("args-%d", i), params)
	if err != nil {
		return "", err
	}
	if syn == syntaxDeepSeek {
		return grammar.Literal("<｜tool▁call▁begin｜>function<｜tool▁sep｜>"+name+"\n```json\n") + " " + args + " " +
			grammar.Literal("\n```<｜tool▁call▁end｜>"), nil
	}
	quoted, _ := json.Marshal(name)
	call := grammar.Literal(`{"name": `+string(quoted)+`, "`+syn.argsKey+`": `) + " " + args + " "
	if syn.withID {
		call += grammar.Literal(`, "id": "`) + ` [a-zA-Z0-9]{9} ` + grammar.Literal(`"`) + " "
	}
	return call + grammar.Literal("}"), nil
}

// xmlCallGrammar returns the grammar of one <function=NAME> element: its
// <parameter=P> elements in the schema's order, the required ones always,
// the others optionally. A string is raw text (without "</"); any other
// value is JSON matching the property's schema.
func xmlCallGrammar(b *grammar.Builder, i int, name string, params json.RawMessage) (string, error) {
	props, required, err := schemaProperties(params)
	if err != nil {
		return "", err
	}
	call := grammar.Literal("<function="+name+">\n") + " "
	for j, p := range props {
		value := `( [^<] | "<" [^/] )*`
		if !p.isString {
			if value, err = b.AddSchema(fmt.Sprintf("param-%d-%d", i, j), p.schema); err != nil {
				return "", err
			}
		}
		elem := grammar.Literal("<parameter="+p.name+">\n") + " " + value + " " + grammar.Literal("\n</parameter>\n")
		if !required[p.name] {
			elem = "(" + elem + ")?"
		}
		call += elem + " "
	}
	return call + grammar.Literal("</function>"), nil
}

// property is one property of an object schema.
type property struct {
	name     string
	schema   json.RawMessage
	isString bool // the schema's type is "string"
}

// schemaProperties returns an object schema's properties in the order
// the schema lists them, and which are required.
func schemaProperties(schema json.RawMessage) ([]property, map[string]bool, error) {
	var s struct {
		Properties json.RawMessage `json:"properties"`
		Required   []string        `json:"required"`
	}
	if err := json.Unmarshal(schema, &s); err != nil {
		return nil, nil, err
	}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	if len(s.Properties) == 0 {
		return nil, required, nil
	}
	d := json.NewDecoder(bytes.NewReader(s.Properties))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, errors.New("properties is not an object")
	}
	var props []property
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, nil, err
		}
		var p property
		p.name, _ = tok.(string)
		if err := d.Decode(&p.schema); err != nil {
			return nil, nil, err
		}
		var typ struct {
			Type any `json:"type"`
		}
		json.Unmarshal(p.schema, &typ)
		p.isString = typ.Type == "string"
		props = append(props, p)
	}
	return props, required, nil
}

// newCallID returns a random tool call id: "call_" and 24 letters and
// digits (Mistral's templates keep the last 9).
func newCallID() string {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [24]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return "call_" + string(b[:])
}
