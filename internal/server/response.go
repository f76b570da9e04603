package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/fallback"
	"github.com/gollm/gollm/model/chat"
)

type usage struct {
	PromptTokens        int                 `json:"prompt_tokens"`
	CompletionTokens    int                 `json:"completion_tokens"`
	TotalTokens         int                 `json:"total_tokens"`
	PromptTokensDetails promptTokensDetails `json:"prompt_tokens_details"`
}

// promptTokensDetails says how many prompt tokens came from the prompt
// cache, as OpenAI reports it.
type promptTokensDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

// usageOf is the usage of an answer.
func usageOf(out outcome) *usage {
	return &usage{PromptTokens: out.promptTokens, CompletionTokens: out.completionTokens,
		TotalTokens: out.promptTokens + out.completionTokens, PromptTokensDetails: promptTokensDetails{out.cachedTokens}}
}

// chatMessage is a chat response's message, or a chunk's delta. Content
// is null in a message that only calls tools, and left out of a delta
// that adds none.
type chatMessage struct {
	Role             string          `json:"role,omitempty"`
	Content          *string         `json:"content"`
	ReasoningContent string          `json:"reasoning_content,omitempty"`
	ToolCalls        []chat.ToolCall `json:"tool_calls,omitempty"`
}

// chatDelta is a chunk's delta: what the reply added.
type chatDelta struct {
	Role             string          `json:"role,omitempty"`
	Content          *string         `json:"content,omitempty"`
	ReasoningContent string          `json:"reasoning_content,omitempty"`
	ToolCalls        []toolCallDelta `json:"tool_calls,omitempty"`
}

// toolCallDelta is a piece of the Index-th tool call, as OpenAI streams
// it: the id, type and name with the first piece, then fragments of the
// arguments.
type toolCallDelta struct {
	Index    int               `json:"index"`
	ID       string            `json:"id,omitempty"`
	Type     string            `json:"type,omitempty"`
	Function functionCallDelta `json:"function"`
}

type functionCallDelta struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

// newChatDelta converts a parser's delta to the wire.
func newChatDelta(d chat.Delta) *chatDelta {
	cd := &chatDelta{ReasoningContent: d.ReasoningContent}
	if d.Content != "" {
		cd.Content = &d.Content
	}
	for _, tc := range d.ToolCalls {
		w := toolCallDelta{Index: tc.Index, ID: tc.ID, Function: functionCallDelta{Name: tc.Name, Arguments: tc.Arguments}}
		if tc.ID != "" {
			w.Type = "function"
		}
		cd.ToolCalls = append(cd.ToolCalls, w)
	}
	return cd
}

// choice is one choice of a response or chunk: Message for chat
// completions, Delta for chat chunks, Text for text completions.
type choice struct {
	Index        int          `json:"index"`
	Message      *chatMessage `json:"message,omitempty"`
	Delta        *chatDelta   `json:"delta,omitempty"`
	Text         *string      `json:"text,omitempty"`
	Logprobs     any          `json:"logprobs"` // *chatLogprobs, *completionLogprobs or nil
	FinishReason *string      `json:"finish_reason"`
}

// completion is a response or a chunk of a stream.
type completion struct {
	ID      string     `json:"id"`
	Object  string     `json:"object"`
	Created int64      `json:"created"`
	Model   string     `json:"model"`
	Choices []choice   `json:"choices"`
	Usage   *usage     `json:"usage,omitempty"`
	Gollm   *gollmInfo `json:"gollm,omitempty"`
}

// logprobs returns a formatter of log-probabilities for one answer.
func (s *Server) logprobs() *logprobFormatter { return &logprobFormatter{piece: s.m.TokenPiece} }

// newID returns a random response id with the given prefix.
func newID(chat bool) string {
	var b [12]byte
	rand.Read(b[:])
	if chat {
		return "chatcmpl-" + hex.EncodeToString(b[:])
	}
	return "cmpl-" + hex.EncodeToString(b[:])
}

// send writes a finished answer, as a stream when sw is not nil.
func (s *Server) send(w http.ResponseWriter, req *request, sw *streamWriter, out outcome) {
	if sw == nil && req.stream { // a buffered answer: one chunk with all of it
		sw = s.newStream(w, req)
		d := chat.Delta{Content: out.text, ReasoningContent: out.reasoning}
		for i, tc := range out.toolCalls {
			d.ToolCalls = append(d.ToolCalls, chat.ToolCallDelta{Index: i, ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments})
		}
		if !d.Empty() {
			sw.delta(d, out.tokens)
		}
	}
	if sw != nil {
		sw.finish(out)
		return
	}
	c := completion{ID: newID(req.chat), Created: time.Now().Unix(), Model: out.model, Usage: usageOf(out), Gollm: &out.gollm}
	ch := choice{FinishReason: &out.finish, Logprobs: s.logprobs().format(req.chat, out.tokens)}
	if req.chat {
		msg := &chatMessage{Role: "assistant", Content: &out.text, ReasoningContent: out.reasoning, ToolCalls: out.toolCalls}
		if out.text == "" && len(out.toolCalls) > 0 {
			msg.Content = nil
		}
		c.Object, ch.Message = "chat.completion", msg
	} else {
		c.Object, ch.Text = "text_completion", &out.text
	}
	c.Choices = []choice{ch}
	writeJSON(w, http.StatusOK, c)
}

// streamWriter writes server-sent events in OpenAI's chunk format.
type streamWriter struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	req    *request
	base   completion
	broken bool // a write failed
	lp     *logprobFormatter
	sent   int // generated tokens whose log-probabilities were sent
}

// newStream sends the headers and, for chat, the chunk announcing the
// assistant's role.
func (s *Server) newStream(w http.ResponseWriter, req *request) *streamWriter {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	sw := &streamWriter{w: w, rc: http.NewResponseController(w), req: req, lp: s.logprobs(), base: completion{
		ID: newID(req.chat), Created: time.Now().Unix(), Model: s.cfg.Name, Object: "text_completion"}}
	if req.chat {
		sw.base.Object = "chat.completion.chunk"
		empty := ""
		sw.chunk(choice{Delta: &chatDelta{Role: "assistant", Content: &empty}}, nil, nil)
	}
	return sw
}

// chunk sends one chunk holding ch (none when ch is the zero choice and
// usage is set).
func (sw *streamWriter) chunk(ch choice, u *usage, g *gollmInfo) bool {
	c := sw.base
	c.Usage, c.Gollm = u, g
	c.Choices = []choice{}
	if u == nil {
		c.Choices = []choice{ch}
	}
	b, _ := json.Marshal(c)
	return sw.event(b)
}

// event sends "data: <b>\n\n" and flushes it.
func (sw *streamWriter) event(b []byte) bool {
	return sw.write(append(append([]byte("data: "), b...), '\n', '\n'))
}

// write sends an event's bytes and flushes them.
func (sw *streamWriter) write(b []byte) bool {
	if sw.broken {
		return false
	}
	if _, err := sw.w.Write(b); err != nil {
		sw.broken = true
		return false
	}
	if err := sw.rc.Flush(); err != nil {
		sw.broken = true
	}
	return !sw.broken
}

// delta sends what the answer added (for text completions, its text),
// with the log-probabilities of the tokens generated so far (toks) not
// sent yet.
func (sw *streamWriter) delta(d chat.Delta, toks []gollm.Token) bool {
	if d.Empty() {
		return !sw.broken
	}
	ch := choice{Logprobs: sw.logprobs(toks)}
	if sw.req.chat {
		ch.Delta = newChatDelta(d)
	} else {
		ch.Text = &d.Content
	}
	return sw.chunk(ch, nil, nil)
}

// logprobs formats the tokens of toks not sent yet.
func (sw *streamWriter) logprobs(toks []gollm.Token) any {
	if sw.sent >= len(toks) {
		return nil
	}
	v := sw.lp.format(sw.req.chat, toks[sw.sent:])
	sw.sent = len(toks)
	return v
}

// finish sends the chunk with the finish reason and the gollm object, the
// usage chunk when asked for, and [DONE].
func (sw *streamWriter) finish(out outcome) {
	if out.model != "" {
		sw.base.Model = out.model
	}
	ch := choice{FinishReason: &out.finish, Logprobs: sw.logprobs(out.tokens)}
	if sw.req.chat {
		ch.Delta = &chatDelta{}
	} else {
		empty := ""
		ch.Text = &empty
	}
	sw.chunk(ch, nil, &out.gollm)
	if sw.req.includeUsage {
		sw.chunk(choice{}, usageOf(out), nil)
	}
	sw.event([]byte("[DONE]"))
}

// route tells the client that the remote takes over: an event named
// "gollm.route" whose data is a chunk without choices (as the usage chunk),
// so that a client that ignores event names reads it as an empty chunk,
// carrying the decision in gollm.route. With the "replace" mode the
// remote's answer, in the chunks that follow, replaces the text streamed
// so far; with "continue" it continues it.
func (sw *streamWriter) route(d fallback.Decision) bool {
	c := sw.base
	c.Choices = []choice{}
	c.Gollm = &gollmInfo{Source: string(d.Source), Reason: d.Reason, Route: &d}
	b, _ := json.Marshal(c)
	return sw.write(append(append([]byte("event: gollm.route\ndata: "), b...), '\n', '\n'))
}

// fail reports an error inside the stream and ends it.
func (sw *streamWriter) fail(e *apiError) {
	b, _ := json.Marshal(map[string]*apiError{"error": e})
	sw.event(b)
	sw.event([]byte("[DONE]"))
}
