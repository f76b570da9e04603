package server

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"net/http"
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
	StopReason    string   `json:"stop_reason,omitempty"`
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

// complete serves one chat or text completion request.
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
	if len(p.ids) > s.ctxSize {
		s.tooLong(w, r, req, len(p.ids))
		return
	}
	sl, e := s.slots.acquire(r.Context(), p.ids, anySlot)
	if e != nil {
		if r.Context().Err() == nil {
			writeError(w, e)
		}
		return
	}
	var sw *streamWriter
	if req.stream && !s.fallbackFor(req) {
		sw = s.newStream(w, req)
	}
	reply, toks, st, err := s.generate(r.Context(), sl.sess, p, req, sw)
	s.slots.release(sl)
	s.metrics.generation(st)
	recordOf(r).tokensOut = st.GeneratedTokens
	if s.onDone != nil {
		s.onDone(st)
	}
	switch {
	case err != nil && sw != nil:
		sw.fail(serverError(err))
		return
	case err != nil:
		writeError(w, serverError(err))
		return
	case st.StopReason == gollm.StopCancelled:
		return // the client is gone
	}
	out := s.localOutcome(reply, st)
	out.tokens, out.gollm.Slot = toks, &sl.id
	if s.fallbackFor(req) {
		ans := s.cfg.Fallback.Resolve(r.Context(), s.fallbackRequest(req),
			fallback.Local{Text: reply.Content, Confidence: st.Confidence})
		s.applyAnswer(&out, ans)
	}
	s.send(w, req, sw, out)
}

// prompt is a request's prompt ready to generate from.
type prompt struct {
	ids  []int32
	stop []string          // the client's stop strings
	chat *gollm.ChatPrompt // chat: the rendered conversation and its parser
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

// tooLong answers a request whose prompt exceeds the context: from the
// fallback if there is one, else with a 400.
func (s *Server) tooLong(w http.ResponseWriter, r *http.Request, req *request, n int) {
	param := map[bool]string{true: "messages", false: "prompt"}[req.chat]
	msg := fmt.Sprintf("prompt of %d tokens does not fit the local context of %d", n, s.ctxSize)
	if !s.fallbackFor(req) {
		writeError(w, invalid(param, "context_length_exceeded",
			fmt.Sprintf("this model's context is %d tokens, but the prompt is %d tokens", s.ctxSize, n)))
		return
	}
	ans := s.cfg.Fallback.Resolve(r.Context(), s.fallbackRequest(req), fallback.Local{NoFit: msg})
	if ans.Err != nil {
		writeError(w, &apiError{Status: http.StatusBadGateway, Type: "server_error", Param: &param,
			Code: strOrNil("fallback_failed"), Message: msg + ", and the fallback failed: " + ans.Err.Error()})
		return
	}
	out := outcome{promptTokens: n}
	s.applyAnswer(&out, ans)
	s.send(w, req, nil, out)
}

// generate runs the model on the prompt (the session reuses the prefix
// its cache holds), streaming the reply to sw when it is not nil, and
// returns the reply (for chat split into content, reasoning and tool
// calls) and, when the request asks for log-probabilities, the generated
// tokens with theirs.
func (s *Server) generate(ctx context.Context, ss *gollm.Session, p prompt, req *request, sw *streamWriter) (chat.Reply, []gollm.Token, gollm.Stats, error) {
	if req.noCache {
		ss.Reset()
	}
	opts := gollm.GenerateOptions{MaxTokens: req.maxTokens, Sampling: req.sampling, Stop: p.stop,
		LogProbs: req.logprobs, TopLogProbs: req.topLogprobs, Grammar: req.grammar, JSONSchema: req.jsonSchema}
	var tokens iter.Seq2[gollm.Token, error]
	if p.chat != nil {
		tokens = ss.GenerateChat(ctx, p.chat, opts)
	} else {
		tokens = ss.GenerateTokens(ctx, p.ids, opts)
	}
	var b strings.Builder
	var toks []gollm.Token
	for tok, err := range tokens {
		if err != nil {
			return chat.Reply{}, nil, ss.Stats(), err
		}
		if s.onToken != nil {
			s.onToken()
		}
		if req.logprobs && tok.ID >= 0 {
			toks = append(toks, tok)
		}
		b.WriteString(tok.Text)
		if sw == nil || tok.Text == "" {
			continue
		}
		d := chat.Delta{Content: tok.Text}
		if p.chat != nil {
			d = p.chat.Parser.Push(tok.Text)
		}
		if !sw.delta(d, toks) {
			break
		}
	}
	st := ss.Stats()
	if ctx.Err() != nil {
		st.StopReason = gollm.StopCancelled
	}
	if p.chat == nil {
		return chat.Reply{Content: b.String()}, toks, st, nil
	}
	if sw == nil {
		p.chat.Parser.Push(b.String())
	}
	reply, rest := p.chat.Parser.Finish()
	if req.oneCall && len(reply.ToolCalls) > 1 {
		reply.ToolCalls = reply.ToolCalls[:1]
	}
	if sw != nil {
		sw.delta(rest, toks)
	}
	return reply, toks, st, nil
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

// applyAnswer records the fallback's decision in out, replacing the answer
// when the remote produced it.
func (s *Server) applyAnswer(out *outcome, ans fallback.Answer) {
	out.gollm.Source, out.gollm.Reason = string(ans.Source), ans.Reason
	if ans.Err != nil {
		out.gollm.FallbackError = ans.Err.Error()
	}
	if ans.Remote == nil {
		return
	}
	rem := ans.Remote
	out.reasoning, out.toolCalls = "", nil
	out.text, out.finish, out.model, out.gollm.StopReason = rem.Text, rem.FinishReason, rem.Model, ""
	out.tokens = nil // the local tokens' log-probabilities do not describe the remote answer
	if out.finish == "" {
		out.finish = "stop"
	}
	if out.model == "" {
		out.model = s.cfg.Fallback.Model
	}
	if rem.PromptTokens > 0 || rem.CompletionTokens > 0 {
		out.promptTokens, out.completionTokens = rem.PromptTokens, rem.CompletionTokens
	}
	out.cachedTokens = 0 // the local timings stay in the gollm object
}

// fallbackFor reports whether the fallback may answer req: not when the
// answer must follow a grammar or schema, which the remote would not
// enforce, nor when the model may call tools, which the remote request
// does not carry.
func (s *Server) fallbackFor(req *request) bool {
	tools := len(req.tools) > 0 && req.toolChoice.Mode != "none"
	return s.cfg.Fallback.Enabled() && req.grammar == "" && req.jsonSchema == "" && !tools
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
