package chat

import (
	"encoding/json"
	"regexp"
	"strings"
	"unicode"
)

// Reply is an assistant's answer split as OpenAI's API returns it.
type Reply struct {
	Content          string
	ReasoningContent string
	ToolCalls        []ToolCall
}

// Delta is what a streamed reply added: text to append to the content and
// the reasoning, and pieces of tool calls.
type Delta struct {
	Content          string
	ReasoningContent string
	ToolCalls        []ToolCallDelta
}

// Empty reports whether the delta adds nothing.
func (d Delta) Empty() bool {
	return d.Content == "" && d.ReasoningContent == "" && len(d.ToolCalls) == 0
}

// ToolCallDelta is a piece of the Index-th tool call: its ID and Name the
// first time it appears, then fragments of its Arguments (JSON text).
type ToolCallDelta struct {
	Index     int
	ID, Name  string
	Arguments string
}

// Parser turns the text a model generates into a Reply: thinking split
// off into ReasoningContent, tool calls in the template's syntax into
// ToolCalls. Push it the text as it comes and it returns what can be
// shown, holding back what may still turn out to be a marker. Prepare
// makes one for each prompt.
type Parser struct {
	syn *toolSyntax // nil: no tool calls are parsed
	// forced is set when a grammar makes the reply a tool call: its
	// markers may be textless control tokens, so they are optional.
	forced bool
	// think is set when the reply starts inside a thinking block (the
	// prompt ended with "<think>"); split is whether to separate thinking
	// at all.
	think, split bool
	// stringParams holds, per function, the parameters whose schema type
	// is "string" (XML calls write values as raw text).
	stringParams map[string]map[string]bool

	text string
	sent Reply // what has been returned so far
	ids  []string
}

// Push adds generated text and returns what the reply gained that can be
// shown now.
func (p *Parser) Push(text string) Delta {
	p.text += text
	return p.diff(p.parse(true))
}

// Finish parses the whole reply and returns it with what was not returned
// yet.
func (p *Parser) Finish() (Reply, Delta) {
	r := p.parse(false)
	return r, p.diff(r)
}

// diff returns what r adds to what was sent, and records r as sent. The
// parse of a growing text only grows, so each part is a suffix.
func (p *Parser) diff(r Reply) Delta {
	var d Delta
	if strings.HasPrefix(r.Content, p.sent.Content) {
		d.Content = r.Content[len(p.sent.Content):]
	}
	if strings.HasPrefix(r.ReasoningContent, p.sent.ReasoningContent) {
		d.ReasoningContent = r.ReasoningContent[len(p.sent.ReasoningContent):]
	}
	for i, c := range r.ToolCalls {
		if i < len(p.sent.ToolCalls) {
			old := p.sent.ToolCalls[i].Function.Arguments
			if more := strings.TrimPrefix(c.Function.Arguments, old); more != "" && strings.HasPrefix(c.Function.Arguments, old) {
				d.ToolCalls = append(d.ToolCalls, ToolCallDelta{Index: i, Arguments: more})
			}
			continue
		}
		d.ToolCalls = append(d.ToolCalls, ToolCallDelta{Index: i, ID: c.ID, Name: c.Function.Name, Arguments: c.Function.Arguments})
	}
	p.sent = r
	return d
}

// parse splits the text so far; partial holds back unfinished markers and
// tool calls whose name is not known yet.
func (p *Parser) parse(partial bool) Reply {
	var r Reply
	rest := p.text
	if p.split {
		rest = p.reasoning(&r, rest, partial)
	}
	if p.syn != nil {
		rest = p.toolCalls(&r, rest, partial)
	}
	r.Content += rest
	for i := range r.ToolCalls {
		if i >= len(p.ids) {
			id := r.ToolCalls[i].ID
			if id == "" {
				id = newCallID()
			}
			p.ids = append(p.ids, id)
		}
		r.ToolCalls[i].ID, r.ToolCalls[i].Type = p.ids[i], "function"
	}
	return r
}

// reasoning moves a leading <think>...</think> block into r and returns
// the text after it.
func (p *Parser) reasoning(r *Reply, s string, partial bool) string {
	body := s
	if !p.think {
		lead := strings.TrimLeftFunc(s, unicode.IsSpace)
		switch {
		case strings.HasPrefix(lead, "<think>"):
			body = lead[len("<think>"):]
		case partial && strings.HasPrefix("<think>", lead):
			return "" // may still become <think>
		default:
			return s
		}
	}
	end := strings.Index(body, "</think>")
	if end < 0 {
		// Still thinking (or cut off while thinking). Trailing white
		// space stays back, as it does before "</think>".
		if partial {
			body = body[:len(body)-markerPrefix(body, "</think>")]
		}
		r.ReasoningContent = strings.TrimSpace(body)
		return ""
	}
	r.ReasoningContent = strings.TrimSpace(body[:end])
	after := body[end+len("</think>"):]
	return strings.TrimLeftFunc(after, unicode.IsSpace)
}

// markerPrefix returns the length of the longest suffix of s that is a
// proper prefix of marker (text that may still become the marker).
func markerPrefix(s, marker string) int {
	for n := min(len(marker)-1, len(s)); n > 0; n-- {
		if strings.HasSuffix(s, marker[:n]) {
			return n
		}
	}
	return 0
}

// nameRe matches the start of a call object up to its arguments, when
// the name comes first (as models write it).
var nameRe = regexp.MustCompile(`^\{\s*"name"\s*:\s*"((?:[^"\\]|\\.)*)"\s*,\s*"(?:arguments|parameters)"\s*:\s*`)

// pythonTag starts Llama 3.x's calls of its built-in tools, and some of
// its JSON calls.
const pythonTag = "<|python_tag|>"

// toolCalls parses tool calls from s into r and returns the content
// before them.
func (p *Parser) toolCalls(r *Reply, s string, partial bool) string {
	syn := p.syn
	var content, block string
	switch {
	case p.forced && (syn.open == "" || !strings.Contains(s, syn.open)):
		// A grammar made the reply a call; its markers may be control
		// tokens that render as no text.
		block = s
	case syn.open == "": // Llama 3.x and generic: JSON at the start
		lead := strings.TrimLeftFunc(s, unicode.IsSpace)
		if partial && lead != "" && strings.HasPrefix(pythonTag, lead) {
			return "" // may still become the tag
		}
		lead = strings.TrimPrefix(lead, pythonTag)
		if !strings.HasPrefix(lead, "{") && !strings.HasPrefix(lead, "[") {
			if partial && strings.TrimSpace(lead) == "" {
				return ""
			}
			return s
		}
		block = lead
	default:
		i := strings.Index(s, syn.open)
		if i < 0 {
			if partial {
				return holdSpace(s[:len(s)-markerPrefix(s, syn.open)])
			}
			return s
		}
		content, block = s[:i], s[i+len(syn.open):]
		content = strings.TrimRightFunc(content, unicode.IsSpace)
	}
	calls, ok := p.callsIn(block, partial)
	if !ok {
		if partial {
			return content // the calls are not readable yet
		}
		return s // not tool calls after all: all of it is content
	}
	r.ToolCalls = calls
	return content
}

// holdSpace drops trailing white space from partial content that may
// precede a tool call (the final content leaves it out).
func holdSpace(s string) string { return strings.TrimRightFunc(s, unicode.IsSpace) }

// callsIn reads the calls of a block: JSON objects (or arrays of them,
// or for the generic syntax {"tool_calls": [...]}) separated by markers
// and white space. ok is false when the block holds no call.
func (p *Parser) callsIn(block string, partial bool) ([]ToolCall, bool) {
	switch {
	case p.syn.xml:
		return p.xmlCallsIn(block, partial)
	case p.syn == syntaxDeepSeek:
		return p.deepSeekCallsIn(block, partial)
	}
	var calls []ToolCall
	s := block
	for {
		s = p.skipSeparators(s)
		if s == "" || (s[0] != '{' && s[0] != '[') {
			break
		}
		end, complete := scanJSON(s)
		if complete {
			if got, ok := decodeCalls(s[:end], p.syn); ok {
				calls = append(calls, got...)
				s = s[end:]
				continue
			}
		}
		// An unfinished call (or a broken one) shows once its name is
		// known, and stays, its arguments as written, when the reply ends
		// there (as OpenAI returns a call cut by max_tokens); until then a
		// growing reply holds the block back.
		if c, ok := partialCall(s[:end]); ok {
			return append(calls, c), true
		}
		if partial && !complete {
			return calls, true
		}
		break
	}
	return calls, len(calls) > 0
}

// xmlCallsIn reads the calls of a block of <function=NAME> elements,
// each holding one <parameter=P> element per argument. A call shows
// while it is written once its name is known, its arguments growing one
// parameter at a time.
func (p *Parser) xmlCallsIn(block string, partial bool) ([]ToolCall, bool) {
	var calls []ToolCall
	s := block
	for {
		s = p.skipSeparators(s)
		const open = "<function="
		if !strings.HasPrefix(s, open) {
			break
		}
		end := strings.IndexByte(s, '>')
		if end < 0 {
			if partial {
				return calls, true
			}
			break
		}
		name := s[len(open):end]
		if name == "" {
			break
		}
		args, rest, complete := p.xmlArguments(name, s[end+1:])
		if !complete { // shown, and kept when the reply ends here (see callsIn)
			return append(calls, ToolCall{Type: "function", Function: FunctionCall{Name: name, Arguments: args}}), true
		}
		calls = append(calls, ToolCall{Type: "function", Function: FunctionCall{Name: name, Arguments: args + "}"}})
		s = rest
	}
	return calls, len(calls) > 0
}

// deepSeekCallsIn reads DeepSeek-R1's calls:
// <｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME, then the arguments as
// JSON in a ```json fence, then <｜tool▁call▁end｜>.
func (p *Parser) deepSeekCallsIn(block string, partial bool) ([]ToolCall, bool) {
	const head = "function<｜tool▁sep｜>"
	var calls []ToolCall
	s := block
	for {
		s = p.skipSeparators(s)
		if !strings.HasPrefix(s, head) {
			break
		}
		s = s[len(head):]
		nl := strings.IndexByte(s, '\n')
		if nl < 0 {
			if partial {
				return calls, true
			}
			break
		}
		name := strings.TrimSpace(s[:nl])
		if name == "" {
			break
		}
		s = strings.TrimLeftFunc(s[nl+1:], unicode.IsSpace)
		s = strings.TrimPrefix(s, "```json")
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		end, complete := scanJSON(s)
		args := strings.TrimRightFunc(s[:end], unicode.IsSpace)
		if !complete {
			if strings.HasPrefix(s, "{") { // shown, and kept when the reply ends here (see callsIn)
				return append(calls, ToolCall{Type: "function", Function: FunctionCall{Name: name, Arguments: args}}), true
			}
			if partial {
				return calls, true
			}
			break
		}
		calls = append(calls, ToolCall{Type: "function", Function: FunctionCall{Name: name, Arguments: args}})
		s = strings.TrimLeftFunc(s[end:], unicode.IsSpace)
		s = strings.TrimPrefix(s, "```")
	}
	return calls, len(calls) > 0
}

// xmlArguments reads the <parameter=P> elements of the function name up
// to </function>, and returns them as a JSON object without its closing
// brace (the parameters read so far when the element is not complete),
// the text after the element, and whether it was complete.
func (p *Parser) xmlArguments(name, s string) (args, rest string, complete bool) {
	const open, closeParam, closeFunc = "<parameter=", "</parameter>", "</function>"
	args = "{"
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if strings.HasPrefix(s, closeFunc) {
			return args, s[len(closeFunc):], true
		}
		if !strings.HasPrefix(s, open) {
			return args, s, false
		}
		end := strings.IndexByte(s, '>')
		if end < 0 {
			return args, s, false
		}
		param, body := s[len(open):end], s[end+1:]
		stop := strings.Index(body, closeParam)
		if stop < 0 {
			return args, s, false
		}
		value := strings.TrimPrefix(body[:stop], "\n")
		value = strings.TrimSuffix(value, "\n")
		if args != "{" {
			args += ", "
		}
		args += jsonString(param) + ": " + p.xmlValue(name, param, value)
		s = body[stop+len(closeParam):]
	}
}

// xmlValue returns a parameter's value as JSON: the raw text as a string
// when the function's schema says the parameter is a string or the text
// is not JSON, else the JSON text itself.
func (p *Parser) xmlValue(function, param, value string) string {
	if p.stringParams[function][param] {
		return jsonString(value)
	}
	if v := strings.TrimSpace(value); v != "" && json.Valid([]byte(v)) {
		return v
	}
	return jsonString(value)
}

// jsonString returns s as a JSON string, leaving <, > and & as they are.
func jsonString(s string) string {
	var b strings.Builder
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	e.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// skipSeparators skips white space, the syntax's markers and the
// separators models put between calls.
func (p *Parser) skipSeparators(s string) string {
	for {
		t := strings.TrimLeftFunc(s, unicode.IsSpace)
		t = strings.TrimLeft(t, ",;")
		for _, m := range []string{p.syn.open, p.syn.close, pythonTag, "<｜tool▁call▁begin｜>", "<｜tool▁call▁end｜>"} {
			if m != "" {
				t = strings.TrimPrefix(t, m)
			}
		}
		if t == s {
			return s
		}
		s = t
	}
}

// decodeCalls reads the calls in one complete JSON value.
func decodeCalls(text string, syn *toolSyntax) ([]ToolCall, bool) {
	if strings.HasPrefix(text, "[") {
		var items []json.RawMessage
		if json.Unmarshal([]byte(text), &items) != nil {
			return nil, false
		}
		var out []ToolCall
		for _, it := range items {
			c, ok := decodeCalls(string(it), syn)
			if !ok {
				return nil, false
			}
			out = append(out, c...)
		}
		return out, len(out) > 0
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(text), &obj) != nil {
		return nil, false
	}
	if list, ok := obj["tool_calls"]; ok {
		return decodeCalls(string(list), syn)
	}
	if one, ok := obj["tool_call"]; ok {
		return decodeCalls(string(one), syn)
	}
	if fn, ok := obj["function"]; ok && obj["name"] == nil { // {"type": "function", "function": {...}}
		return decodeCalls(string(fn), syn)
	}
	var name string
	if json.Unmarshal(obj["name"], &name) != nil || name == "" {
		return nil, false
	}
	args, ok := obj["arguments"]
	if !ok {
		args, ok = obj["parameters"]
	}
	if !ok {
		args = json.RawMessage("{}")
	}
	var s string
	if json.Unmarshal(args, &s) == nil { // arguments given as a JSON string
		args = json.RawMessage(s)
	}
	c := ToolCall{Type: "function", Function: FunctionCall{Name: name, Arguments: strings.TrimSpace(string(args))}}
	if syn.withID {
		var id string
		if json.Unmarshal(obj["id"], &id) == nil {
			c.ID = id
		}
	}
	return []ToolCall{c}, true
}

// partialCall reads the name and the arguments so far of a call still
// being written ({"name": "f", "arguments": {...).
func partialCall(s string) (ToolCall, bool) {
	s = strings.TrimPrefix(s, "[")
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	m := nameRe.FindStringSubmatch(s)
	if m == nil {
		return ToolCall{}, false
	}
	var name string
	if json.Unmarshal([]byte(`"`+m[1]+`"`), &name) != nil || name == "" {
		return ToolCall{}, false
	}
	args := s[len(m[0]):]
	end, complete := scanJSON(args)
	if complete {
		args = args[:end]
	}
	args = strings.TrimRightFunc(args, unicode.IsSpace)
	if strings.HasPrefix(args, `"`) { // arguments as a JSON string: wait for all of it
		args = ""
	}
	return ToolCall{Type: "function", Function: FunctionCall{Name: name, Arguments: args}}, true
}

// scanJSON returns the end of the JSON value at the start of s and
// whether it is complete.
func scanJSON(s string) (int, bool) {
	depth := 0
	inString, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if depth == 0 {
					return i + 1, true
				}
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth <= 0 {
				return i + 1, depth == 0
			}
		case depth == 0 && (c == ',' || unicode.IsSpace(rune(c))):
			return i, i > 0
		}
	}
	return len(s), false
}
