package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/grammar"
	"github.com/gollm/gollm/model/chat"
	"github.com/gollm/gollm/sampler"
)

// validate checks the fields' values and builds the request.
func (w *wireRequest) validate(chat bool, ctxSize int) (*request, *apiError) {
	req := &request{chat: chat, sampling: sampler.DefaultOptions(),
		temperature: w.Temperature, topP: w.TopP, freqPen: w.FrequencyPenalty, presPen: w.PresencePenalty, seed: w.Seed}
	if w.Model != nil {
		req.model = *w.Model
	}
	var e *apiError
	if chat {
		req.messages, e = parseMessages(w.Messages)
	} else {
		req.prompt, e = parsePrompt(w.Prompt)
	}
	if e != nil {
		return nil, e
	}
	if req.stop, e = parseStop(w.Stop); e != nil {
		return nil, e
	}
	for _, f := range []struct {
		name string
		v    *int
	}{{"max_tokens", w.MaxTokens}, {"max_completion_tokens", w.MaxCompletionTokens}} {
		if f.v == nil {
			continue
		}
		if *f.v < 1 || *f.v > ctxSize {
			return nil, invalid(f.name, "invalid_value", fmt.Sprintf("%s = %d: want 1 to %d (the context size)", f.name, *f.v, ctxSize))
		}
		req.maxTokens = *f.v
	}
	if w.N != nil && *w.N != 1 {
		return nil, invalid("n", "invalid_value", fmt.Sprintf("n = %d: this server returns exactly one choice", *w.N))
	}
	if e := w.sampling(&req.sampling); e != nil {
		return nil, e
	}
	if e := w.logprobs(req); e != nil {
		return nil, e
	}
	if e := w.constraint(req); e != nil {
		return nil, e
	}
	if e := w.tools(req); e != nil {
		return nil, e
	}
	if w.Stream != nil {
		req.stream = *w.Stream
	}
	req.noCache = w.CachePrompt != nil && !*w.CachePrompt
	if w.StreamOptions != nil && w.StreamOptions.IncludeUsage != nil {
		req.includeUsage = *w.StreamOptions.IncludeUsage
	}
	return req, nil
}

// logprobs reads OpenAI's log-probability fields: on chat, logprobs (a
// boolean) and top_logprobs (0-20, only with logprobs); on completions,
// logprobs (the number of alternatives, 0-20).
func (w *wireRequest) logprobs(req *request) *apiError {
	const most = gollm.MaxTopLogProbs
	if !req.chat {
		if w.TopLogprobs != nil {
			return invalid("top_logprobs", "unsupported_parameter", "top_logprobs belongs to /v1/chat/completions; on /v1/completions, logprobs is the number of alternatives")
		}
		if isNull(w.Logprobs) {
			return nil
		}
		var n int
		if json.Unmarshal(w.Logprobs, &n) != nil {
			return invalid("logprobs", "invalid_type", "logprobs: expected an integer (the number of alternatives per token)")
		}
		if n < 0 || n > most {
			return invalid("logprobs", "invalid_value", fmt.Sprintf("logprobs = %d: want 0 to %d", n, most))
		}
		req.logprobs, req.topLogprobs = true, n
		return nil
	}
	if !isNull(w.Logprobs) && json.Unmarshal(w.Logprobs, &req.logprobs) != nil {
		return invalid("logprobs", "invalid_type", "logprobs: expected a boolean")
	}
	if w.TopLogprobs != nil {
		if *w.TopLogprobs < 0 || *w.TopLogprobs > most {
			return invalid("top_logprobs", "invalid_value", fmt.Sprintf("top_logprobs = %d: want 0 to %d", *w.TopLogprobs, most))
		}
		if !req.logprobs {
			return invalid("top_logprobs", "invalid_value", "top_logprobs needs logprobs: true")
		}
		req.topLogprobs = *w.TopLogprobs
	}
	return nil
}

// sampling checks the sampling fields' ranges and copies them into o.
func (w *wireRequest) sampling(o *sampler.Options) *apiError {
	for _, f := range []struct {
		name   string
		v      *float64
		lo, hi float64
		dst    *float32
	}{
		{"temperature", w.Temperature, 0, 2, &o.Temperature},
		{"top_p", w.TopP, 0, 1, &o.TopP},
		{"min_p", w.MinP, 0, 1, &o.MinP},
		{"frequency_penalty", w.FrequencyPenalty, -2, 2, &o.FrequencyPenalty},
		{"presence_penalty", w.PresencePenalty, -2, 2, &o.PresencePenalty},
		{"repeat_penalty", w.RepeatPenalty, 0.01, 10, &o.RepeatPenalty},
	} {
		if f.v == nil {
			continue
		}
		if !(*f.v >= f.lo && *f.v <= f.hi) {
			return invalid(f.name, "invalid_value", fmt.Sprintf("%s = %v: want a number from %v to %v", f.name, *f.v, f.lo, f.hi))
		}
		*f.dst = float32(*f.v)
	}
	if o.TopP == 0 { // top_p 0 keeps only the most likely token
		o.TopP, o.Temperature = 1, 0
	}
	if w.TopK != nil {
		if *w.TopK < 0 {
			return invalid("top_k", "invalid_value", fmt.Sprintf("top_k = %d: want 0 (off) or more", *w.TopK))
		}
		o.TopK = *w.TopK
	}
	if w.RepeatLastN != nil {
		if *w.RepeatLastN < 0 {
			return invalid("repeat_last_n", "invalid_value", fmt.Sprintf("repeat_last_n = %d: want 0 or more", *w.RepeatLastN))
		}
		o.RepeatLastN = *w.RepeatLastN
	}
	if w.Seed != nil {
		o.Seed = uint64(*w.Seed)
	}
	if err := o.Validate(); err != nil {
		return invalid("", "invalid_value", strings.TrimPrefix(err.Error(), "sampler: "))
	}
	return nil
}

// isNull reports whether a raw value is absent or JSON null.
func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

// parseMessages reads a non-empty array of messages in OpenAI's shape:
// a role, content that is a string, null or an array of text parts, and
// for tool use an assistant's tool_calls or the tool_call_id (and name) a
// tool's result answers.
func parseMessages(raw json.RawMessage) ([]gollm.Message, *apiError) {
	if isNull(raw) {
		return nil, invalid("messages", "missing_required_parameter", "messages is required")
	}
	var wm []wireMessage
	if err := json.Unmarshal(raw, &wm); err != nil {
		return nil, invalid("messages", "invalid_type", "messages: expected an array of {role, content} objects")
	}
	if len(wm) == 0 {
		return nil, invalid("messages", "invalid_value", "messages must not be empty")
	}
	out := make([]gollm.Message, len(wm))
	for i, m := range wm {
		param := fmt.Sprintf("messages[%d]", i)
		if m.Role == nil {
			return nil, invalid(param+".role", "missing_required_parameter", param+".role is required")
		}
		switch *m.Role {
		case "system", "user", "assistant", "tool":
			out[i].Role = *m.Role
		case "developer":
			out[i].Role = "system"
		default:
			return nil, invalid(param+".role", "invalid_value",
				fmt.Sprintf("%s.role %q: want system, developer, user, assistant or tool", param, *m.Role))
		}
		text, e := parseContent(m.Content, param+".content")
		if e != nil {
			return nil, e
		}
		out[i].Content = text
		if len(m.ToolCalls) > 0 && out[i].Role != "assistant" {
			return nil, invalid(param+".tool_calls", "invalid_value", param+": only assistant messages carry tool_calls")
		}
		for j, c := range m.ToolCalls {
			tc, e := parseToolCall(c, fmt.Sprintf("%s.tool_calls[%d]", param, j))
			if e != nil {
				return nil, e
			}
			out[i].ToolCalls = append(out[i].ToolCalls, tc)
		}
		if m.ToolCallID != nil {
			out[i].ToolCallID = *m.ToolCallID
		}
		if m.Name != nil {
			out[i].Name = *m.Name
		}
		if m.ReasoningContent != nil {
			out[i].ReasoningContent = *m.ReasoningContent
		}
	}
	return out, nil
}

// parseToolCall reads a call an assistant message made: a function's
// name and its arguments, JSON text (or a JSON object) that must hold an
// object.
func parseToolCall(c wireToolCall, param string) (chat.ToolCall, *apiError) {
	if c.Type != nil && *c.Type != "function" {
		return chat.ToolCall{}, invalid(param+".type", "invalid_value", fmt.Sprintf("%s.type %q: want \"function\"", param, *c.Type))
	}
	if c.Function == nil || c.Function.Name == nil || *c.Function.Name == "" {
		return chat.ToolCall{}, invalid(param+".function.name", "missing_required_parameter", param+".function.name is required")
	}
	tc := chat.ToolCall{Type: "function", Function: chat.FunctionCall{Name: *c.Function.Name, Arguments: "{}"}}
	if c.ID != nil {
		tc.ID = *c.ID
	}
	args := c.Function.Arguments
	var text string
	if json.Unmarshal(args, &text) == nil {
		args = json.RawMessage(text)
	}
	if !isNull(args) {
		var obj map[string]json.RawMessage
		if json.Unmarshal(args, &obj) != nil {
			return chat.ToolCall{}, invalid(param+".function.arguments", "invalid_value", param+".function.arguments must be a JSON object (as text)")
		}
		tc.Function.Arguments = string(args)
	}
	return tc, nil
}

// toolNameRe is OpenAI's rule for function names.
var toolNameRe = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// tools reads the chat fields for tool use and the chat template: tools,
// tool_choice, parallel_tool_calls, chat_template_kwargs and
// reasoning_format.
func (w *wireRequest) tools(req *request) *apiError {
	if !isNull(w.Tools) {
		var tools []struct {
			Type     *string `json:"type"`
			Function *struct {
				Name        *string         `json:"name"`
				Description *string         `json:"description"`
				Parameters  json.RawMessage `json:"parameters"`
				Strict      *bool           `json:"strict"`
			} `json:"function"`
		}
		if err := json.Unmarshal(w.Tools, &tools); err != nil {
			return invalid("tools", "invalid_type", "tools: expected an array of {\"type\": \"function\", \"function\": {...}} objects")
		}
		seen := map[string]bool{}
		for i, t := range tools {
			param := fmt.Sprintf("tools[%d]", i)
			if t.Type == nil || *t.Type != "function" {
				return invalid(param+".type", "invalid_value", param+`.type must be "function"`)
			}
			f := t.Function
			if f == nil || f.Name == nil || !toolNameRe.MatchString(*f.Name) {
				return invalid(param+".function.name", "invalid_value", param+".function.name must be 1 to 64 letters, digits, _ or -")
			}
			if seen[*f.Name] {
				return invalid(param+".function.name", "invalid_value", fmt.Sprintf("%s: a second function named %q", param, *f.Name))
			}
			seen[*f.Name] = true
			if f.Strict != nil && *f.Strict {
				return invalid(param+".function.strict", "unsupported_parameter",
					param+`.function.strict: schema adherence is guaranteed only for a forced call (tool_choice "required" or a named function)`)
			}
			tool := chat.Tool{Type: "function", Function: chat.Function{Name: *f.Name}}
			if f.Description != nil {
				tool.Function.Description = *f.Description
			}
			if !isNull(f.Parameters) {
				var obj map[string]json.RawMessage
				if json.Unmarshal(f.Parameters, &obj) != nil {
					return invalid(param+".function.parameters", "invalid_type", param+".function.parameters must be a JSON Schema object")
				}
				tool.Function.Parameters = f.Parameters
			}
			req.tools = append(req.tools, tool)
		}
	}
	if e := w.toolChoice(req); e != nil {
		return e
	}
	if len(req.tools) > 0 && req.toolChoice.Mode != "none" && (req.grammar != "" || req.jsonSchema != "") {
		return invalid("tools", "invalid_value", "tools cannot be combined with response_format, grammar or json_schema (use tool_choice \"none\")")
	}
	req.oneCall = w.ParallelToolCalls != nil && !*w.ParallelToolCalls
	if !isNull(w.ChatTemplateKwargs) {
		kw, err := chat.ParseKwargs(w.ChatTemplateKwargs)
		if err != nil {
			return invalid("chat_template_kwargs", "invalid_value", "chat_template_kwargs: "+strings.TrimPrefix(err.Error(), "chat: "))
		}
		req.kwargs = kw
	}
	if f := w.ReasoningFormat; f != nil {
		switch *f {
		case "none":
			req.keepReasoning = true
		case "auto", "deepseek":
		default:
			return invalid("reasoning_format", "invalid_value", fmt.Sprintf("reasoning_format %q: want none, auto or deepseek", *f))
		}
	}
	return nil
}

// toolChoice reads tool_choice: "auto", "none", "required" or
// {"type": "function", "function": {"name": ...}} naming one of the tools.
func (w *wireRequest) toolChoice(req *request) *apiError {
	req.toolChoice.Mode = "auto"
	if isNull(w.ToolChoice) {
		return nil
	}
	var mode string
	if json.Unmarshal(w.ToolChoice, &mode) == nil {
		switch mode {
		case "auto", "none", "required":
			req.toolChoice.Mode = mode
		default:
			return invalid("tool_choice", "invalid_value", fmt.Sprintf("tool_choice %q: want auto, none, required or a function", mode))
		}
	} else {
		var named struct {
			Type     string `json:"type"`
			Function struct {
				Name string `json:"name"`
			} `json:"function"`
		}
		if json.Unmarshal(w.ToolChoice, &named) != nil || named.Type != "function" || named.Function.Name == "" {
			return invalid("tool_choice", "invalid_value", `tool_choice: want "auto", "none", "required" or {"type": "function", "function": {"name": ...}}`)
		}
		req.toolChoice = chat.ToolChoice{Mode: "function", Function: named.Function.Name}
		if !slices.ContainsFunc(req.tools, func(t chat.Tool) bool { return t.Function.Name == named.Function.Name }) {
			return invalid("tool_choice", "invalid_value", fmt.Sprintf("tool_choice names %q, which is not among the tools", named.Function.Name))
		}
	}
	if req.toolChoice.Mode == "required" && len(req.tools) == 0 {
		return invalid("tool_choice", "invalid_value", `tool_choice "required" needs tools`)
	}
	return nil
}

// parseContent flattens a message's content to text.
func parseContent(raw json.RawMessage, param string) (string, *apiError) {
	if isNull(raw) {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var parts []wirePart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", invalid(param, "invalid_type", param+": expected a string or an array of text parts")
	}
	var b strings.Builder
	for j, p := range parts {
		if p.Type == nil || *p.Type != "text" || p.Text == nil {
			return "", invalid(fmt.Sprintf("%s[%d]", param, j), "invalid_value",
				fmt.Sprintf("%s[%d]: only {\"type\": \"text\", \"text\": ...} parts are supported", param, j))
		}
		b.WriteString(*p.Text)
	}
	return b.String(), nil
}

// parsePrompt reads a non-empty string, or an array holding one.
func parsePrompt(raw json.RawMessage) (string, *apiError) {
	if isNull(raw) {
		return "", invalid("prompt", "missing_required_parameter", "prompt is required")
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return "", invalid("prompt", "invalid_type", "prompt: expected a string or an array of one string")
		}
		if len(list) != 1 {
			return "", invalid("prompt", "invalid_value", fmt.Sprintf("prompt: got %d prompts; this server takes one per request", len(list)))
		}
		s = list[0]
	}
	if s == "" {
		return "", invalid("prompt", "invalid_value", "prompt must not be empty")
	}
	return s, nil
}

// parseStop reads a string or an array of non-empty strings.
func parseStop(raw json.RawMessage) ([]string, *apiError) {
	if isNull(raw) {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw, _ = json.Marshal([]string{s})
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, invalid("stop", "invalid_type", "stop: expected a string or an array of strings")
	}
	for _, s := range list {
		if s == "" {
			return nil, invalid("stop", "invalid_value", "stop strings must not be empty")
		}
	}
	return list, nil
}

// constraint reads the fields that constrain the answer: response_format,
// grammar and json_schema, at most one of them, and checks the grammar or
// schema, so that an unsupported one is a 400 naming it.
func (w *wireRequest) constraint(req *request) *apiError {
	var given []string // the fields that set a constraint
	schemaParam := ""  // where the schema came from
	if !isNull(w.ResponseFormat) {
		var rf struct {
			Type       *string         `json:"type"`
			Schema     json.RawMessage `json:"schema"`
			JSONSchema json.RawMessage `json:"json_schema"`
		}
		if json.Unmarshal(w.ResponseFormat, &rf) != nil || rf.Type == nil {
			return invalid("response_format", "invalid_value", `response_format: expected an object with a "type"`)
		}
		switch *rf.Type {
		case "text":
			if e := onlyFields(w.ResponseFormat, "response_format", "type"); e != nil {
				return e
			}
		case "json_object": // any object, or (as llama-server takes it) a schema
			if e := onlyFields(w.ResponseFormat, "response_format", "type", "schema"); e != nil {
				return e
			}
			req.jsonSchema, schemaParam = `{"type": "object"}`, "response_format"
			if !isNull(rf.Schema) {
				req.jsonSchema, schemaParam = string(rf.Schema), "response_format.schema"
			}
			given = append(given, "response_format")
		case "json_schema":
			const param = "response_format.json_schema"
			if e := onlyFields(w.ResponseFormat, "response_format", "type", "json_schema"); e != nil {
				return e
			}
			var spec struct {
				Name   *string         `json:"name"`
				Schema json.RawMessage `json:"schema"`
				Strict *bool           `json:"strict"`
			}
			if isNull(rf.JSONSchema) || json.Unmarshal(rf.JSONSchema, &spec) != nil {
				return invalid(param, "invalid_value", param+`: expected an object {"name", "schema", "strict"}`)
			}
			if e := onlyFields(rf.JSONSchema, param, "name", "description", "schema", "strict"); e != nil {
				return e
			}
			// Strict or not, the answer follows the schema. Without one,
			// any JSON value.
			req.jsonSchema, schemaParam = "{}", param+".schema"
			if !isNull(spec.Schema) {
				req.jsonSchema = string(spec.Schema)
			}
			given = append(given, "response_format")
		default:
			return invalid("response_format.type", "invalid_value",
				fmt.Sprintf(`response_format.type %q is not supported: use "text", "json_object" or "json_schema"`, *rf.Type))
		}
	}
	if !isNull(w.JSONSchema) {
		req.jsonSchema, schemaParam = string(w.JSONSchema), "json_schema"
		given = append(given, "json_schema")
	}
	if w.Grammar != nil && *w.Grammar != "" {
		req.grammar = *w.Grammar
		given = append(given, "grammar")
	}
	if len(given) > 1 {
		return invalid(given[1], "invalid_value", fmt.Sprintf("give one of %s, not both", strings.Join(given, " and ")))
	}
	if req.grammar != "" {
		if _, err := grammar.Parse(req.grammar); err != nil {
			return invalid("grammar", "invalid_value", err.Error())
		}
	}
	if req.jsonSchema != "" {
		if _, err := grammar.FromJSONSchema([]byte(req.jsonSchema)); err != nil {
			code := "invalid_value"
			var se *grammar.SchemaError
			if errors.As(err, &se) && se.Keyword != "" {
				code = "unsupported_schema_keyword"
			}
			return invalid(schemaParam, code, err.Error())
		}
	}
	return nil
}

// onlyFields refuses a member of the JSON object raw (the request field
// param) that is not in known, naming it.
func onlyFields(raw json.RawMessage, param string, known ...string) *apiError {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return invalid(param, "invalid_value", param+": expected an object")
	}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if !slices.Contains(known, name) {
			return invalid(param+"."+name, "unsupported_parameter", fmt.Sprintf("unsupported field %s.%s", param, name))
		}
	}
	return nil
}
