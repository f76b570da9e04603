package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/grammar"
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

// parseMessages reads a non-empty array of {role, content} whose content is
// a string, null or an array of text parts.
func parseMessages(raw json.RawMessage) ([]Message, *apiError) {
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
	out := make([]Message, len(wm))
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
	}
	return out, nil
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
