package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/model/chat"
	"github.com/gollm/gollm/sampler"
)

// wireRequest is the JSON body of both endpoints. Pointers and raw values
// tell absent fields (and nulls) from zero values; a field of the wrong
// type is rejected by encoding/json, and a field that is not here is
// refused (see knownFields): to support a field, add it here and validate
// it in validate.go.
type wireRequest struct {
	Model               *string         `json:"model"`
	Messages            json.RawMessage `json:"messages"`
	Prompt              json.RawMessage `json:"prompt"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	TopK                *int            `json:"top_k"`
	MinP                *float64        `json:"min_p"`
	Seed                *int64          `json:"seed"`
	Stop                json.RawMessage `json:"stop"`
	Stream              *bool           `json:"stream"`
	StreamOptions       *wireStreamOpts `json:"stream_options"`
	FrequencyPenalty    *float64        `json:"frequency_penalty"`
	PresencePenalty     *float64        `json:"presence_penalty"`
	RepeatPenalty       *float64        `json:"repeat_penalty"`
	RepeatLastN         *int            `json:"repeat_last_n"`
	N                   *int            `json:"n"`
	// Logprobs is a boolean on chat and a count (0-20) on completions.
	Logprobs    json.RawMessage `json:"logprobs"`
	TopLogprobs *int            `json:"top_logprobs"`
	// CachePrompt is llama-server's switch for the prompt cache (default
	// true); false empties the slot's cache before the prompt.
	CachePrompt *bool `json:"cache_prompt"`
	// User identifies the end user to the API provider; it changes
	// nothing in the answer (as at OpenAI), so it is accepted.
	User *string `json:"user"`
	// ResponseFormat is OpenAI's {"type": "text" | "json_object" |
	// "json_schema", "json_schema": {...}}; Grammar (a GBNF grammar) and
	// JSONSchema (a schema) are llama-server's fields for the same.
	ResponseFormat json.RawMessage `json:"response_format"`
	Grammar        *string         `json:"grammar"`
	JSONSchema     json.RawMessage `json:"json_schema"`
	// Tools are the functions the model may call and ToolChoice whether
	// it must ("auto", "none", "required" or {"type": "function",
	// "function": {"name": ...}}); ParallelToolCalls false keeps one call.
	Tools             json.RawMessage `json:"tools"`
	ToolChoice        json.RawMessage `json:"tool_choice"`
	ParallelToolCalls *bool           `json:"parallel_tool_calls"`
	// ChatTemplateKwargs are extra variables for the chat template (such
	// as enable_thinking), as llama-server takes them; ReasoningFormat
	// "none" leaves thinking in the content ("auto" and "deepseek" split
	// it into reasoning_content, the default).
	ChatTemplateKwargs json.RawMessage `json:"chat_template_kwargs"`
	ReasoningFormat    *string         `json:"reasoning_format"`
}

// knownFields are the JSON names of wireRequest's fields.
var knownFields = jsonFields[wireRequest]()

// jsonFields returns the JSON names of the fields of struct T.
func jsonFields[T any]() map[string]bool {
	known := map[string]bool{}
	t := reflect.TypeFor[T]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	return known
}

// endpointOnly are the fields that belong to one endpoint only: messages
// and the tool and template fields to chat, prompt to completions.
var endpointOnly = map[string]bool{"messages": true, "prompt": false, "tools": true, "tool_choice": true,
	"parallel_tool_calls": true, "chat_template_kwargs": true, "reasoning_format": true}

// checkFields refuses a field of body that is not in known, naming it.
// Fields are checked in sorted order so that the error is the same for the
// same body. It returns the fields by name (nil for a body that is not an
// object: the typed decoding says why).
func checkFields(body []byte, known map[string]bool) (map[string]json.RawMessage, *apiError) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return nil, nil
	}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if !known[name] {
			return nil, invalid(name, "unsupported_parameter", fmt.Sprintf("unsupported field %q: this server does not implement it, and refuses rather than ignores it", name))
		}
	}
	return fields, nil
}

// checkEndpoint refuses a field of the other completion endpoint.
func checkEndpoint(fields map[string]json.RawMessage, chat bool) *apiError {
	for name, forChat := range endpointOnly {
		if forChat != chat && !isNull(fields[name]) {
			other := map[bool]string{true: "/v1/chat/completions", false: "/v1/completions"}[forChat]
			return invalid(name, "unsupported_parameter", fmt.Sprintf("%s belongs to %s, not to this endpoint", name, other))
		}
	}
	return nil
}

// readBody reads a request body of at most maxBody bytes.
func readBody(r *http.Request) ([]byte, *apiError) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &apiError{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error",
				Message: fmt.Sprintf("request body over %d bytes", maxBody)}
		}
		return nil, invalid("", "", "reading the request body: "+err.Error())
	}
	return body, nil
}

// decode unmarshals a JSON body into v, naming the field of a type error.
func decode(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return invalid(te.Field, "invalid_type",
				fmt.Sprintf("%s: expected %s, got a JSON %s", te.Field, typeName(te.Type.Kind().String()), te.Value))
		}
		if errors.As(err, &te) {
			return invalid("", "invalid_json", "the request body must be a JSON object")
		}
		return invalid("", "invalid_json", "the request body is not valid JSON: "+err.Error())
	}
	return nil
}

type wireStreamOpts struct {
	IncludeUsage *bool `json:"include_usage"`
}

type wireMessage struct {
	Role             *string         `json:"role"`
	Content          json.RawMessage `json:"content"`
	ToolCalls        []wireToolCall  `json:"tool_calls"`
	ToolCallID       *string         `json:"tool_call_id"`
	Name             *string         `json:"name"`
	ReasoningContent *string         `json:"reasoning_content"`
}

// wireToolCall is a call an assistant message made.
type wireToolCall struct {
	ID       *string `json:"id"`
	Type     *string `json:"type"`
	Function *struct {
		Name *string `json:"name"`
		// Arguments are JSON text, as OpenAI sends them (a JSON object is
		// taken too).
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
}

type wirePart struct {
	Type *string `json:"type"`
	Text *string `json:"text"`
}

// request is a validated request.
type request struct {
	chat         bool
	model        string
	messages     []gollm.Message // chat
	prompt       string          // completion
	maxTokens    int             // 0: until the end of the context
	sampling     sampler.Options
	stop         []string
	stream       bool
	includeUsage bool
	noCache      bool // cache_prompt: false
	// logprobs asks for each token's log-probability and topLogprobs
	// alternatives.
	logprobs    bool
	topLogprobs int
	// grammar and jsonSchema constrain the answer (at most one is set).
	grammar, jsonSchema string
	// tools, toolChoice, oneCall (parallel_tool_calls false), kwargs and
	// keepReasoning go to the chat template and the reply's parser.
	tools         []chat.Tool
	toolChoice    chat.ToolChoice
	oneCall       bool
	kwargs        map[string]any
	keepReasoning bool
	// The sampling fields the client set, for the fallback.
	temperature, topP, freqPen, presPen *float64
	seed                                *int64
}

// maxBody bounds a request body.
const maxBody = 8 << 20

// parseRequest reads and validates the body of a chat (chat true) or text
// completion request against a context of ctxSize tokens.
func parseRequest(r *http.Request, chat bool, ctxSize int) (*request, *apiError) {
	body, e := readBody(r)
	if e != nil {
		return nil, e
	}
	fields, e := checkFields(body, knownFields)
	if e == nil {
		e = checkEndpoint(fields, chat)
	}
	if e != nil {
		return nil, e
	}
	var w wireRequest
	if e := decode(body, &w); e != nil {
		return nil, e
	}
	return w.validate(chat, ctxSize)
}

// typeName names a Go kind the way a JSON user would.
func typeName(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int") || strings.HasPrefix(kind, "uint"):
		return "an integer"
	case strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "bool":
		return "a boolean"
	case kind == "string":
		return "a string"
	case kind == "struct" || kind == "map":
		return "an object"
	case kind == "slice":
		return "an array"
	}
	return kind
}
