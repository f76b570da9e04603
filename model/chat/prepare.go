package chat

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"unicode"

	"github.com/gollm/gollm/model/tokenizer"
)

// Prompt is a chat request made ready to generate: the prompt text, the
// grammar that a required tool call puts on the reply, and the parser
// that reads the reply. (Template.Stop gives the format's stop strings.)
type Prompt struct {
	Text string
	// Grammar is GBNF the reply must match ("" for none).
	Grammar string
	// Parser splits the generated text into content, reasoning and tool
	// calls.
	Parser *Parser
}

// Prepare renders a request for generation with tok, the model's
// tokenizer. Tools are shown by the template when it can show them, else
// described in the system message with a JSON reply format ("generic");
// ToolChoice "none" renders without them, "required" and "function" make
// the reply one call whose arguments match the tool's JSON Schema (a
// grammar; thinking is switched off with enable_thinking=false unless the
// request sets it).
func (t Template) Prepare(r Request, tok *tokenizer.Tokenizer) (Prompt, error) {
	choice := r.ToolChoice
	switch choice.Mode {
	case "", "auto", "none", "required":
	case "function":
		if !hasTool(r.Tools, choice.Function) {
			return Prompt{}, fmt.Errorf("chat: tool_choice names %q, which is not among the tools", choice.Function)
		}
	default:
		return Prompt{}, fmt.Errorf("chat: unknown tool_choice %q", choice.Mode)
	}
	if len(r.Tools) == 0 && (choice.Mode == "required" || choice.Mode == "function") {
		return Prompt{}, fmt.Errorf("chat: tool_choice %q needs tools", choice.Mode)
	}
	tools := r.Tools
	if choice.Mode == "none" {
		tools = nil
	}
	forced := len(tools) > 0 && (choice.Mode == "required" || choice.Mode == "function")
	req := r
	req.Tools = tools
	if forced {
		if _, set := req.Kwargs["enable_thinking"]; !set {
			req.Kwargs = maps.Clone(req.Kwargs)
			if req.Kwargs == nil {
				req.Kwargs = map[string]any{}
			}
			req.Kwargs["enable_thinking"] = false
		}
	}
	syn := t.toolSyntax()
	var text string
	var err error
	if len(tools) > 0 && (t.j == nil || !rendersTools(t.pick(true))) {
		syn = syntaxGeneric
		text, err = t.renderGeneric(req)
	} else {
		text, err = t.Render(req)
	}
	if err != nil {
		return Prompt{}, err
	}
	p := Prompt{Text: text}
	p.Parser = &Parser{split: !r.KeepReasoning, forced: forced}
	if len(tools) > 0 {
		p.Parser.syn = syn
		p.Parser.stringParams = stringParams(tools)
	}
	// A prompt that ends inside an open <think> block (DeepSeek-R1,
	// Qwen3.5) starts the reply in thinking.
	thinking := strings.HasSuffix(strings.TrimRightFunc(text, unicode.IsSpace), "<think>")
	p.Parser.think = p.Parser.split && thinking
	if forced {
		textless := func(s string) bool {
			ids := tok.Encode(s, false, true)
			return len(ids) == 1 && tok.Piece(ids[0], false) == ""
		}
		if p.Grammar, err = toolGrammar(syn, tools, choice, textless, thinking); err != nil {
			return Prompt{}, fmt.Errorf("chat: %w", err)
		}
	}
	return p, nil
}

// stringParams returns, per function, the parameters whose schema type is
// "string".
func stringParams(tools []Tool) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, t := range tools {
		props, _, err := schemaProperties(t.Function.Parameters)
		if err != nil {
			continue
		}
		for _, p := range props {
			if p.isString {
				if out[t.Function.Name] == nil {
					out[t.Function.Name] = map[string]bool{}
				}
				out[t.Function.Name][p.name] = true
			}
		}
	}
	return out
}

// renderGeneric renders a request whose tools the template cannot show:
// they are described in the system message, or at the start of the first
// user message for templates that refuse a system role. Past calls and
// tool results are written as the JSON the description asks for (see
// genericHistory).
func (t Template) renderGeneric(r Request) (string, error) {
	desc, err := genericToolPrompt(r.Tools)
	if err != nil {
		return "", err
	}
	history, err := genericHistory(r.Messages)
	if err != nil {
		return "", err
	}
	withSystem := r
	withSystem.Tools = nil
	withSystem.Messages = withToolPrompt(history, desc)
	text, err := t.Render(withSystem)
	if err == nil || len(history) == 0 {
		return text, err
	}
	inUser := r
	inUser.Tools = nil
	inUser.Messages = history
	for i, m := range history {
		if m.Role == "user" {
			inUser.Messages[i].Content = desc + "\n\n" + m.Content
			break
		}
	}
	if text, err2 := t.Render(inUser); err2 == nil {
		return text, nil
	}
	return "", err
}

// genericHistory rewrites tool use for a template that knows nothing of
// it, as llama.cpp's generic format does: an assistant's calls become its
// JSON reply {"tool_calls": [...]}, a tool's result a user message
// {"tool_response": {...}}, and consecutive user messages one message (for
// templates that insist that roles alternate).
func genericHistory(msgs []Message) ([]Message, error) {
	out := make([]Message, 0, len(msgs))
	for _, m := range msgs {
		switch {
		case m.Role == "assistant" && len(m.ToolCalls) > 0:
			type call struct {
				Name      string          `json:"name"`
				Arguments json.RawMessage `json:"arguments"`
				ID        string          `json:"id,omitempty"`
			}
			calls := make([]call, len(m.ToolCalls))
			for i, c := range m.ToolCalls {
				args := json.RawMessage(c.Function.Arguments)
				if !json.Valid(args) {
					return nil, fmt.Errorf("chat: the arguments of tool call %q are not JSON", c.Function.Name)
				}
				calls[i] = call{c.Function.Name, args, c.ID}
			}
			j, err := json.Marshal(map[string]any{"tool_calls": calls})
			if err != nil {
				return nil, err
			}
			content := string(j)
			if m.Content != "" {
				content = m.Content + "\n" + content
			}
			m = Message{Role: "assistant", Content: content}
		case m.Role == "tool":
			resp := map[string]string{"content": m.Content}
			if m.Name != "" {
				resp["tool"] = m.Name
			}
			if m.ToolCallID != "" {
				resp["tool_call_id"] = m.ToolCallID
			}
			j, err := json.Marshal(map[string]any{"tool_response": resp})
			if err != nil {
				return nil, err
			}
			m = Message{Role: "user", Content: string(j)}
		}
		if n := len(out); n > 0 && m.Role == "user" && out[n-1].Role == "user" {
			out[n-1].Content += "\n" + m.Content
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

func hasTool(tools []Tool, name string) bool {
	for _, t := range tools {
		if t.Function.Name == name {
			return true
		}
	}
	return false
}
