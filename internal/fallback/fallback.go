// Package fallback sends a request to a remote OpenAI-compatible endpoint
// when the local model's answer is not good enough: its confidence score is
// below a threshold, or the prompt does not fit the local context.
//
// Nothing leaves the machine unless a Config is built with a URL. A nil
// *Config is valid and means "no fallback": Resolve then always keeps the
// local answer.
//
// Typical use, after a local generation:
//
//	ans := cfg.Resolve(ctx, fallback.Request{Messages: msgs}, fallback.Local{
//		Text: text, Confidence: stats.Confidence})
//	fmt.Fprintln(os.Stderr, ans) // "answer: fallback (local confidence 0.42 < 0.70)"
//	fmt.Print(ans.Text)
package fallback

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// APIKeyEnv names the environment variable holding the remote endpoint's
// API key, sent as "Authorization: Bearer <key>" when set.
const APIKeyEnv = "GOLLM_FALLBACK_API_KEY"

// DefaultMinConfidence is the default threshold below which a local answer
// is replaced by the remote one.
const DefaultMinConfidence = 0.7

// Config describes the remote endpoint and the policy.
type Config struct {
	// URL is the endpoint's base URL, such as "https://api.example.com"
	// or "http://127.0.0.1:8081"; a trailing "/v1" is allowed. Requests go
	// to URL/v1/chat/completions and URL/v1/completions.
	URL string
	// Model is the model name sent to the remote; empty sends the
	// request's own Model field.
	Model string
	// MinConfidence is the threshold: a local answer whose confidence is
	// below it is replaced.
	MinConfidence float64
	// APIKey, when set, is sent as a Bearer token.
	APIKey string
	// HTTPClient sends the requests; nil uses a client with a two-minute
	// timeout.
	HTTPClient *http.Client
}

// New returns a Config for the endpoint at rawURL, with the API key from
// the environment variable APIKeyEnv. It checks that rawURL is an absolute
// http or https URL and that minConfidence is in [0, 1].
func New(rawURL, model string, minConfidence float64) (*Config, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("fallback URL %q: want an absolute http:// or https:// URL", rawURL)
	}
	if !(minConfidence >= 0 && minConfidence <= 1) {
		return nil, fmt.Errorf("minimum confidence %v: want a number in [0, 1]", minConfidence)
	}
	return &Config{URL: rawURL, Model: model, MinConfidence: minConfidence,
		APIKey: getenv(APIKeyEnv)}, nil
}

// Enabled reports whether a fallback is configured.
func (c *Config) Enabled() bool { return c != nil && c.URL != "" }

// Source says which side produced an answer.
type Source string

// The sources of an answer.
const (
	SourceLocal    Source = "local"
	SourceFallback Source = "fallback"
)

// Local is the outcome of the local attempt.
type Local struct {
	// Text is the local answer.
	Text string
	// Confidence is the local answer's confidence score (gollm.Stats).
	Confidence float64
	// NoFit, when non-empty, says why the prompt could not run locally
	// (such as "prompt of 5000 tokens does not fit the local context of
	// 4096"); Text and Confidence are then ignored.
	NoFit string
}

// Answer is the resolved answer.
type Answer struct {
	// Text is the answer to show.
	Text string
	// Source is the side that produced Text.
	Source Source
	// Reason says why that side was chosen, such as
	// "local confidence 0.42 < 0.70".
	Reason string
	// Err is the remote's failure when the fallback was tried and failed;
	// the local answer is then kept (Source is SourceLocal). When the
	// prompt did not fit locally there is no local answer: Text is empty.
	Err error
	// Remote is the remote's response when Source is SourceFallback.
	Remote *Response
}

// String describes the answer in one line for a terminal, such as
// "answer: fallback (local confidence 0.42 < 0.70)" or
// "answer: local (local confidence 0.42 < 0.70; fallback failed: ...)".
func (a Answer) String() string {
	s := fmt.Sprintf("answer: %s (%s", a.Source, a.Reason)
	if a.Err != nil {
		s += "; fallback failed: " + a.Err.Error()
	}
	return s + ")"
}

// Decide reports whether a local answer of this confidence should be
// replaced, and why. A nil or disabled Config never replaces it.
func (c *Config) Decide(confidence float64) (replace bool, reason string) {
	if !c.Enabled() {
		return false, "no fallback configured"
	}
	if confidence < c.MinConfidence {
		return true, fmt.Sprintf("local confidence %.2f < %.2f", confidence, c.MinConfidence)
	}
	return false, fmt.Sprintf("local confidence %.2f >= %.2f", confidence, c.MinConfidence)
}

// Resolve applies the policy to a finished local attempt: it keeps the local
// answer, or sends req to the remote and returns its answer. When the
// remote fails, the local answer is kept and Answer.Err says why.
func (c *Config) Resolve(ctx context.Context, req Request, local Local) Answer {
	replace, reason := local.NoFit != "", local.NoFit
	if !replace {
		replace, reason = c.Decide(local.Confidence)
	}
	keep := Answer{Text: local.Text, Source: SourceLocal, Reason: reason}
	if local.NoFit != "" {
		keep.Text = ""
		if !c.Enabled() {
			keep.Err = errors.New("no fallback configured")
			return keep
		}
	}
	if !replace {
		return keep
	}
	resp, err := c.Send(ctx, req)
	if err != nil {
		keep.Err = err
		return keep
	}
	return Answer{Text: resp.Text, Source: SourceFallback, Reason: reason, Remote: &resp}
}

// client returns the HTTP client to use.
func (c *Config) client() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return defaultClient
}

var defaultClient = &http.Client{Timeout: 2 * time.Minute}

// endpoint returns the URL of the API path ("chat/completions" or
// "completions").
func (c *Config) endpoint(path string) string {
	base := strings.TrimRight(c.URL, "/")
	base = strings.TrimSuffix(base, "/v1")
	return base + "/v1/" + path
}
