package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gollm/gollm/model/chat/jinja"
)

// vars returns the template variables for a request, as transformers
// passes them. Tool-call arguments stay JSON text unless the template
// only shows them as objects (objectArgs).
func (t Template) vars(r Request, objectArgs bool) (map[string]jinja.Value, error) {
	vars := t.baseVars()
	msgs := make([]jinja.Value, len(r.Messages))
	for i, m := range r.Messages {
		v, err := messageValue(m, objectArgs)
		if err != nil {
			return nil, fmt.Errorf("chat: message %d: %w", i, err)
		}
		msgs[i] = v
	}
	vars["messages"] = &jinja.List{Items: msgs}
	if len(r.Tools) > 0 {
		tools := make([]jinja.Value, len(r.Tools))
		for i, tool := range r.Tools {
			v, err := toolValue(tool)
			if err != nil {
				return nil, fmt.Errorf("chat: tool %d: %w", i, err)
			}
			tools[i] = v
		}
		vars["tools"] = &jinja.List{Items: tools}
	}
	vars["add_generation_prompt"] = r.AddGenerationPrompt
	for k, v := range r.Kwargs {
		vars[k] = jinja.ValueOf(v)
	}
	return vars, nil
}

// messageValue is a message as the template sees it: OpenAI's fields, the
// optional ones only when set. Content is always a string: OpenAI sends
// null for an assistant message that only calls tools, but templates such
// as Qwen3's fail on null ("'</think>' in content"), so it is "".
func messageValue(m Message, objectArgs bool) (jinja.Value, error) {
	d := jinja.NewDict()
	d.SetString("role", m.Role)
	d.SetString("content", m.Content)
	if m.ReasoningContent != "" {
		d.SetString("reasoning_content", m.ReasoningContent)
	}
	if len(m.ToolCalls) > 0 {
		calls := make([]jinja.Value, len(m.ToolCalls))
		for i, c := range m.ToolCalls {
			var args jinja.Value = c.Function.Arguments
			if objectArgs {
				v, err := jinja.FromJSON([]byte(c.Function.Arguments))
				if err != nil {
					return nil, fmt.Errorf("tool call %d: arguments are not JSON: %w", i, err)
				}
				args = v
			}
			fn := jinja.NewDict()
			fn.SetString("name", c.Function.Name)
			fn.SetString("arguments", args)
			call := jinja.NewDict()
			call.SetString("id", c.ID)
			typ := c.Type
			if typ == "" {
				typ = "function"
			}
			call.SetString("type", typ)
			call.SetString("function", fn)
			calls[i] = call
		}
		d.SetString("tool_calls", &jinja.List{Items: calls})
	}
	if m.ToolCallID != "" {
		d.SetString("tool_call_id", m.ToolCallID)
	}
	if m.Name != "" {
		d.SetString("name", m.Name)
	}
	return d, nil
}

func toolValue(t Tool) (jinja.Value, error) {
	fn := jinja.NewDict()
	fn.SetString("name", t.Function.Name)
	if t.Function.Description != "" {
		fn.SetString("description", t.Function.Description)
	}
	if len(t.Function.Parameters) > 0 {
		p, err := jinja.FromJSON(t.Function.Parameters)
		if err != nil {
			return nil, fmt.Errorf("parameters: %w", err)
		}
		fn.SetString("parameters", p)
	}
	d := jinja.NewDict()
	typ := t.Type
	if typ == "" {
		typ = "function"
	}
	d.SetString("type", typ)
	d.SetString("function", fn)
	return d, nil
}

// objectArgs caches requiresObjectArguments per template.
var objectArgs sync.Map // *jinja.Template -> bool

// requiresObjectArguments reports whether a template shows a tool call's
// arguments only when they are an object, not when they are JSON text (as
// OpenAI's API sends them). It renders a probe conversation both ways, as
// llama.cpp's template capability detection does.
func requiresObjectArguments(j *jinja.Template) bool {
	if v, ok := objectArgs.Load(j); ok {
		return v.(bool)
	}
	probe := func(args jinja.Value) bool {
		fn := jinja.NewDict()
		fn.SetString("name", "ipython")
		fn.SetString("arguments", args)
		call := jinja.NewDict()
		call.SetString("id", "call_1___")
		call.SetString("type", "function")
		call.SetString("function", fn)
		user := jinja.NewDict()
		user.SetString("role", "user")
		user.SetString("content", "Hey")
		asst := jinja.NewDict()
		asst.SetString("role", "assistant")
		asst.SetString("content", nil)
		asst.SetString("tool_calls", &jinja.List{Items: []jinja.Value{call}})
		out, err := j.Render(map[string]jinja.Value{
			"messages":              &jinja.List{Items: []jinja.Value{user, asst}},
			"tools":                 nil,
			"add_generation_prompt": false,
		}, time.Time{})
		return err == nil && (strings.Contains(out, `"argument_needle":`) || strings.Contains(out, `'argument_needle':`))
	}
	obj := jinja.NewDict()
	obj.SetString("argument_needle", "print('Hello, World!')")
	text, _ := json.Marshal(map[string]string{"argument_needle": "print('Hello, World!')"})
	requires := !probe(string(text)) && probe(obj)
	objectArgs.Store(j, requires)
	return requires
}

// ParseKwargs reads extra template variables from a JSON object (a
// request's chat_template_kwargs, the --chat-template-kwargs flag): each
// value as the template sees the JSON value, objects in their order.
func ParseKwargs(data []byte) (map[string]any, error) {
	v, err := jinja.FromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("chat: template variables: %w", err)
	}
	d, ok := v.(*jinja.Dict)
	if !ok {
		return nil, errors.New("chat: template variables must be a JSON object")
	}
	out := make(map[string]any, d.Len())
	for _, k := range d.Keys() {
		name, ok := k.(string)
		switch {
		case !ok || name == "":
			return nil, errors.New("chat: template variable names must be strings")
		case name == "messages" || name == "tools" || name == "add_generation_prompt":
			return nil, fmt.Errorf("chat: template variable %q comes from the request itself", name)
		}
		out[name], _ = d.Get(k)
	}
	return out, nil
}
