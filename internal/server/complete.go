package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/fallback"
)

// outcome is a finished answer, local or remote, ready to be sent.
type outcome struct {
	text             string
	finish           string // "stop" or "length"
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
	ids, stop, e := s.prompt(req)
	if e != nil {
		writeError(w, e)
		return
	}
	recordOf(r).tokensIn = len(ids)
	if len(ids) > s.ctxSize {
		s.tooLong(w, r, req, len(ids))
		return
	}
	sl, e := s.slots.acquire(r.Context(), ids, anySlot)
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
	text, toks, st, err := s.generate(r.Context(), sl.sess, ids, req, stop, sw)
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
	out := s.localOutcome(text, st)
	out.tokens, out.gollm.Slot = toks, &sl.id
	if s.fallbackFor(req) {
		ans := s.cfg.Fallback.Resolve(r.Context(), s.fallbackRequest(req),
			fallback.Local{Text: text, Confidence: st.Confidence})
		s.applyAnswer(&out, ans)
	}
	s.send(w, req, sw, out)
}

// prompt formats and tokenizes the request's prompt and returns it with
// the stop strings.
func (s *Server) prompt(req *request) ([]int32, []string, *apiError) {
	text, stop, param := req.prompt, req.stop, "prompt"
	if req.chat {
		param = "messages"
		if s.cfg.Chat == nil {
			return nil, nil, invalid(param, "unsupported", errNoChat.Error())
		}
		p, extra, err := s.cfg.Chat(req.messages)
		if err != nil {
			return nil, nil, invalid(param, "invalid_value", err.Error())
		}
		text, stop = p, append(stop[:len(stop):len(stop)], extra...)
	}
	var ids []int32
	if s.cfg.Tokenize != nil {
		ids = s.cfg.Tokenize(text)
	} else {
		ids = s.m.Tokenize(text, true)
	}
	if len(ids) == 0 {
		return nil, nil, invalid(param, "invalid_value", "the prompt encodes to no tokens")
	}
	return ids, stop, nil
}

// tooLong answers a request whose prompt exceeds the context: from the
// fallback if there is one, else with a 400.
func (s *Server) tooLong(w http.ResponseWriter, r *http.Request, req *request, n int) {
	param := map[bool]string{true: "messages", false: "prompt"}[req.chat]
	msg := fmt.Sprintf("prompt of %d tokens does not fit the local context of %d", n, s.ctxSize)
	if !s.fallbackFor(req) {
		writeError(w, invalid(param, "context_length_exceeded", "this model's context is "+
			fmt.Sprint(s.ctxSize)+" tokens, but the "+param+" take "+fmt.Sprint(n)))
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

// generate runs the model on prompt ids (the session reuses the prefix
// its cache holds), streaming text to sw when it is not nil, and returns
// the whole text and, when the request asks for log-probabilities, the
// generated tokens with theirs.
func (s *Server) generate(ctx context.Context, ss *gollm.Session, ids []int32, req *request, stop []string, sw *streamWriter) (string, []gollm.Token, gollm.Stats, error) {
	if req.noCache {
		ss.Reset()
	}
	opts := gollm.GenerateOptions{MaxTokens: req.maxTokens, Sampling: req.sampling, Stop: stop,
		LogProbs: req.logprobs, TopLogProbs: req.topLogprobs, Grammar: req.grammar, JSONSchema: req.jsonSchema}
	var b strings.Builder
	var toks []gollm.Token
	for tok, err := range ss.GenerateTokens(ctx, ids, opts) {
		if err != nil {
			return "", nil, ss.Stats(), err
		}
		if s.onToken != nil {
			s.onToken()
		}
		if req.logprobs && tok.ID >= 0 {
			toks = append(toks, tok)
		}
		b.WriteString(tok.Text)
		if sw != nil && tok.Text != "" {
			if !sw.content(tok.Text, toks) {
				break
			}
		}
	}
	st := ss.Stats()
	if ctx.Err() != nil {
		st.StopReason = gollm.StopCancelled
	}
	return b.String(), toks, st, nil
}

// localOutcome describes a local answer.
func (s *Server) localOutcome(text string, st gollm.Stats) outcome {
	finish := "stop"
	if st.StopReason == gollm.StopMaxTokens || st.StopReason == gollm.StopContextFull {
		finish = "length"
	}
	conf := st.Confidence
	return outcome{text: text, finish: finish, model: s.cfg.Name, promptTokens: st.PromptTokens,
		cachedTokens: st.CachedTokens, completionTokens: st.GeneratedTokens,
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
// enforce.
func (s *Server) fallbackFor(req *request) bool {
	return s.cfg.Fallback.Enabled() && req.grammar == "" && req.jsonSchema == ""
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
