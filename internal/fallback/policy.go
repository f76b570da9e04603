package fallback

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Policy holds the thresholds and weights that decide where a request is
// answered. The zero value of each rule turns it off; DefaultPolicy
// reproduces how gollm routed before policies existed: a remote answer
// when the local answer's confidence is below 0.7 or the prompt does not
// fit the local context, nothing else. A policy is read from a JSON or YAML
// file by LoadPolicy; every field has the same name in both.
type Policy struct {
	// Confidence is the rule that judges the local answer as it streams.
	Confidence ConfidenceRule `json:"confidence"`
	// Mode says what the remote does with the local tokens already
	// streamed when it takes over: ModeReplace (the default) or
	// ModeContinue.
	Mode Mode `json:"mode"`
	// Prompt holds the rules decided before generation from the prompt.
	Prompt PromptRules `json:"prompt"`
	// Device holds the rules that follow the device's power and network.
	Device DeviceRules `json:"device"`
	// Remote says how the remote is called and when it is avoided.
	Remote RemoteRules `json:"remote"`
}

// ConfidenceRule sends a request to the remote when the local answer's
// running confidence falls below Min. The running confidence is
// WindowWeight × (the geometric mean probability of the last Window
// tokens) + (1 − WindowWeight) × (that of the whole answer so far). It is
// checked after every token once MinTokens tokens are generated (early
// exit: local generation stops there), and once more when the answer ends,
// however short.
type ConfidenceRule struct {
	// Min is the threshold in [0, 1]; 0 turns the rule off.
	Min float64 `json:"min"`
	// MinTokens is how many tokens are generated before an early exit
	// may happen.
	MinTokens int `json:"min_tokens"`
	// Window is the number of recent tokens of the sliding window.
	Window int `json:"window"`
	// WindowWeight in [0, 1] weighs the window against the whole answer.
	WindowWeight float64 `json:"window_weight"`
	// EarlyExit false judges only the finished answer (local generation
	// always runs to its end, as before policies existed).
	EarlyExit bool `json:"early_exit"`
}

// PromptRules route a request before anything is generated. Each rule is
// off at 0.
type PromptRules struct {
	// MaxSurprise is a limit on the model's surprise at the prompt: the
	// mean negative log-likelihood of the prompt's tokens in nats per
	// token, from the logits the prefill computes. A prompt above it goes
	// to the remote before the first token. Measuring it costs the
	// output matrix on every prompt token instead of the last; it is only
	// measured when this rule is on.
	MaxSurprise float64 `json:"max_surprise"`
	// MaxTokens sends prompts of more tokens to the remote. (A prompt
	// that does not fit the local context always goes there.)
	MaxTokens int `json:"max_tokens"`
	// MaxContextFraction sends a request to the remote when its prompt
	// plus the answer it asks for (max_tokens) take more than this
	// fraction of the local context, in (0, 1].
	MaxContextFraction float64 `json:"max_context_fraction"`
	// MaxAnswerTokens sends requests asking for a longer answer
	// (max_tokens) to the remote.
	MaxAnswerTokens int `json:"max_answer_tokens"`
}

// DeviceRules follow the device's state.
type DeviceRules struct {
	// BatteryBelow, in percent, prefers the remote while the device runs
	// on a battery charged below it (and not on AC power); 0 turns it off.
	BatteryBelow float64 `json:"battery_below"`
	// PowerSupply is the sysfs directory of power supplies
	// ("/sys/class/power_supply" when empty).
	PowerSupply string `json:"power_supply"`
	// Net is the sysfs directory of network interfaces
	// ("/sys/class/net" when empty); when no interface but loopback is up
	// and the remote is not on this machine, the remote is not tried.
	Net string `json:"net"`
}

// RemoteRules say how the remote is called, and when it is avoided.
type RemoteRules struct {
	// Timeout bounds the wait for the remote to start answering, retries
	// included, and the silence between two pieces of its answer. The
	// local path never waits longer than this for the remote.
	Timeout Duration `json:"timeout"`
	// Retries is how many times a failed call is tried again (connection
	// errors, 408, 429, 5xx but 501), with exponential backoff or the
	// remote's Retry-After, within Timeout.
	Retries int `json:"retries"`
	// MaxLatency keeps requests local while the remote's measured
	// latency (to the first piece of its answer, a moving average) is
	// above it; 0 turns the rule off.
	MaxLatency Duration `json:"max_latency"`
	// Breaker stops calling a remote that keeps failing.
	Breaker BreakerRule `json:"breaker"`
}

// BreakerRule is the circuit breaker: after Failures failed calls within
// Window, the remote is not called for Cooldown; then one call is tried,
// and a failure opens the breaker again. Failures 0 turns it off.
type BreakerRule struct {
	Failures int      `json:"failures"`
	Window   Duration `json:"window"`
	Cooldown Duration `json:"cooldown"`
}

// Mode is what the remote does with the local tokens already streamed.
type Mode string

const (
	// ModeReplace: the remote answers the original request and its
	// answer replaces the local one; a streaming client is told with a
	// "gollm.route" event and the final chunk's gollm object.
	ModeReplace Mode = "replace"
	// ModeContinue: the remote continues the local answer (a completion
	// gets the prompt and the local text; a chat gets the local text as
	// a final assistant message to continue, which llama-server and
	// vLLM-style servers continue, and others may answer anew).
	ModeContinue Mode = "continue"
)

// DefaultMinConfidence is the default confidence threshold.
const DefaultMinConfidence = 0.7

// DefaultPolicy returns the policy used without a policy file.
func DefaultPolicy() Policy {
	return Policy{
		Confidence: ConfidenceRule{Min: DefaultMinConfidence, MinTokens: 16, Window: 16, WindowWeight: 0.5, EarlyExit: true},
		Mode:       ModeReplace,
		Remote: RemoteRules{Timeout: Duration(10 * time.Second), Retries: 2,
			Breaker: BreakerRule{Failures: 3, Window: Duration(time.Minute), Cooldown: Duration(30 * time.Second)}},
	}
}

// describe lists the rules that send a request to the remote, in words.
func (p *Policy) describe() string {
	rules := []string{"the prompt does not fit"}
	c, pr := p.Confidence, p.Prompt
	if c.Min > 0 {
		when := "at the end of the answer"
		if c.EarlyExit {
			when = fmt.Sprintf("after %d tokens or more, %s", c.MinTokens, p.Mode)
		}
		rules = append(rules, fmt.Sprintf("the local confidence falls below %.2f (%s)", c.Min, when))
	}
	if pr.MaxSurprise > 0 {
		rules = append(rules, fmt.Sprintf("the prompt's surprise is above %.2f nats per token", pr.MaxSurprise))
	}
	if pr.MaxTokens > 0 {
		rules = append(rules, fmt.Sprintf("the prompt is longer than %d tokens", pr.MaxTokens))
	}
	if pr.MaxContextFraction > 0 {
		rules = append(rules, fmt.Sprintf("prompt and answer take more than %.2f of the context", pr.MaxContextFraction))
	}
	if pr.MaxAnswerTokens > 0 {
		rules = append(rules, fmt.Sprintf("the answer asked for is longer than %d tokens", pr.MaxAnswerTokens))
	}
	if b := p.Device.BatteryBelow; b > 0 {
		rules = append(rules, fmt.Sprintf("on battery below %.0f%%", b))
	}
	return strings.Join(rules, ", or ")
}

// Validate checks every field's range.
func (p *Policy) Validate() error {
	c, pr, d, r := p.Confidence, p.Prompt, p.Device, p.Remote
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.Min >= 0 && c.Min <= 1, "confidence.min %v: want a number in [0, 1]", c.Min)
	check(c.MinTokens >= 0, "confidence.min_tokens %d: want 0 or more", c.MinTokens)
	check(c.Window >= 1, "confidence.window %d: want 1 or more tokens", c.Window)
	check(c.WindowWeight >= 0 && c.WindowWeight <= 1, "confidence.window_weight %v: want a number in [0, 1]", c.WindowWeight)
	check(p.Mode == ModeReplace || p.Mode == ModeContinue, "mode %q: want replace or continue", p.Mode)
	check(pr.MaxSurprise >= 0, "prompt.max_surprise %v: want 0 (off) or more nats per token", pr.MaxSurprise)
	check(pr.MaxTokens >= 0, "prompt.max_tokens %d: want 0 (off) or more", pr.MaxTokens)
	check(pr.MaxContextFraction >= 0 && pr.MaxContextFraction <= 1, "prompt.max_context_fraction %v: want 0 (off) or a fraction up to 1", pr.MaxContextFraction)
	check(pr.MaxAnswerTokens >= 0, "prompt.max_answer_tokens %d: want 0 (off) or more", pr.MaxAnswerTokens)
	check(d.BatteryBelow >= 0 && d.BatteryBelow <= 100, "device.battery_below %v: want a percentage", d.BatteryBelow)
	check(r.Timeout > 0, "remote.timeout %s: want a positive duration", r.Timeout)
	check(r.Retries >= 0 && r.Retries <= 10, "remote.retries %d: want 0 to 10", r.Retries)
	check(r.MaxLatency >= 0, "remote.max_latency %s: want 0 (off) or a positive duration", r.MaxLatency)
	check(r.Breaker.Failures >= 0, "remote.breaker.failures %d: want 0 (off) or more", r.Breaker.Failures)
	check(r.Breaker.Failures == 0 || (r.Breaker.Window > 0 && r.Breaker.Cooldown > 0),
		"remote.breaker: window and cooldown must be positive durations when failures is set")
	return errors.Join(errs...)
}

// LoadPolicy reads a policy file, JSON or YAML (by its extension: .json is
// JSON, anything else YAML, which also reads JSON). Fields the file leaves
// out keep DefaultPolicy's values; a field the policy does not have is an
// error, so that a misspelt rule is not silently ignored.
func LoadPolicy(path string) (Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Policy{}, err
	}
	p, err := ParsePolicy(b, strings.EqualFold(filepath.Ext(path), ".json"))
	if err != nil {
		return Policy{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// ParsePolicy parses a policy from JSON (isJSON) or YAML over
// DefaultPolicy and validates it.
func ParsePolicy(b []byte, isJSON bool) (Policy, error) {
	if !isJSON {
		// YAML is turned into JSON so that both formats share one
		// decoder, the same field names and the same errors.
		var v any
		if err := yaml.Unmarshal(b, &v); err != nil {
			return Policy{}, err
		}
		if v == nil {
			v = map[string]any{}
		}
		var err error
		if b, err = json.Marshal(v); err != nil {
			return Policy{}, fmt.Errorf("not a policy: %w", err)
		}
	}
	p := DefaultPolicy()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Policy{}, policyError(err)
	}
	if dec.More() {
		return Policy{}, errors.New("more than one policy in the file")
	}
	return p, p.Validate()
}

// policyError rewords a decoding error for someone editing a policy file.
func policyError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("%s: want %s, got %s", te.Field, te.Type, te.Value)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("unknown field %s (see the policy fields in the README)", f)
	}
	return err
}

// Duration is a time.Duration written in a policy as a string such as
// "1.5s" or "200ms", or as a number of seconds.
type Duration time.Duration

// UnmarshalJSON reads "1.5s" or 1.5.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case float64:
		*d = Duration(v * float64(time.Second))
		return nil
	case string:
		x, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("duration %q: want a number of seconds or a string such as \"1.5s\" or \"200ms\"", v)
		}
		*d = Duration(x)
		return nil
	}
	return fmt.Errorf("duration %s: want a number of seconds or a string such as \"1.5s\"", b)
}

// MarshalJSON writes the duration as a string such as "1.5s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// String formats the duration as time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }
