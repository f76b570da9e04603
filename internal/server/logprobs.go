package server

import "github.com/gollm/gollm"

// minLogprob stands for a probability of zero (-Inf), which JSON cannot
// carry; OpenAI reports such tokens with the same value.
const minLogprob = -9999.0

// chatLogprobs is a chat choice's "logprobs": one entry per generated
// token.
type chatLogprobs struct {
	Content []tokenLogprob `json:"content"`
	Refusal []tokenLogprob `json:"refusal"`
}

// tokenLogprob is a token with its log-probability, its bytes (which may
// be part of a UTF-8 character) and, for a generated token, the most likely
// tokens at its step.
type tokenLogprob struct {
	Token       string         `json:"token"`
	Logprob     float64        `json:"logprob"`
	Bytes       []int          `json:"bytes"`
	TopLogprobs []tokenLogprob `json:"top_logprobs,omitempty"`
}

// completionLogprobs is a text completion choice's "logprobs", in the
// legacy shape of /v1/completions. TextOffset is each token's byte offset
// in the completion's text.
type completionLogprobs struct {
	Tokens        []string             `json:"tokens"`
	TokenLogprobs []float64            `json:"token_logprobs"`
	TopLogprobs   []map[string]float64 `json:"top_logprobs"`
	TextOffset    []int                `json:"text_offset"`
}

// logprobFormatter turns generated tokens into either shape.
type logprobFormatter struct {
	piece  func(int32) string
	offset int // text offset of the next token (completions)
}

// finite replaces -Inf (and NaN) by minLogprob.
func finite(lp float64) float64 {
	if !(lp >= minLogprob) {
		return minLogprob
	}
	return lp
}

func (f *logprobFormatter) entry(id int32, lp float64) tokenLogprob {
	p := f.piece(id)
	b := make([]int, len(p))
	for i := range len(p) {
		b[i] = int(p[i])
	}
	return tokenLogprob{Token: p, Logprob: finite(lp), Bytes: b}
}

// chat returns the chat shape of toks (nil for none).
func (f *logprobFormatter) chat(toks []gollm.Token) *chatLogprobs {
	if len(toks) == 0 {
		return nil
	}
	out := &chatLogprobs{Content: make([]tokenLogprob, len(toks))}
	for i, t := range toks {
		e := f.entry(t.ID, t.LogProb)
		e.TopLogprobs = make([]tokenLogprob, len(t.TopLogProbs))
		for j, alt := range t.TopLogProbs {
			e.TopLogprobs[j] = f.entry(alt.ID, alt.LogProb)
		}
		out.Content[i] = e
	}
	return out
}

// completion returns the legacy shape of toks (nil for none), continuing
// the text offsets of the tokens formatted before.
func (f *logprobFormatter) completion(toks []gollm.Token) *completionLogprobs {
	if len(toks) == 0 {
		return nil
	}
	out := &completionLogprobs{}
	for _, t := range toks {
		p := f.piece(t.ID)
		out.Tokens = append(out.Tokens, p)
		out.TokenLogprobs = append(out.TokenLogprobs, finite(t.LogProb))
		top := make(map[string]float64, len(t.TopLogProbs))
		for _, alt := range t.TopLogProbs {
			if _, dup := top[f.piece(alt.ID)]; !dup { // two ids may share a text: keep the likelier
				top[f.piece(alt.ID)] = finite(alt.LogProb)
			}
		}
		out.TopLogprobs = append(out.TopLogprobs, top)
		out.TextOffset = append(out.TextOffset, f.offset)
		f.offset += len(p)
	}
	return out
}

// format returns the shape of the endpoint, as the choice's logprobs
// value (nil for none).
func (f *logprobFormatter) format(chat bool, toks []gollm.Token) any {
	if len(toks) == 0 {
		return nil
	}
	if chat {
		return f.chat(toks)
	}
	return f.completion(toks)
}
