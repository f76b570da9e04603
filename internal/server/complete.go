package server

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/fallback"
	"github.com/gollm/gollm/model/chat"
)

// outcome is a finished answer, local or remote, ready to be sent.
type outcome struct {
	text             string
	reasoning        string          // chat: the thinking split off the text
	toolCalls        []chat.ToolCall // chat: the calls the reply made
	finish           string          // "stop", "length" or "tool_calls"
	model            string
	promptTokens     int
	cachedTokens     int
	completionTokens int
	tokens           []gollm.Token // with log-probabilities, when asked for
	gollm            gollmInfo
}

// gollmInfo is the "gollm" object of a response.
type gollmInfo struct {
	// Confidence is the local answer's score (absent when the prompt did
	// not fit locally).
	Confidence    *float64 `json:"confidence,omitempty"`
	Source        string   `json:"source"`
	Reason        string   `json:"reason,omitempty"`
	FallbackError string   `json:"fallback_error,omitempty"`
	// Route is the router's decision: where the request was answered,
	// by which rule, when, and the signals it read.
	Route      *fallback.Decision `json:"route,omitempty"`
	StopReason string             `json:"stop_reason,omitempty"`
	// Slot is the session that generated the local answer.
	Slot    *int     `json:"slot,omitempty"`
	Timings *timings `json:"timings,omitempty"`
}

// timings describes the local generation: how many prompt tokens came from
// the slot's cache, and how long the prefill and the generation took.
type timings struct {
	CachedTokens        int     `json:"cached_tokens"`
	PromptTokens        int     `json:"prompt_tokens"` // prefilled (not cached)
	PromptMs            float64 `json:"prompt_ms"`
	PromptPerSecond     float64 `json:"prompt_per_second"`
	GeneratedTokens     int     `json:"generated_tokens"`
	GenerationMs        float64 `json:"generation_ms"`
	GenerationPerSecond float64 `json:"generation_per_second"`
	TimeToFirstTokenMs  float64 `json:"time_to_first_token_ms"`
}

func newTimings(st gollm.Stats) *timings {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return &timings{CachedTokens: st.CachedTokens, PromptTokens: st.PromptTokens - st.CachedTokens,
		PromptMs: ms(st.PromptTime), PromptPerSecond: st.PromptTokensPerSecond(),
		GeneratedTokens: st.GeneratedTokens, GenerationMs: ms(st.GenerateTime),
		GenerationPerSecond: st.GenerateTokensPerSecond(), TimeToFirstTokenMs: ms(st.TimeToFirstToken)}
}

// complete serves one chat or text completion request: the router
// (internal/fallback) decides where it is answered, and the answer streams
// to the client as it is produced, from the local model, the remote, or
// the local model and then the remote.
func (s *Server) complete(w http.ResponseWriter, r *http.Request, chat bool) {
	req, e := parseRequest(r, chat, s.ctxSize)
	if e == nil {
		e = s.checkModel(req.model)
	}
	if e != nil {
		writeError(w, e)
		return
	}
	p, e := s.prompt(req)
	if e != nil {
		writeError(w, e)
		return
	}
	recordOf(r).tokensIn = len(p.ids)
	sink := &answerSink{s: s, w: w, req: req, chat: p.chat}
	var slot *int
	job := fallback.Job{Prompt: p.ids, Context: s.ctxSize, Request: s.fallbackRequest(req), LocalOnly: localOnly(req),
		Options: gollm.GenerateOptions{MaxTokens: req.maxTokens, Sampling: req.sampling, Stop: p.stop,
			LogProbs: req.logprobs, TopLogProbs: req.topLogprobs, Grammar: req.grammar, JSONSchema: req.jsonSchema},
		Generate: p.generate,
		Session: func(ctx context.Context) (*gollm.Session, func(), error) {
			sl, e := s.slots.acquire(ctx, p.ids, anySlot)
			if e != nil {
				return nil, nil, e
			}
			if req.noCache && slot == nil { // not when resuming the answer
				sl.sess.Reset()
			}
			slot = &sl.id
			return sl.sess, func() {
				st := sl.sess.Stats()
				s.slots.release(sl)
				s.metrics.generation(st)
				if s.onDone != nil {
					s.onDone(st)
				}
			}, nil
		}}
	res, err := s.cfg.Router.Answer(r.Context(), job, sink)
	recordOf(r).tokensOut = res.Local.Stats.GeneratedTokens
	var nofit *fallback.NoFitError
	var ae *apiError
	switch {
	case res.Decision.Rule == fallback.RuleCancelled || r.Context().Err() != nil:
		return // the client is gone
	case errors.As(err, &nofit):
		writeError(w, s.noFit(req, len(p.ids), nofit.Decision))
		return
	case errors.As(err, &ae):
		writeError(w, ae)
		return
	case err != nil && sink.sw != nil:
		sink.sw.fail(serverError(err))
		return
	case err != nil:
		writeError(w, serverError(err))
		return
	}
	out := outcome{promptTokens: len(p.ids), model: s.cfg.Name, finish: "stop"}
	if slot != nil { // the local model ran
		out = s.localOutcome(sink.reply(res), res.Local.Stats)
		out.tokens, out.gollm.Slot = sink.toks, slot
	}
	s.applyDecision(&out, res)
	s.send(w, req, sink.sw, out)
}

// answerSink delivers an answer to the client as the router produces it:
// streamed (the stream starts with the first piece) or collected. A chat
// reply goes through its parser, which splits off thinking and tool calls.
type answerSink struct {
	s    *Server
	w    http.ResponseWriter
	req  *request
	chat *gollm.ChatPrompt // nil for a text completion
	sw   *streamWriter
	toks []gollm.Token // the local tokens, when the request asks for log-probabilities
	// handedOver is set once the remote's answer follows.
	handedOver bool
}

// stream returns the stream, starting it on first use.
func (a *answerSink) stream() *streamWriter {
	if a.sw == nil {
		a.sw = a.s.newStream(a.w, a.req)
	}
	return a.sw
}

func (a *answerSink) Local(tok gollm.Token) bool {
	if a.s.onToken != nil {
		a.s.onToken()
	}
	if a.req.logprobs && tok.ID >= 0 {
		a.toks = append(a.toks, tok)
	}
	if tok.Text == "" {
		return true
	}
	d := chat.Delta{Content: tok.Text}
	if a.chat != nil {
		d = a.chat.Parser.Push(tok.Text)
		if a.req.oneCall {
			d.ToolCalls = firstCallOnly(d.ToolCalls)
		}
	}
	if !a.req.stream {
		return true
	}
	return a.stream().delta(d, a.toks)
}

func (a *answerSink) Handover(d fallback.Decision) bool {
	a.handedOver = true
	if !a.req.stream {
		return true
	}
	return a.stream().route(d)
}

func (a *answerSink) Remote(text string) bool {
	if !a.req.stream {
		return true
	}
	return a.stream().delta(chat.Delta{Content: text}, nil)
}

// reply returns the local reply (for chat split into content, reasoning
// and tool calls), streaming what the chat parser still held unless the
// remote took over.
func (a *answerSink) reply(res fallback.Result) chat.Reply {
	if a.chat == nil {
		return chat.Reply{Content: res.Local.Text}
	}
	reply, rest := a.chat.Parser.Finish()
	if a.req.oneCall && len(reply.ToolCalls) > 1 {
		reply.ToolCalls = reply.ToolCalls[:1]
	}
	if a.sw != nil && !a.handedOver {
		if a.req.oneCall {
			rest.ToolCalls = firstCallOnly(rest.ToolCalls)
		}
		a.sw.delta(rest, a.toks)
	}
	return reply
}

// firstCallOnly keeps the pieces of the first tool call
// (parallel_tool_calls false).
func firstCallOnly(d []chat.ToolCallDelta) []chat.ToolCallDelta {
	return slices.DeleteFunc(d, func(c chat.ToolCallDelta) bool { return c.Index > 0 })
}

// prompt is a request's prompt ready to generate from.
type prompt struct {
	ids  []int32
	stop []string          // the client's stop strings
	chat *gollm.ChatPrompt // chat: the rendered conversation and its parser
}

// generate runs the local model on the prompt's tokens (or those followed
// by the answer so far, when it resumes): a chat as the library generates
// chat replies (its turn-ending stops, a forced tool call).
func (p prompt) generate(ss *gollm.Session, ctx context.Context, ids []int32, opts gollm.GenerateOptions) iter.Seq2[gollm.Token, error] {
	if p.chat == nil {
		return ss.GenerateTokens(ctx, ids, opts)
	}
	cp := *p.chat
	cp.Tokens = ids
	return ss.GenerateChat(ctx, &cp, opts)
}

// prompt renders (for chat) and tokenizes the request's prompt. A chat
// request renders in the model's chat template as the library renders it
// (gollm.Model.PrepareChat): a template that cannot be used, or that
// raises for this conversation, is a 400 with its message.
func (s *Server) prompt(req *request) (prompt, *apiError) {
	p := prompt{stop: req.stop}
	if req.chat {
		kwargs := req.kwargs
		if len(s.cfg.ChatTemplateKwargs) > 0 {
			kwargs = maps.Clone(s.cfg.ChatTemplateKwargs)
			maps.Copy(kwargs, req.kwargs)
		}
		cp, err := s.m.PrepareChat(gollm.ChatRequest{Messages: req.messages, Tools: req.tools, ToolChoice: req.toolChoice,
			Kwargs: kwargs, KeepReasoning: req.keepReasoning})
		if err != nil {
			return p, invalid("messages", "invalid_value", strings.TrimPrefix(err.Error(), "gollm: "))
		}
		p.ids, p.chat = cp.Tokens, cp
	} else if s.cfg.Tokenize != nil {
		p.ids = s.cfg.Tokenize(req.prompt)
	} else {
		p.ids = s.m.Tokenize(req.prompt, true)
	}
	if len(p.ids) == 0 {
		param := map[bool]string{true: "messages", false: "prompt"}[req.chat]
		return p, invalid(param, "invalid_value", "the prompt encodes to no tokens")
	}
	return p, nil
}

// localOutcome describes a local answer.
func (s *Server) localOutcome(reply chat.Reply, st gollm.Stats) outcome {
	finish := "stop"
	switch {
	case st.StopReason == gollm.StopMaxTokens || st.StopReason == gollm.StopContextFull:
		finish = "length"
	case len(reply.ToolCalls) > 0:
		finish = "tool_calls"
	}
	conf := st.Confidence
	return outcome{text: reply.Content, reasoning: reply.ReasoningContent, toolCalls: reply.ToolCalls, finish: finish,
		model: s.cfg.Name, promptTokens: st.PromptTokens, cachedTokens: st.CachedTokens, completionTokens: st.GeneratedTokens,
		gollm: gollmInfo{Confidence: &conf, Source: string(fallback.SourceLocal), StopReason: string(st.StopReason),
			Timings: newTimings(st)}}
}

// noFit is the error for a prompt longer than the local context that the
// remote did not answer: 502 when the remote failed, else 400.
func (s *Server) noFit(req *request, n int, d fallback.Decision) *apiError {
	param := map[bool]string{true: "messages", false: "prompt"}[req.chat]
	if d.Rule == fallback.RuleRemoteFailed {
		return &apiError{Status: http.StatusBadGateway, Type: "server_error", Param: &param,
			Code: strOrNil("fallback_failed"), Message: d.Reason + ": " + d.Error}
	}
	msg := fmt.Sprintf("this model's context is %d tokens, but the prompt is %d tokens", s.ctxSize, n)
	if d.Rule != fallback.RuleNoRemote {
		msg += " (" + d.Reason + ")"
	}
	return invalid(param, "context_length_exceeded", msg)
}

// applyDecision records the router's decision in out and, when the remote
// answered, puts its answer in place of the local one (or after it, when
// it continued it).
func (s *Server) applyDecision(out *outcome, res fallback.Result) {
	d := res.Decision
	out.gollm.Route = &d
	out.gollm.Source, out.gollm.Reason, out.gollm.FallbackError = string(d.Source), d.Reason, d.Error
	rem := res.Remote
	if rem == nil {
		return
	}
	if d.Mode == fallback.ModeContinue {
		out.text += rem.Text
	} else {
		out.text, out.reasoning, out.toolCalls = rem.Text, "", nil
	}
	out.gollm.StopReason = ""
	out.tokens = nil // the local tokens' log-probabilities do not describe the remote answer
	out.finish = rem.FinishReason
	if out.finish == "" {
		out.finish = "stop"
	}
	out.model = rem.Model
	if out.model == "" {
		out.model = s.cfg.Router.Remote().Model
	}
	if out.model == "" {
		out.model = s.cfg.Name
	}
	if u := rem.Usage; u != nil {
		out.promptTokens, out.completionTokens = u.PromptTokens, u.CompletionTokens
		if d.Mode == fallback.ModeContinue {
			out.completionTokens += res.Local.Stats.GeneratedTokens
		}
	}
	out.cachedTokens = 0 // the local timings stay in the gollm object
}

// localOnly says why a request must be answered locally, "" when the
// remote may answer it.
func localOnly(req *request) string {
	switch {
	case req.grammar != "" || req.jsonSchema != "":
		return "the answer must follow a grammar or schema, which the fallback would not enforce"
	case len(req.tools) > 0 && req.toolChoice.Mode != "none":
		return "the model may call tools, which the fallback request does not carry"
	}
	return ""
}

// fallbackRequest builds the remote request from what the client sent.
func (s *Server) fallbackRequest(req *request) fallback.Request {
	fr := fallback.Request{Model: req.model, Prompt: req.prompt, MaxTokens: req.maxTokens,
		Temperature: req.temperature, TopP: req.topP, Seed: req.seed, Stop: req.stop,
		FrequencyPenalty: req.freqPen, PresencePenalty: req.presPen}
	if req.chat {
		fr.Prompt = ""
		fr.Messages = make([]fallback.Message, len(req.messages))
		for i, m := range req.messages {
			fr.Messages[i] = fallback.Message{Role: m.Role, Content: m.Content}
		}
	}
	return fr
}
