package fallback

import (
	"context"
	"errors"
	"io"
	"iter"
	"strings"

	"github.com/gollm/gollm"
)

// Sink receives an answer as it is produced: the local model's tokens,
// then, if the remote takes over, the handover and the remote's pieces.
// Each method returns false when the client has gone away.
type Sink interface {
	// Local receives a local token with its text (which may be empty
	// while the text is held back; ID -1 for text released at the end).
	Local(tok gollm.Token) bool
	// Handover is called once the remote's answer has started, before
	// its first piece; d.LocalTokens says how many local tokens came
	// before and d.Mode whether the remote's answer replaces them or
	// continues them.
	Handover(d Decision) bool
	// Remote receives a piece of the remote's answer.
	Remote(text string) bool
}

// Job is one request to answer.
type Job struct {
	// Prompt is the whole prompt as tokens (a session reuses the prefix
	// its cache holds), Context the local context size.
	Prompt  []int32
	Context int
	// Options are the local generation's; Options.MaxTokens is the
	// answer's requested length for the policy too.
	Options gollm.GenerateOptions
	// Request is the same request for the remote.
	Request Request
	// LocalOnly, when set, says why the request must be answered locally
	// (such as a grammar the remote would not enforce): the rules are
	// still applied and reported, but nothing is sent.
	LocalOnly string
	// Generate runs the local model: nil is Session.GenerateTokens. A
	// caller that generates otherwise (a chat prompt's turn-ending stops
	// and forced tool calls, gollm.Session.GenerateChat) sets it; prompt
	// is Prompt, or Prompt followed by the answer so far when the local
	// model resumes.
	Generate func(ss *gollm.Session, ctx context.Context, prompt []int32, opts gollm.GenerateOptions) iter.Seq2[gollm.Token, error]
	// Session lends the session to generate with and the function that
	// gives it back. It is called only when the local model runs (not
	// when the remote answers from the start), and the session is given
	// back before the remote is called, so that a server's slot is not
	// held while the remote answers.
	Session func(ctx context.Context) (*gollm.Session, func(), error)
}

// Result is a request's answer.
type Result struct {
	// Decision is where it was answered and why.
	Decision Decision
	// Local is the local model's part (zero when it did not run).
	Local Local
	// Remote is the remote's answer, nil when it did not answer.
	Remote *Response
}

// Text returns the answer: the local text, the remote's in place of it
// (ModeReplace), or the local text followed by the remote's (ModeContinue).
func (r Result) Text() string {
	switch {
	case r.Remote == nil:
		return r.Local.Text
	case r.Decision.Mode == ModeContinue:
		return r.Local.Text + r.Remote.Text
	}
	return r.Remote.Text
}

// NoFitError reports a prompt that does not fit the local context and that
// the remote did not answer (none is configured, it may not be asked, or it
// failed: Decision says which).
type NoFitError struct {
	Decision Decision
}

func (e *NoFitError) Error() string { return e.Decision.Reason }

// Answer answers a job as the router's policy says, delivering the answer
// to sink as it is produced: the remote answers from the start when a rule
// sends the request there before generation; else the local model runs
// and may hand over to the remote after the prefill (the prompt's
// surprise), while the answer streams (early exit) or when it ends (its
// confidence); when the remote then fails, the local model resumes where
// it stopped. A prompt that does not fit the local context and is not
// answered remotely is a *NoFitError. When the client goes away, Answer
// returns with Decision.Rule RuleCancelled.
func (r *Router) Answer(ctx context.Context, job Job, sink Sink) (Result, error) {
	rt := r.Start(Prompt{Tokens: len(job.Prompt), Context: job.Context, MaxTokens: job.Options.MaxTokens})
	rt.localOnly = job.LocalOnly
	var res Result
	if rt.Before().Source == SourceFallback {
		resp, gone := rt.Ask(ctx, job.Request, Local{}, sink)
		if resp != nil || gone {
			res.Remote = resp
			res.Decision = rt.Report()
			return res, nil
		}
	}
	if !rt.Fits() {
		res.Decision = rt.Report()
		return res, &NoFitError{Decision: res.Decision}
	}
	loc, err := rt.generate(ctx, job, job.Prompt, job.Options, sink)
	if err == nil && loc.Handover && !loc.Gone {
		var gone bool
		res.Remote, gone = rt.Ask(ctx, job.Request, loc, sink)
		if res.Remote == nil && !gone && !loc.Complete {
			loc, err = rt.resume(ctx, job, loc, sink)
		}
	}
	res.Local = loc
	res.Decision = rt.Report()
	return res, err
}

// Local is the local model's part of an answer.
type Local struct {
	// Text is the text delivered to the sink, Tokens the tokens
	// generated (the last one's text may still be held back when the
	// generation stopped early).
	Text   string
	Tokens []int32
	// Stats are the local generation's (both parts', when it resumed
	// after a failed handover).
	Stats gollm.Stats
	// Handover is set when a rule sent the request to the remote after
	// the prefill, while the answer streamed or when it ended.
	Handover bool
	// Complete is set when the local answer ended by itself (an end of
	// generation, a stop string, its length or a full context), not by
	// an early exit.
	Complete bool
	// Gone is set when the client went away.
	Gone bool
}

// generate runs the local model on prompt, delivering its tokens to sink,
// until the answer ends or a rule sends the request to the remote.
func (rt *Route) generate(ctx context.Context, job Job, prompt []int32, opts gollm.GenerateOptions, sink Sink) (Local, error) {
	ss, release, err := job.Session(ctx)
	if err != nil {
		return Local{}, err
	}
	defer release()
	opts.LogProbs = true // the running confidence reads each token's
	opts.PromptSurprise = rt.NeedsSurprise()
	routed := false // the prompt's surprise sent the request away
	if opts.PromptSurprise {
		opts.OnPrefill = func(st gollm.Stats) bool {
			routed = rt.Prefilled(st.PromptSurprise, st.SurpriseTokens).Source == SourceFallback
			return !routed
		}
	}
	var loc Local
	var text strings.Builder
	exited := false
	gen := job.Generate
	if gen == nil {
		gen = (*gollm.Session).GenerateTokens
	}
	for tok, err := range gen(ss, ctx, prompt, opts) {
		if err != nil {
			return loc, err
		}
		text.WriteString(tok.Text)
		if tok.ID >= 0 {
			loc.Tokens = append(loc.Tokens, tok.ID)
		}
		if !sink.Local(tok) {
			loc.Gone = true
			break
		}
		if tok.ID >= 0 && rt.Token(tok.LogProb) {
			exited = true
			break
		}
	}
	loc.Text, loc.Stats = text.String(), ss.Stats()
	switch {
	case loc.Gone || ctx.Err() != nil:
		loc.Gone = true
		rt.Cancelled()
	case routed || exited:
		loc.Handover = true
		// An exit on the last token the answer could have had leaves
		// nothing to resume.
		n := len(loc.Tokens)
		loc.Complete = exited && ((opts.MaxTokens > 0 && n >= opts.MaxTokens) || len(prompt)+n >= ss.ContextSize())
	default:
		loc.Complete = true
		loc.Handover = rt.Finished(loc.Stats.Confidence).Source == SourceFallback
	}
	return loc, nil
}

// resume continues a local answer that stopped for a remote that then
// failed: the answer so far is in the session's cache, so only its last
// token is prefilled. No rule is applied again.
func (rt *Route) resume(ctx context.Context, job Job, loc Local, sink Sink) (Local, error) {
	opts := job.Options
	if opts.MaxTokens > 0 {
		opts.MaxTokens -= len(loc.Tokens)
	}
	prompt := append(job.Prompt[:len(job.Prompt):len(job.Prompt)], loc.Tokens...)
	more, err := rt.generate(ctx, job, prompt, opts, sink)
	more.Text = loc.Text + more.Text
	more.Tokens = append(loc.Tokens, more.Tokens...)
	st := &more.Stats
	st.PromptTokens, st.CachedTokens = loc.Stats.PromptTokens, loc.Stats.CachedTokens
	st.PromptTime, st.TimeToFirstToken = loc.Stats.PromptTime, loc.Stats.TimeToFirstToken
	st.PromptSurprise, st.SurpriseTokens = loc.Stats.PromptSurprise, loc.Stats.SurpriseTokens
	st.GeneratedTokens += loc.Stats.GeneratedTokens
	st.GenerateTime += loc.Stats.GenerateTime
	more.Handover = false
	return more, err
}

// Ask asks the remote for the answer the decision sent there (continuing
// loc's text in ModeContinue) and streams it to sink. It returns the
// remote's answer, or nil when the remote failed before answering (the
// decision then turns local: the caller answers locally) or the client
// went away (gone). An answer that breaks off after it started is kept as
// far as it came, with the error in the decision.
func (rt *Route) Ask(ctx context.Context, req Request, loc Local, sink Sink) (resp *Response, gone bool) {
	if rt.d.Mode == ModeContinue && len(loc.Tokens) > 0 {
		req = req.Continuing(loc.Text, len(loc.Tokens))
	}
	st, err := rt.Open(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			rt.Cancelled()
			return nil, true
		}
		return nil, false
	}
	defer st.Close()
	if !sink.Handover(rt.Decision()) {
		rt.Cancelled()
		return nil, true
	}
	for {
		piece, err := st.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				rt.Cancelled()
				return nil, true
			}
			rt.StreamFailed(err)
			break
		}
		if !sink.Remote(piece) {
			rt.Cancelled()
			return nil, true
		}
	}
	r := st.Response()
	return &r, false
}
