package gollm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gollm/gollm/model"
	"github.com/gollm/gollm/sampler"
)

// ErrContextFull is returned when a prompt does not fit in the session's
// remaining context window.
var ErrContextFull = model.ErrContextFull

// Session is one conversation with a model. Its KV cache persists across
// calls to Generate: each prompt is the whole text the model continues (for
// a chat, the conversation so far), and the session reuses the longest
// prefix of it that the cache already holds, prefilling only the rest. A
// follow-up that repeats the previous prompt and answer, or any prompt
// sharing a prefix with them (the same system prompt, an edited last
// message), is answered after processing only what changed.
// A session is not safe for concurrent use.
type Session struct {
	m     *Model
	s     *model.Session
	stats Stats
}

// GenerateOptions controls one generation.
type GenerateOptions struct {
	// MaxTokens bounds the number of generated tokens; 0 means until an
	// end-of-generation token, a stop string or the end of the context.
	MaxTokens int
	// Sampling selects the next token. Zero fields mean "off" (TopP and
	// RepeatPenalty 0 act as 1), so the zero value is greedy decoding. Use
	// sampler.DefaultOptions() for llama.cpp's defaults.
	Sampling sampler.Options
	// Stop ends generation when the text contains any of these strings;
	// the stop string itself is not returned.
	Stop []string
	// LogProbs reports each generated token's log-probability in
	// Token.LogProb, and TopLogProbs (0 to MaxTopLogProbs) the most likely
	// tokens at each step in Token.TopLogProbs. Both are the model's own
	// distribution (softmax of the logits at temperature 1), before
	// penalties, truncation and temperature, as OpenAI reports them.
	LogProbs    bool
	TopLogProbs int
	// Grammar constrains the output to a GBNF grammar (llama.cpp's
	// format, see package grammar), and JSONSchema to JSON text valid
	// against a JSON Schema (the subset grammar.SchemaToGBNF lists); at
	// most one of them. Each token is drawn from those that can continue
	// the grammar, end-of-generation tokens only once it is complete, and
	// generation stops (StopEOG) when nothing but the end is left. An
	// invalid grammar or an unsupported schema keyword is an error before
	// any work (a *grammar.SyntaxError or *grammar.SchemaError in its
	// chain).
	Grammar    string
	JSONSchema string
	// PromptSurprise measures the model's surprise at the prompt during
	// the prefill into Stats.PromptSurprise: the mean negative
	// log-likelihood of the prompt's tokens, which costs the output
	// matrix on every prefilled token instead of the last one only.
	PromptSurprise bool
	// OnPrefill, when set, is called after the prefill, before the first
	// token is drawn, with the statistics so far; returning false ends the
	// generation there (StopCancelled), as a router does that sends the
	// request elsewhere.
	OnPrefill func(Stats) bool

	// stopTokens end generation like an end-of-generation token (Chat
	// sets the control tokens that end its format's turns).
	stopTokens []int32
}

// MaxTopLogProbs is the most alternatives GenerateOptions.TopLogProbs may
// ask for, as at OpenAI.
const MaxTopLogProbs = 20

// Token is one step of a generation stream.
type Token struct {
	// ID is the generated token, or -1 for text released at the end of a
	// generation that no single token owns (a held-back tail).
	ID int32
	// Text is the text that may be shown now. It can be empty when a
	// token completes neither a UTF-8 character nor rules out a stop
	// string; the held text arrives with a later token.
	Text string
	// LogProb is the natural log of the probability the model gave this
	// token, and TopLogProbs the most likely tokens at its step, most
	// likely first (with GenerateOptions.LogProbs; zero otherwise, and for
	// released text).
	LogProb     float64
	TopLogProbs []TokenLogProb
}

// TokenLogProb is a token and its log-probability.
type TokenLogProb struct {
	ID      int32
	LogProb float64
}

// StopReason says why a generation ended.
type StopReason string

// The reasons a generation ends.
const (
	StopEOG         StopReason = "eog"          // the model produced an end-of-generation token
	StopMaxTokens   StopReason = "max_tokens"   // MaxTokens were generated
	StopString      StopReason = "stop_string"  // a stop string appeared
	StopContextFull StopReason = "context_full" // the context window filled up
	StopCancelled   StopReason = "cancelled"    // the context was cancelled or the caller stopped
	StopError       StopReason = "error"        // an error ended it
)

// Stats describes the last generation of a session.
type Stats struct {
	// PromptTokens is the length of the prompt, of which CachedTokens
	// were reused from the KV cache and the rest prefilled.
	PromptTokens     int
	CachedTokens     int
	GeneratedTokens  int
	PromptTime       time.Duration // prefill of the prompt's uncached tokens
	GenerateTime     time.Duration // from the first generated token to the last
	TimeToFirstToken time.Duration // from the call to the first generated token
	// Confidence is the geometric mean of the probabilities the model gave
	// to the generated tokens (full softmax at temperature 1), in [0, 1]:
	// exp(mean log p). A low value flags an answer the model was unsure of.
	Confidence float64
	// MinTokenProb is the smallest of those probabilities.
	MinTokenProb float64
	// PromptSurprise is the mean negative log-likelihood of the prompt's
	// prefilled tokens in nats per token (their perplexity's log), over
	// SurpriseTokens tokens: every prefilled token but the first, whose
	// prediction came before the prefill. Measured only with
	// GenerateOptions.PromptSurprise; SurpriseTokens is 0 when nothing
	// could be measured (all but the last token were cached).
	PromptSurprise float64
	SurpriseTokens int
	StopReason     StopReason
}

// PromptTokensPerSecond is the prefill speed (of the uncached tokens).
func (s Stats) PromptTokensPerSecond() float64 {
	return rate(s.PromptTokens-s.CachedTokens, s.PromptTime)
}

// GenerateTokensPerSecond is the decode speed (tokens after the first over
// the time they took).
func (s Stats) GenerateTokensPerSecond() float64 { return rate(s.GeneratedTokens-1, s.GenerateTime) }

func rate(n int, d time.Duration) float64 {
	if n <= 0 || d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Stats returns the statistics of the last generation.
func (s *Session) Stats() Stats { return s.stats }

// Pos returns the number of tokens in the session's KV cache.
func (s *Session) Pos() int { return s.s.Pos() }

// ContextSize returns the session's context window in tokens.
func (s *Session) ContextSize() int { return s.s.ContextSize() }

// Tokens returns a copy of the ids of the tokens in the KV cache: the last
// prompt and the answer generated after it (but for the answer's last
// token, which the model has not read yet). To continue exactly where the
// session stopped, pass append(s.Tokens(), more...) to GenerateTokens.
func (s *Session) Tokens() []int32 { return append([]int32(nil), s.s.Tokens()...) }

// Reset empties the KV cache, starting a new conversation.
func (s *Session) Reset() { s.s.Reset() }

// Close releases the session's worker threads.
func (s *Session) Close() { s.s.Close() }

// Engine returns the underlying engine session.
func (s *Session) Engine() *model.Session { return s.s }

// Generate streams the model's continuation of prompt, the whole text the
// model sees, reusing the prefix of it already in the KV cache (see
// Session). The prompt gets the BOS token when the model asks for one;
// control tokens written in it are recognized.
func (s *Session) Generate(ctx context.Context, prompt string, opts GenerateOptions) iter.Seq2[Token, error] {
	return s.GenerateTokens(ctx, s.m.Tokenize(prompt, true), opts)
}

// GenerateTokens is Generate for a prompt given as token ids, used exactly
// as given.
func (s *Session) GenerateTokens(ctx context.Context, prompt []int32, opts GenerateOptions) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		s.stats = Stats{PromptTokens: len(prompt)}
		err := s.generate(ctx, prompt, opts, yield)
		if err != nil {
			s.stats.StopReason = StopError
			yield(Token{ID: -1}, err)
		}
	}
}

func (s *Session) generate(ctx context.Context, prompt []int32, opts GenerateOptions, yield func(Token, error) bool) error {
	if len(prompt) == 0 {
		return errors.New("gollm: empty prompt")
	}
	if opts.MaxTokens < 0 {
		return fmt.Errorf("gollm: MaxTokens %d is negative", opts.MaxTokens)
	}
	if opts.TopLogProbs < 0 || opts.TopLogProbs > MaxTopLogProbs {
		return fmt.Errorf("gollm: TopLogProbs %d is outside 0..%d", opts.TopLogProbs, MaxTopLogProbs)
	}
	if len(prompt) > s.s.ContextSize() {
		return fmt.Errorf("gollm: the prompt of %d tokens does not fit the context of %d (%w)", len(prompt), s.s.ContextSize(), ErrContextFull)
	}
	gm, err := s.constraint(opts)
	if err != nil {
		return err
	}
	tk := s.m.m.Tokenizer
	so := opts.Sampling
	if so.TopP == 0 {
		so.TopP = 1
	}
	if so.RepeatPenalty == 0 {
		so.RepeatPenalty = 1
	}
	smp, err := sampler.New(so, tk.VocabSize())
	if err != nil {
		return fmt.Errorf("gollm: %w", err)
	}
	for _, id := range prompt {
		smp.Accept(id)
	}
	start := time.Now()
	logits, err := s.prefill(prompt, opts.PromptSurprise)
	if err != nil {
		return fmt.Errorf("gollm: %w", err)
	}
	s.stats.PromptTime = time.Since(start)
	if opts.OnPrefill != nil && !opts.OnPrefill(s.stats) {
		s.stats.StopReason = StopCancelled
		return nil
	}

	var conf sampler.Confidence
	dec := tk.NewStreamDecoder()
	stop := sampler.NewStopMatcher(opts.Stop...)
	var firstAt time.Time
	finish := func(reason StopReason) {
		s.stats.StopReason = reason
		s.stats.Confidence = conf.Score()
		s.stats.MinTokenProb = conf.MinProb()
		if !firstAt.IsZero() {
			s.stats.GenerateTime = time.Since(firstAt)
		}
	}
	for {
		if ctx.Err() != nil {
			finish(StopCancelled)
			return nil
		}
		if gm != nil && gm.Done() {
			finish(StopEOG)
			s.flush(dec, stop, yield)
			return nil
		}
		id, err := nextToken(smp, logits, gm)
		if err != nil {
			return err
		}
		tok := Token{ID: id}
		conf.AddLogProb(logProbs(logits, &tok, opts))
		if firstAt.IsZero() {
			firstAt = time.Now()
			s.stats.TimeToFirstToken = firstAt.Sub(start)
		}
		if tk.IsEOG(id) || slices.Contains(opts.stopTokens, id) {
			finish(StopEOG)
			s.flush(dec, stop, yield)
			return nil
		}
		smp.Accept(id)
		if gm != nil {
			if err := gm.Accept(id); err != nil {
				return fmt.Errorf("gollm: %w", err)
			}
		}
		s.stats.GeneratedTokens++
		text, stopped := stop.Push(dec.Write(id))
		tok.Text = text
		if !yield(tok, nil) {
			finish(StopCancelled)
			return nil
		}
		if stopped {
			finish(StopString)
			return nil
		}
		if opts.MaxTokens > 0 && s.stats.GeneratedTokens >= opts.MaxTokens {
			finish(StopMaxTokens)
			s.flush(dec, stop, yield)
			return nil
		}
		if s.s.Pos() >= s.s.ContextSize() {
			finish(StopContextFull)
			s.flush(dec, stop, yield)
			return nil
		}
		if logits, err = s.s.Decode(id); err != nil {
			return fmt.Errorf("gollm: %w", err)
		}
	}
}

// logProbs returns the log-probability of tok.ID under logits and, when
// opts ask for them, records it and the most likely tokens in tok. Without
// TopLogProbs it costs what the confidence score always costs and
// allocates nothing.
func logProbs(logits []float32, tok *Token, opts GenerateOptions) float64 {
	if !opts.LogProbs {
		return sampler.TokenLogProb(logits, tok.ID)
	}
	lse := sampler.LogSumExp(logits)
	tok.LogProb = float64(logits[tok.ID]) - lse
	if opts.TopLogProbs > 0 {
		var ids [MaxTopLogProbs]int32
		top := sampler.TopTokens(logits, ids[:opts.TopLogProbs])
		tok.TopLogProbs = make([]TokenLogProb, len(top))
		for i, id := range top {
			tok.TopLogProbs[i] = TokenLogProb{ID: id, LogProb: float64(logits[id]) - lse}
		}
	}
	return tok.LogProb
}

// prefill brings the KV cache to hold prompt and returns the logits of its
// last token: it keeps the longest common prefix of the cache and the
// prompt (at most all but the prompt's last token, which must run to give
// logits) and prefills the rest, measuring its surprise when asked to.
func (s *Session) prefill(prompt []int32, surprise bool) ([]float32, error) {
	keep := min(commonPrefix(s.s.Tokens(), prompt), len(prompt)-1)
	keep = s.s.Truncate(keep)
	s.stats.CachedTokens = keep
	rest := prompt[keep:]
	if !surprise || len(rest) < 2 {
		return s.s.Prefill(rest)
	}
	lps := make([]float32, len(rest)-1)
	logits, err := s.s.PrefillLogProbs(rest, lps)
	if err != nil {
		return nil, err
	}
	var sum float64
	for _, lp := range lps {
		sum -= float64(lp)
	}
	s.stats.PromptSurprise, s.stats.SurpriseTokens = sum/float64(len(lps)), len(lps)
	return logits, nil
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b []int32) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// flush releases text still held by the stream decoder or the stop matcher.
func (s *Session) flush(dec interface{ Flush() string }, stop *sampler.StopMatcher, yield func(Token, error) bool) {
	text, stopped := stop.Push(dec.Flush())
	if !stopped {
		text += stop.Flush()
	}
	if text != "" {
		yield(Token{ID: -1, Text: text}, nil)
	}
}

// Save writes the session's state (its tokens and KV cache) to the file at
// path, atomically: to a temporary file beside it, renamed over path once
// complete, so that path never holds a half-written state. The file holds
// the model's identity and sizes; Load checks them.
func (s *Session) Save(path string) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return fmt.Errorf("gollm: %w", err)
	}
	err = s.s.Save(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("gollm: %w", err)
	}
	return nil
}

// Load replaces the session's state with the one saved at path by Save, for
// the same model, sizes and KV cache type, fitting the session's context. A
// mismatched (model.ErrStateMismatch), truncated or corrupted file is an
// error that leaves the session empty.
func (s *Session) Load(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("gollm: %w", err)
	}
	defer f.Close()
	if err := s.s.Load(f); err != nil {
		return fmt.Errorf("gollm: %s: %w", path, err)
	}
	return nil
}
