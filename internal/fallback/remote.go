package fallback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Remote is an OpenAI-compatible endpoint: llama-server, vLLM, ollama's
// /v1, a hosted API or another gollm. Requests go to URL/v1/chat/completions
// and URL/v1/completions, always streamed (a remote that answers with one
// JSON body instead is read as well).
type Remote struct {
	// URL is the endpoint's base URL, such as "https://api.example.com"
	// or "http://127.0.0.1:8081"; a trailing "/v1" is allowed.
	URL string
	// Model is the model name sent; empty sends the request's own.
	Model string
	// APIKey, when set, is sent as "Authorization: Bearer KEY".
	APIKey string
	// HTTPClient sends the requests (HTTP/1.1 or HTTP/2); nil uses
	// http.DefaultClient. Its own Timeout, if any, bounds whole answers.
	HTTPClient *http.Client
	// Timeout bounds the wait for the first piece of an answer, retries
	// included, and the silence between two pieces.
	Timeout time.Duration
	// Retries is how many times a failed call is tried again.
	Retries int
}

// NewRemote checks rawURL (an absolute http or https URL) and returns a
// Remote with the API key from the environment variable APIKeyEnv, the
// policy's timeout and retries.
func NewRemote(rawURL, model string, rules RemoteRules) (*Remote, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("fallback URL %q: want an absolute http:// or https:// URL", rawURL)
	}
	return &Remote{URL: rawURL, Model: model, APIKey: getenv(APIKeyEnv),
		Timeout: time.Duration(rules.Timeout), Retries: rules.Retries}, nil
}

// local reports whether the remote is on this machine (a loopback host),
// so that it needs no network.
func (c *Remote) local() bool {
	u, err := url.Parse(c.URL)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is what is sent to the remote: a chat completion when Messages is
// not nil, else a completion of Prompt. Nil pointers are left out, so the
// remote applies its own defaults.
type Request struct {
	Model            string    `json:"model,omitempty"`
	Messages         []Message `json:"messages,omitempty"`
	Prompt           string    `json:"prompt,omitempty"`
	MaxTokens        int       `json:"max_tokens,omitempty"`
	Temperature      *float64  `json:"temperature,omitempty"`
	TopP             *float64  `json:"top_p,omitempty"`
	Seed             *int64    `json:"seed,omitempty"`
	Stop             []string  `json:"stop,omitempty"`
	FrequencyPenalty *float64  `json:"frequency_penalty,omitempty"`
	PresencePenalty  *float64  `json:"presence_penalty,omitempty"`
}

// Continuing returns the request for a remote that continues the local
// answer so far (ModeContinue): a completion's prompt is followed by the
// answer; a chat gets the answer as a final assistant message. The answer
// took generated tokens of MaxTokens, if it was set.
func (r Request) Continuing(answer string, generated int) Request {
	if r.Messages != nil {
		r.Messages = append(r.Messages[:len(r.Messages):len(r.Messages)], Message{Role: "assistant", Content: answer})
	} else {
		r.Prompt += answer
	}
	if r.MaxTokens > 0 {
		r.MaxTokens = max(r.MaxTokens-generated, 1)
	}
	return r
}

// wireRequest is Request as sent: always streamed, asking for the usage.
type wireRequest struct {
	Request
	Stream        bool `json:"stream"`
	StreamOptions struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// Usage is the token counts a remote reports.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// Response describes a finished remote answer.
type Response struct {
	Text         string
	FinishReason string // "" when the remote sent none
	Model        string
	// Usage is nil when the remote reported none.
	Usage *Usage
	// Latency is the time from the request to the first piece of the
	// answer, retries included.
	Latency time.Duration
}

// RemoteError is a remote's refusal: an HTTP status and its message.
type RemoteError struct {
	Status  int
	Message string
	// RetryAfter is when the remote asked to be called again (a 429's or
	// 503's Retry-After), zero if it did not say.
	RetryAfter time.Time
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// retryable reports whether a status is worth another try.
func retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests ||
		(status >= 500 && status != http.StatusNotImplemented)
}

// backoffBase is the wait before the first retry; it doubles for each
// further one, with random jitter of up to half of it.
const backoffBase = 200 * time.Millisecond

// Open sends req and returns the answer's stream once its first chunk has
// arrived, having retried failed attempts (connection errors, 408, 429 and
// 5xx statuses) with exponential backoff or the remote's Retry-After. It
// gives up, with the last error, when Timeout has passed since the call or
// the next retry would end after it. Cancelling ctx ends the call and the
// stream.
func (c *Remote) Open(ctx context.Context, req Request) (*Stream, error) {
	start := time.Now()
	deadline := start.Add(c.Timeout)
	for attempt := 0; ; attempt++ {
		st, err, again := c.attempt(ctx, req, deadline)
		if err == nil {
			st.latency = time.Since(start)
			return st, nil
		}
		if ctx.Err() != nil || attempt >= c.Retries || !again {
			return nil, err
		}
		wait := backoffBase << attempt
		wait += rand.N(wait/2 + 1)
		var re *RemoteError
		if errors.As(err, &re) && !re.RetryAfter.IsZero() {
			wait = time.Until(re.RetryAfter)
		}
		if time.Now().Add(wait).After(deadline) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
	}
}

// errTimeout is the error of a call that ran out of time.
var errTimeout = errors.New("the remote did not answer in time")

// attempt makes one call and reads its answer up to the first chunk. again
// says whether a failure is worth another try: a retryable status, or a
// failure to connect that was not the time running out.
func (c *Remote) attempt(ctx context.Context, req Request, deadline time.Time) (st *Stream, err error, again bool) {
	path := "completions"
	if req.Messages != nil {
		path = "chat/completions"
	}
	if c.Model != "" {
		req.Model = c.Model
	}
	wr := wireRequest{Request: req, Stream: true}
	wr.StreamOptions.IncludeUsage = true
	body, err := json.Marshal(wr)
	if err != nil {
		return nil, err, false
	}
	actx, cancel := context.WithCancelCause(ctx)
	st = &Stream{ctx: actx, cancel: cancel, timeout: c.Timeout}
	st.timer = time.AfterFunc(time.Until(deadline), func() { cancel(errTimeout) })
	hr, err := http.NewRequestWithContext(actx, http.MethodPost, c.endpoint(path), bytes.NewReader(body))
	if err != nil {
		st.Close()
		return nil, err, false
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "text/event-stream, application/json")
	if c.APIKey != "" {
		hr.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	client := c.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(hr)
	if err != nil {
		err = st.timedOut(err)
		st.Close()
		return nil, err, !errors.Is(err, errTimeout)
	}
	st.body = resp.Body
	if resp.StatusCode/100 != 2 {
		defer st.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return nil, &RemoteError{Status: resp.StatusCode, Message: remoteMessage(b),
			RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}, retryable(resp.StatusCode)
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "text/event-stream" {
		st.events = newSSEReader(resp.Body)
	}
	for !st.started && !st.done {
		if err := st.read(); err != nil {
			st.Close()
			return nil, err, false
		}
	}
	return st, nil, false
}

// endpoint returns the URL of an API path ("chat/completions" or
// "completions").
func (c *Remote) endpoint(path string) string {
	base := strings.TrimRight(c.URL, "/")
	base = strings.TrimSuffix(base, "/v1")
	return base + "/v1/" + path
}

// retryAfter parses a Retry-After header, in seconds or as an HTTP date,
// into a time; zero when absent or unreadable.
func retryAfter(h string, now time.Time) time.Time {
	if h == "" {
		return time.Time{}
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil && s >= 0 {
		return now.Add(time.Duration(s * float64(time.Second)))
	}
	if t, err := http.ParseTime(h); err == nil {
		return t
	}
	return time.Time{}
}

// Stream is a remote answer being received.
type Stream struct {
	ctx     context.Context // the call's
	body    io.ReadCloser
	events  *sseReader // nil: the remote sent one JSON body
	cancel  context.CancelCauseFunc
	timer   *time.Timer // the deadline, then the silence allowed
	timeout time.Duration
	latency time.Duration

	started bool     // a chunk arrived
	pending []string // pieces read but not returned yet
	resp    Response
	done    bool
}

// Next returns the next piece of the answer's text, io.EOF at its end, or
// the error that cut it short.
func (s *Stream) Next() (string, error) {
	for len(s.pending) == 0 {
		if s.done {
			return "", io.EOF
		}
		if err := s.read(); err != nil {
			return "", err
		}
	}
	t := s.pending[0]
	s.pending = s.pending[1:]
	return t, nil
}

// Response returns the answer as received so far: after Next returned
// io.EOF, all of it.
func (s *Stream) Response() Response {
	r := s.resp
	r.Latency = s.latency
	return r
}

// Close ends the call.
func (s *Stream) Close() {
	s.timer.Stop()
	s.cancel(context.Canceled)
	if s.body != nil {
		s.body.Close()
	}
}

// timedOut returns errTimeout, with the time allowed, when err comes from
// the call running out of time, else err.
func (s *Stream) timedOut(err error) error {
	if errors.Is(context.Cause(s.ctx), errTimeout) {
		return fmt.Errorf("%w (%s)", errTimeout, s.timeout)
	}
	return err
}

// read reads one event (or the whole JSON body) and records what it holds;
// it resets the silence timer.
func (s *Stream) read() error {
	if s.events == nil {
		b, err := io.ReadAll(io.LimitReader(s.body, maxEventBytes))
		if err != nil {
			return s.readErr(err)
		}
		s.done = true
		return s.chunk(b, true)
	}
	event, data, err := s.events.next()
	if err == io.EOF {
		s.done = true
		return nil
	}
	if err != nil {
		return s.readErr(err)
	}
	s.timer.Reset(s.timeout)
	switch {
	case strings.TrimSpace(data) == "[DONE]":
		s.done = true
		return nil
	case strings.TrimSpace(data) == "":
		return nil // an empty keep-alive
	case event == "error":
		return &RemoteError{Status: http.StatusBadGateway, Message: "error event: " + remoteMessage([]byte(data))}
	}
	return s.chunk([]byte(data), false)
}

// readErr names the timeout when it ended a read.
func (s *Stream) readErr(err error) error {
	return fmt.Errorf("reading the answer: %w", s.timedOut(err))
}

// wireChunk is a chunk of a stream or a whole response, of a chat or a
// text completion; every field may be missing.
type wireChunk struct {
	Model   string `json:"model"`
	Choices []struct {
		Index        int             `json:"index"`
		Text         *string         `json:"text"`
		Delta        *wireMessage    `json:"delta"`
		Message      *wireMessage    `json:"message"`
		FinishReason *string         `json:"finish_reason"`
		Error        json.RawMessage `json:"error"`
	} `json:"choices"`
	Usage *Usage          `json:"usage"`
	Error json.RawMessage `json:"error"`
}

// wireMessage is a chat message or delta; content may be a string, null
// or a list of parts.
type wireMessage struct {
	Content json.RawMessage `json:"content"`
}

// chunk records one chunk (whole: a non-streamed response).
func (s *Stream) chunk(b []byte, whole bool) error {
	var c wireChunk
	if err := json.Unmarshal(b, &c); err != nil {
		if whole {
			return fmt.Errorf("the answer is neither an event stream nor an OpenAI completion: %s", remoteMessage(b))
		}
		return fmt.Errorf("an event of the answer is not an OpenAI chunk: %s", remoteMessage(b))
	}
	if len(c.Error) > 0 && string(c.Error) != "null" {
		return &RemoteError{Status: http.StatusBadGateway, Message: "error in the answer: " + remoteMessage(b)}
	}
	s.started = true
	if c.Model != "" {
		s.resp.Model = c.Model
	}
	if c.Usage != nil {
		s.resp.Usage = c.Usage
	}
	for _, ch := range c.Choices {
		if ch.Index != 0 {
			continue
		}
		var text string
		switch {
		case ch.Text != nil:
			text = *ch.Text
		case ch.Delta != nil:
			text = contentText(ch.Delta.Content)
		case ch.Message != nil:
			text = contentText(ch.Message.Content)
		}
		if text != "" {
			s.pending = append(s.pending, text)
			s.resp.Text += text
		}
		if ch.FinishReason != nil && *ch.FinishReason != "" {
			s.resp.FinishReason = *ch.FinishReason
		}
	}
	if whole && c.Choices == nil {
		return fmt.Errorf("the answer has no choices: %s", remoteMessage(b))
	}
	return nil
}

// contentText returns the text of a message's content: a string, or the
// text parts of a list of parts.
func contentText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &parts) != nil {
		return ""
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" || p.Type == "" {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// remoteMessage extracts the message of an error body ({"error":
// {"message": ...}}, {"error": "..."}, {"message": ...} or {"detail":
// ...}), or returns the start of the body, whatever it is.
func remoteMessage(b []byte) string {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  any             `json:"detail"`
	}
	if json.Unmarshal(b, &e) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(e.Error, &inner) == nil && inner.Message != "":
			return inner.Message
		case json.Unmarshal(e.Error, &s) == nil && s != "":
			return s
		case e.Message != "":
			return e.Message
		case e.Detail != nil:
			return fmt.Sprint(e.Detail)
		}
	}
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		s = "(empty body)"
	}
	return s
}
