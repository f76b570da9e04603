// Package chat turns conversations into the prompt text a chat model was
// trained on, and the model's answers back into messages.
//
// A model carries its format as a Jinja template in the GGUF key
// tokenizer.chat_template (with variants such as
// tokenizer.chat_template.tool_use). New renders it exactly as Hugging Face
// transformers' apply_chat_template does (package jinja), with the
// variables transformers passes: messages, tools, add_generation_prompt,
// bos_token, eos_token, and extra keyword arguments such as
// enable_thinking. A file without a template can use one of the formats
// llama.cpp writes by hand (ByName, the --chat-template flag).
//
// The rendered text is tokenized with special tokens recognized and BOS
// added as the model asks (Encode), which drops the BOS a template writes
// itself so that there is never a double BOS.
package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gollm/gollm/model/chat/jinja"
	"github.com/gollm/gollm/model/tokenizer"
)

// Message is one turn of a conversation, in OpenAI's shape. Role is
// "system", "user", "assistant" or "tool".
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
	// ReasoningContent is an assistant's thinking, kept apart from its
	// answer (templates that show past thinking read it).
	ReasoningContent string `json:"reasoning_content,omitempty"`
	// ToolCalls are the calls an assistant message made.
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
	// ToolCallID is the call a tool message answers.
	ToolCallID string `json:"tool_call_id,omitempty"`
	// Name is the tool's name on a tool message (optional).
	Name string `json:"name,omitempty"`
}

// ToolCall is a call of a function, as OpenAI's API returns it.
type ToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"` // "function"
	Function FunctionCall `json:"function"`
}

// FunctionCall names the function a tool call calls and its arguments,
// a JSON object in text.
type FunctionCall struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// Tool is a function the model may call, as OpenAI's API describes it.
type Tool struct {
	Type     string   `json:"type"` // "function"
	Function Function `json:"function"`
}

// Function describes a callable function: its parameters are a JSON
// Schema (JSON text).
type Function struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// Tokens are the special tokens a template sees as bos_token and
// eos_token. An empty one is not passed (the template sees it undefined),
// as transformers does for a tokenizer that lacks it.
type Tokens struct {
	BOS, EOS string
}

// Template is a chat format: a model's Jinja template or a built-in
// format. Get one from New or ByName.
type Template struct {
	f      *format                    // a built-in format
	j      *jinja.Template            // the model's template
	named  map[string]*jinja.Template // its named variants (tool_use, ...)
	tokens Tokens
	// family is llama.cpp's name for the template's format, "" when not
	// recognized; it decides stop strings and tool-call syntax.
	family string
}

// New returns the chat template of a model: src is its
// tokenizer.chat_template, named its tokenizer.chat_template.NAME
// variants, tokens its special tokens. A template that does not parse is
// an error naming it and the line.
func New(src string, named map[string]string, tokens Tokens) (Template, error) {
	return newTemplate("tokenizer.chat_template", src, named, tokens)
}

// Parse returns the Jinja template src (read from a file, for example);
// name identifies it in errors.
func Parse(name, src string, tokens Tokens) (Template, error) {
	return newTemplate(name, src, nil, tokens)
}

func newTemplate(name, src string, named map[string]string, tokens Tokens) (Template, error) {
	if strings.TrimSpace(src) == "" {
		return Template{}, fmt.Errorf("chat: %s is empty", name)
	}
	j, err := jinja.Parse(name, src)
	if err != nil {
		return Template{}, fmt.Errorf("chat: %w", err)
	}
	t := Template{j: j, tokens: tokens, family: detectName(src)}
	for n, s := range named {
		nj, err := jinja.Parse(name+"."+n, s)
		if err != nil {
			return Template{}, fmt.Errorf("chat: %w", err)
		}
		if t.named == nil {
			t.named = map[string]*jinja.Template{}
		}
		t.named[n] = nj
	}
	return t, nil
}

// Name returns the template's name: the built-in format's name as
// llama.cpp spells it ("chatml", "llama3", ...), or the name a Jinja
// template was parsed with.
func (t Template) Name() string {
	switch {
	case t.f != nil:
		return t.f.name
	case t.j != nil:
		return t.j.Name()
	}
	return ""
}

// String returns the template's name.
func (t Template) String() string { return t.Name() }

// Family returns llama.cpp's name for the format of the template
// ("chatml", "llama3", "mistral-v7", ...), or "" when it is not one
// llama.cpp recognizes.
func (t Template) Family() string {
	if t.f != nil {
		return t.f.name
	}
	return t.family
}

// Mentions reports whether the template's source (or a named variant's)
// mentions name, such as a variable like enable_thinking that switches a
// feature; a built-in format mentions nothing.
func (t Template) Mentions(name string) bool {
	if t.j == nil {
		return false
	}
	if strings.Contains(t.j.Source(), name) {
		return true
	}
	for _, v := range t.named {
		if strings.Contains(v.Source(), name) {
			return true
		}
	}
	return false
}

// IsJinja reports whether the template is a Jinja template (not a
// built-in format).
func (t Template) IsJinja() bool { return t.j != nil }

// Stop returns the texts that end an assistant turn in this format, such as
// "<|im_end|>", for the formats llama.cpp knows. Most are control tokens
// the tokenizer already treats as end of generation; the rest are worth
// passing as stop strings (a model that starts writing the next user turn
// has finished its own).
func (t Template) Stop() []string {
	f := t.f
	if f == nil {
		f = formats[t.family]
	}
	if f == nil {
		return nil
	}
	return slices.Clone(f.stop)
}

// Request is a conversation to render.
type Request struct {
	Messages []Message
	// Tools are the functions the model may call; the template sees
	// tools=none without them.
	Tools []Tool
	// AddGenerationPrompt appends the header that opens the assistant's
	// reply.
	AddGenerationPrompt bool
	// Kwargs are extra template variables (chat_template_kwargs, such as
	// enable_thinking), as JSON values.
	Kwargs map[string]any
	// Now is the time strftime_now formats (zero: the current time).
	Now time.Time
	// ToolChoice says whether the model may, must or must not call tools
	// (Prepare).
	ToolChoice ToolChoice
	// KeepReasoning leaves the model's <think>...</think> in the content
	// instead of splitting it into ReasoningContent (Prepare).
	KeepReasoning bool
}

// Render renders a conversation. With tools, a model's tool_use variant is
// used when it has one.
func (t Template) Render(r Request) (string, error) {
	if t.f != nil {
		if len(r.Tools) > 0 {
			return "", fmt.Errorf("chat: the built-in %s format cannot show tools", t.f.name)
		}
		var b strings.Builder
		t.f.apply(&b, r.Messages, r.AddGenerationPrompt)
		return b.String(), nil
	}
	if t.j == nil {
		return "", errors.New("chat: no template")
	}
	j := t.pick(len(r.Tools) > 0)
	vars, err := t.vars(r, requiresObjectArguments(j))
	if err != nil {
		return "", err
	}
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	return j.Render(vars, now)
}

// pick returns the Jinja template to render with: the tool_use variant
// when there are tools and the model has one.
func (t Template) pick(tools bool) *jinja.Template {
	if v, ok := t.named["tool_use"]; ok && tools {
		return v
	}
	return t.j
}

// Apply renders msgs; with addAssistant it appends the header that opens
// the assistant's reply, so that the model's continuation is that reply.
func (t Template) Apply(msgs []Message, addAssistant bool) (string, error) {
	return t.Render(Request{Messages: msgs, AddGenerationPrompt: addAssistant})
}

// RenderVars renders a Jinja template with variables as they are (the
// conversation of a JSON file, for gollm template), adding bos_token and
// eos_token and the tools=none and documents=none transformers always
// passes. It is an error for a built-in format.
func (t Template) RenderVars(vars map[string]jinja.Value, now time.Time) (string, error) {
	if t.j == nil {
		return "", errors.New("chat: only a Jinja template renders variables")
	}
	all := t.baseVars()
	for k, v := range vars {
		all[k] = v
	}
	j := t.pick(all["tools"] != nil)
	return j.Render(all, now)
}

func (t Template) baseVars() map[string]jinja.Value {
	vars := map[string]jinja.Value{"tools": nil, "documents": nil}
	if t.tokens.BOS != "" {
		vars["bos_token"] = t.tokens.BOS
	}
	if t.tokens.EOS != "" {
		vars["eos_token"] = t.tokens.EOS
	}
	return vars
}

// Names lists the built-in formats ByName accepts, sorted.
func Names() []string {
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ByName returns the built-in format called name.
func ByName(name string) (Template, error) {
	if f, ok := formats[name]; ok {
		return Template{f: f}, nil
	}
	return Template{}, fmt.Errorf("chat: unknown template %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Encode tokenizes a formatted conversation as llama.cpp does: control
// tokens written in the text are parsed, and BOS is added when the model
// asks for it. A BOS written in the text right after the added one (a
// template that spells out its BOS) is dropped, so there is never a double
// BOS.
func Encode(tok *tokenizer.Tokenizer, text string) []int32 {
	ids := tok.Encode(text, true, true)
	bos := tok.BOS()
	if tok.AddBOS() && bos != tokenizer.NoToken && len(ids) >= 2 && ids[0] == bos && ids[1] == bos {
		ids = ids[1:]
	}
	return ids
}

// TokensOf returns a tokenizer's BOS and EOS texts.
func TokensOf(tok *tokenizer.Tokenizer) Tokens {
	var t Tokens
	if id := tok.BOS(); id != tokenizer.NoToken {
		t.BOS = tok.TokenText(id)
	}
	if id := tok.EOS(); id != tokenizer.NoToken {
		t.EOS = tok.TokenText(id)
	}
	return t
}

// trim removes ASCII white space from both ends of s, as llama.cpp's trim
// (C isspace) does; strings.TrimSpace would also remove Unicode spaces.
func trim(s string) string {
	return strings.Trim(s, " \t\n\v\f\r")
}
