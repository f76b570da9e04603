// Package fallback routes a request between the local model and a remote
// OpenAI-compatible endpoint (llama-server, vLLM, ollama, a hosted API),
// as a Policy says: before generation, from cheap signals (the prompt's
// length against the local context, the answer's requested length, the
// model's surprise at the prompt, the battery); while the local answer
// streams, from its running confidence (early exit); and never when the
// remote is down (a circuit breaker), slow, unreachable (no network) or
// forbidden (private mode).
//
// Nothing leaves the machine unless a Router is given a Remote and is not
// private.
//
// A request is routed by a Route, from Router.Start:
//
//	rt := router.Start(fallback.Prompt{Tokens: len(ids), Context: nCtx, MaxTokens: maxTokens})
//	d := rt.Before()                  // local, or fallback right away
//	// ...with rt.NeedsSurprise(), measure the prompt's surprise in the
//	// prefill and call rt.Prefilled; then, for each generated token:
//	if rt.Token(tok.LogProb) { /* stop: the remote takes over */ }
//	d = rt.Finished()                 // judge a finished local answer
//	if d.Source == fallback.SourceFallback {
//		st, err := rt.Open(ctx, req)  // on error the decision turns local
//		...
//	}
//	rt.Report(...)                    // counts the decision in the metrics
package fallback

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"time"
)

// getenv is os.Getenv; the API key is read through it.
var getenv = os.Getenv

// APIKeyEnv names the environment variable holding the remote endpoint's
// API key, sent as "Authorization: Bearer <key>" when set.
const APIKeyEnv = "GOLLM_FALLBACK_API_KEY"

// Router applies a policy to requests. It keeps the remote's health (its
// latency and the circuit breaker) across requests and is safe for
// concurrent use. A nil *Router routes everything locally.
type Router struct {
	policy  Policy
	remote  *Remote
	private bool
	health  *health
	metrics *metrics
}

// NewRouter returns a router applying p; remote nil means no remote, and
// private forbids sending anything (the policy then only answers locally
// or refuses).
func NewRouter(p Policy, remote *Remote, private bool) *Router {
	return &Router{policy: p, remote: remote, private: private,
		health: &health{rule: p.Remote.Breaker}, metrics: newMetrics()}
}

// Policy returns the router's policy.
func (r *Router) Policy() Policy {
	if r == nil {
		return DefaultPolicy()
	}
	return r.policy
}

// Remote returns the remote, nil when there is none.
func (r *Router) Remote() *Remote {
	if r == nil {
		return nil
	}
	return r.remote
}

// Describe says in one line where requests may go, for a server's or a
// command's start-up message.
func (r *Router) Describe() string {
	switch {
	case r.Remote() == nil:
		return "no fallback: nothing leaves this machine"
	case r.Private():
		return "private: nothing leaves this machine (the fallback is never asked)"
	}
	return fmt.Sprintf("fallback: %s when %s", r.remote.URL, r.policy.describe())
}

// Private reports whether nothing may be sent.
func (r *Router) Private() bool { return r != nil && r.private }

// Enabled reports whether a request may go to the remote: one is
// configured and the router is not private.
func (r *Router) Enabled() bool { return r != nil && r.remote != nil && !r.private }

// Source says which side produces an answer.
type Source string

// The sources of an answer.
const (
	SourceLocal    Source = "local"
	SourceFallback Source = "fallback"
)

// Rule names the rule behind a decision (a label of the metrics).
type Rule string

// The rules. The first group sends a request to the remote; the second
// keeps it local.
const (
	RuleContext        Rule = "context"         // the prompt does not fit the local context
	RulePromptTokens   Rule = "prompt_tokens"   // prompt.max_tokens
	RuleContextShare   Rule = "context_share"   // prompt.max_context_fraction
	RuleAnswerTokens   Rule = "answer_tokens"   // prompt.max_answer_tokens
	RuleBattery        Rule = "battery"         // device.battery_below
	RulePromptSurprise Rule = "prompt_surprise" // prompt.max_surprise
	RuleConfidence     Rule = "confidence"      // confidence.min

	RuleConfident    Rule = "confident"     // the local answer is confident enough
	RuleNoRemote     Rule = "no_remote"     // no remote is configured
	RulePrivate      Rule = "private"       // private mode: nothing is sent
	RuleRemoteDown   Rule = "remote_down"   // circuit breaker open, or no network
	RuleRemoteSlow   Rule = "remote_slow"   // remote.max_latency
	RuleRemoteFailed Rule = "remote_failed" // the remote was asked and failed
	RuleLocalOnly    Rule = "local_only"    // the request must be answered locally (Job.LocalOnly)
	RuleCancelled    Rule = "cancelled"     // the client went away
)

// Stage says when a decision was taken.
type Stage string

// The stages of a decision.
const (
	StageBefore  Stage = "before"  // before generation, from cheap signals
	StagePrefill Stage = "prefill" // after the prefill, from the prompt's surprise
	StageEarly   Stage = "early"   // while the answer streamed (early exit)
	StageFinal   Stage = "final"   // when the local answer ended
)

// Decision is where a request is answered, and why.
type Decision struct {
	Source Source `json:"source"`
	Rule   Rule   `json:"rule"`
	Stage  Stage  `json:"stage"`
	// Reason says why in words, such as "local confidence 0.42 < 0.70
	// after 16 tokens".
	Reason string `json:"reason"`
	// Mode is what the remote did with the local tokens (when it took
	// over after some).
	Mode Mode `json:"mode,omitempty"`
	// LocalTokens counts the tokens generated locally before the
	// decision (all of them when the answer stayed local).
	LocalTokens int     `json:"local_tokens"`
	Signals     Signals `json:"signals"`
	// Error is the remote's failure, when it was asked and failed.
	Error string `json:"error,omitempty"`
}

// String describes the decision in one line, such as "fallback: local
// confidence 0.42 < 0.70 after 16 tokens (early, 16 local tokens,
// replace)", followed by the remote's error if it failed.
func (d Decision) String() string {
	s := fmt.Sprintf("%s: %s (%s, %d local tokens", d.Source, d.Reason, d.Stage, d.LocalTokens)
	if d.Mode != "" {
		s += ", " + string(d.Mode)
	}
	s += ")"
	if d.Error != "" {
		s += "; " + d.Error
	}
	return s
}

// Signals are what a decision was based on; a signal that was not
// measured is left out.
type Signals struct {
	PromptTokens int `json:"prompt_tokens"`
	ContextSize  int `json:"context_size"`
	MaxTokens    int `json:"max_tokens,omitempty"`
	// PromptSurprise is the mean negative log-likelihood of the prompt's
	// SurpriseTokens tokens, in nats per token.
	PromptSurprise *float64 `json:"prompt_surprise,omitempty"`
	SurpriseTokens int      `json:"prompt_surprise_tokens,omitempty"`
	// Confidence is the running confidence the rule compares, mixed from
	// WindowConfidence (the last tokens) and AnswerConfidence (all).
	Confidence       *float64 `json:"confidence,omitempty"`
	WindowConfidence *float64 `json:"window_confidence,omitempty"`
	AnswerConfidence *float64 `json:"answer_confidence,omitempty"`
	BatteryPercent   *float64 `json:"battery_percent,omitempty"`
	OnAC             *bool    `json:"on_ac,omitempty"`
	NetworkUp        *bool    `json:"network_up,omitempty"`
	// RemoteLatencyMs is the remote's moving-average latency to the first
	// piece of an answer; RemoteFailures its failures in the breaker's
	// window; BreakerOpen whether it is not being called.
	RemoteLatencyMs *float64 `json:"remote_latency_ms,omitempty"`
	RemoteFailures  *int     `json:"remote_failures,omitempty"`
	BreakerOpen     *bool    `json:"breaker_open,omitempty"`
	Private         bool     `json:"private,omitempty"`
}

// Prompt describes a request before generation.
type Prompt struct {
	Tokens    int // the prompt's length in tokens
	Context   int // the local context size in tokens
	MaxTokens int // the answer's requested length, 0 for unbounded
}

// Route routes one request. Its methods are called in the order of the
// request's life (Before, Prefilled, Token..., Finished, Open, Report),
// from one goroutine.
type Route struct {
	r      *Router
	p      Policy
	prompt Prompt
	d      Decision
	conf   *running
	// localOnly says why the request must stay local ("" if it need not).
	localOnly string
	// considered is set once a rule sent the request towards the remote:
	// whether it went or not, the remote is not considered again.
	considered bool
}

// Start begins routing a request. A nil Router gives a route that keeps
// everything local.
func (r *Router) Start(p Prompt) *Route {
	pol := r.Policy()
	rt := &Route{r: r, p: pol, prompt: p, conf: newRunning(pol.Confidence)}
	rt.d = Decision{Source: SourceLocal, Rule: RuleConfident, Stage: StageBefore, Reason: "no rule sent it elsewhere",
		Signals: Signals{PromptTokens: p.Tokens, ContextSize: p.Context, MaxTokens: p.MaxTokens, Private: r.Private()}}
	return rt
}

// Decision returns the current decision.
func (rt *Route) Decision() Decision {
	d := rt.d
	d.LocalTokens = rt.conf.n
	return d
}

// Fits reports whether the prompt fits the local context.
func (rt *Route) Fits() bool { return rt.prompt.Tokens <= rt.prompt.Context }

// Before decides from the signals that cost nothing: the prompt's length
// against the local context, the answer's requested length and the
// battery. A prompt that does not fit stays local only when the remote
// cannot be asked: the caller then refuses it (Fits).
func (rt *Route) Before() Decision {
	p, pr := rt.prompt, rt.p.Prompt
	switch {
	case p.Tokens > p.Context:
		rt.toward(RuleContext, StageBefore, fmt.Sprintf("prompt of %d tokens does not fit the local context of %d", p.Tokens, p.Context))
	case pr.MaxTokens > 0 && p.Tokens > pr.MaxTokens:
		rt.toward(RulePromptTokens, StageBefore, fmt.Sprintf("prompt of %d tokens > %d", p.Tokens, pr.MaxTokens))
	case pr.MaxContextFraction > 0 && float64(p.Tokens+p.MaxTokens) > pr.MaxContextFraction*float64(p.Context):
		rt.toward(RuleContextShare, StageBefore, fmt.Sprintf("prompt and answer of %d tokens > %.2f of the local context of %d",
			p.Tokens+p.MaxTokens, pr.MaxContextFraction, p.Context))
	case pr.MaxAnswerTokens > 0 && (p.MaxTokens == 0 || p.MaxTokens > pr.MaxAnswerTokens):
		asked := "unbounded"
		if p.MaxTokens > 0 {
			asked = fmt.Sprint(p.MaxTokens)
		}
		rt.toward(RuleAnswerTokens, StageBefore, fmt.Sprintf("answer of %s tokens asked > %d", asked, pr.MaxAnswerTokens))
	case rt.p.Device.BatteryBelow > 0 && rt.r.Enabled():
		pw := readPower(orDefault(rt.p.Device.PowerSupply, DefaultPowerSupply))
		if pw.HasBattery {
			rt.d.Signals.BatteryPercent, rt.d.Signals.OnAC = ptr(pw.Battery), ptr(pw.OnAC)
		}
		if pw.HasBattery && !pw.OnAC && pw.Battery < rt.p.Device.BatteryBelow {
			rt.toward(RuleBattery, StageBefore, fmt.Sprintf("on battery at %.0f%% < %.0f%%", pw.Battery, rt.p.Device.BatteryBelow))
		}
	}
	return rt.Decision()
}

// NeedsSurprise reports whether the prompt's surprise is worth measuring:
// a rule uses it, the remote may be asked and no rule has decided yet.
func (rt *Route) NeedsSurprise() bool {
	return rt.p.Prompt.MaxSurprise > 0 && rt.r.Enabled() && rt.localOnly == "" && !rt.considered
}

// Prefilled decides from the prompt's surprise, the mean negative
// log-likelihood (nats per token) of the n prompt tokens the prefill
// scored; n 0 means none could be (the whole prompt was cached).
func (rt *Route) Prefilled(surprise float64, n int) Decision {
	if n == 0 {
		return rt.Decision()
	}
	rt.d.Signals.PromptSurprise, rt.d.Signals.SurpriseTokens = ptr(round4(surprise)), n
	if max := rt.p.Prompt.MaxSurprise; max > 0 && surprise > max {
		rt.toward(RulePromptSurprise, StagePrefill, fmt.Sprintf("prompt surprise %.2f > %.2f nats per token", surprise, max))
	}
	return rt.Decision()
}

// Token records a generated token's natural-log probability and reports
// whether local generation should stop because the remote takes over
// (early exit: the running confidence fell below the threshold after the
// minimum number of tokens, and the remote may be asked).
func (rt *Route) Token(logProb float64) bool {
	rt.conf.add(logProb)
	c := rt.p.Confidence
	if rt.considered || !c.EarlyExit || c.Min == 0 || rt.conf.n < c.MinTokens || !rt.r.Enabled() || rt.localOnly != "" {
		return false
	}
	if rt.conf.score() >= c.Min {
		return false
	}
	rt.judge(StageEarly, rt.conf.score())
	return rt.d.Source == SourceFallback
}

// Finished judges a local answer that ended (whatever its length) by the
// confidence of the whole answer (gollm.Stats.Confidence, which counts its
// end-of-generation token too), unless an earlier rule already decided.
func (rt *Route) Finished(answerConfidence float64) Decision {
	if !rt.considered && rt.p.Confidence.Min > 0 {
		rt.judge(StageFinal, answerConfidence)
	}
	return rt.Decision()
}

// judge compares a confidence score with the threshold.
func (rt *Route) judge(stage Stage, score float64) {
	c := rt.p.Confidence
	s := &rt.d.Signals
	s.Confidence, s.WindowConfidence, s.AnswerConfidence = ptr(round4(score)), ptr(round4(rt.conf.window())), ptr(round4(rt.conf.whole()))
	if stage == StageFinal {
		s.AnswerConfidence = s.Confidence
	}
	if score < c.Min {
		rt.toward(RuleConfidence, stage, fmt.Sprintf("local confidence %.2f < %.2f after %d tokens", score, c.Min, rt.conf.n))
		return
	}
	rt.d.Rule, rt.d.Stage = RuleConfident, stage
	rt.d.Reason = fmt.Sprintf("local confidence %.2f >= %.2f after %d tokens", score, c.Min, rt.conf.n)
}

// toward records that a rule sends the request to the remote: it goes
// there unless the remote cannot be asked (none, private, down, slow or no
// network), and then it stays local, saying both why it would have gone
// and why it did not.
func (rt *Route) toward(rule Rule, stage Stage, why string) {
	rt.considered = true
	rt.d.Rule, rt.d.Stage, rt.d.Reason = rule, stage, why
	if blocked, reason := rt.blocked(); blocked != "" {
		rt.d.Source, rt.d.Rule = SourceLocal, blocked
		rt.d.Reason = why + ", but " + reason
		return
	}
	rt.d.Source = SourceFallback
	if rt.conf.n > 0 {
		rt.d.Mode = rt.p.Mode
	}
}

// blocked returns why the remote cannot be asked now ("" if it can),
// recording the signals it read.
func (rt *Route) blocked() (Rule, string) {
	r := rt.r
	switch {
	case r == nil || r.remote == nil:
		return RuleNoRemote, "no fallback is configured"
	case r.private:
		return RulePrivate, "private mode: nothing leaves this machine"
	case rt.localOnly != "":
		return RuleLocalOnly, rt.localOnly
	}
	now := time.Now()
	st := r.health.state(now)
	s := &rt.d.Signals
	s.BreakerOpen, s.RemoteFailures = ptr(st.open), ptr(st.failures)
	if st.latency > 0 {
		s.RemoteLatencyMs = ptr(float64(st.latency.Microseconds()) / 1000)
	}
	if st.open {
		return RuleRemoteDown, st.describe(now)
	}
	if !r.remote.local() {
		if up, known := networkUp(orDefault(rt.p.Device.Net, DefaultNet)); known {
			s.NetworkUp = ptr(up)
			if !up {
				return RuleRemoteDown, "the network is down"
			}
		}
	}
	if ml := time.Duration(rt.p.Remote.MaxLatency); ml > 0 && st.latency > ml {
		return RuleRemoteSlow, fmt.Sprintf("the remote is slow (%s > %s)", st.latency.Round(time.Millisecond), ml)
	}
	return "", ""
}

// Open asks the remote for the answer the decision sent there and returns
// its stream once the answer has started. When the remote fails, the
// decision turns local (RuleRemoteFailed, with the error) and the caller
// answers locally: it never waits longer than the remote's timeout.
func (rt *Route) Open(ctx context.Context, req Request) (*Stream, error) {
	h := rt.r.health
	st, err := rt.r.remote.Open(ctx, req)
	if err != nil {
		if ctx.Err() == nil {
			var retry time.Time
			var re *RemoteError
			if errors.As(err, &re) {
				retry = re.RetryAfter
			}
			h.failure(time.Now(), err, retry)
			rt.r.metrics.remoteCall("failed", 0)
		}
		rt.d.Source, rt.d.Rule, rt.d.Mode = SourceLocal, RuleRemoteFailed, ""
		rt.d.Reason += ", but the remote failed"
		rt.d.Error = err.Error()
		return nil, err
	}
	lat := st.Response().Latency
	h.success(lat)
	rt.r.metrics.remoteCall("ok", lat)
	return st, nil
}

// StreamFailed records that the remote's answer broke off after it had
// started.
func (rt *Route) StreamFailed(err error) {
	rt.d.Error = err.Error()
	rt.r.health.failure(time.Now(), err, time.Time{})
}

// Cancelled records that the client went away before an answer.
func (rt *Route) Cancelled() {
	rt.d.Source, rt.d.Rule, rt.d.Reason = SourceLocal, RuleCancelled, "the client went away"
}

// Report returns the final decision and counts it in the metrics.
func (rt *Route) Report() Decision {
	d := rt.Decision()
	if rt.r != nil {
		rt.r.metrics.decision(d)
	}
	return d
}

func ptr[T any](v T) *T { return &v }

// round4 rounds to 4 decimals, for reporting.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
