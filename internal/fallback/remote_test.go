package fallback

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// replay is a loopback remote that answers every call with body as the
// given content type, flushing after each "\n\n" when streaming (so the
// response is chunked), and records the last request's JSON.
func replay(t *testing.T, contentType, body string) (*httptest.Server, *map[string]any) {
	t.Helper()
	got := map[string]any{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewDecoder(r.Body).Decode(&got)
		w.Header().Set("Content-Type", contentType)
		for _, part := range strings.SplitAfter(body, "\n\n") {
			io.WriteString(w, part)
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

// readAll opens a stream on r and reads the whole answer.
func readAll(t *testing.T, r *Remote, req Request) (string, Response, error) {
	t.Helper()
	st, err := r.Open(context.Background(), req)
	if err != nil {
		return "", Response{}, err
	}
	defer st.Close()
	var b strings.Builder
	for {
		piece, err := st.Next()
		if err == io.EOF {
			return b.String(), st.Response(), nil
		}
		if err != nil {
			return b.String(), st.Response(), err
		}
		b.WriteString(piece)
	}
}

func testRemote(url string) *Remote {
	return &Remote{URL: url, Model: "big", Timeout: 5 * time.Second, Retries: 2}
}

var chatReq = Request{Messages: []Message{{Role: "user", Content: "hi"}}}

// TestRemoteShapes replays the answers of the servers a remote may be, in
// the shapes they send: every one must give the same text.
func TestRemoteShapes(t *testing.T) {
	sse := "text/event-stream"
	for _, tc := range []struct {
		name, contentType, body string
		usage                   *Usage // nil: none reported
		finish                  string
	}{
		{"llama-server: usage in the last chunk with timings", sse,
			`data: {"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"created":1,"id":"c","model":"m","object":"chat.completion.chunk"}` + "\n\n" +
				`data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"Hel"}}],"model":"m"}` + "\n\n" +
				`data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"lo"}}],"model":"m"}` + "\n\n" +
				`data: {"choices":[{"finish_reason":"stop","index":0,"delta":{}}],"model":"m","usage":{"completion_tokens":2,"prompt_tokens":5,"total_tokens":7},"timings":{"predicted_n":2}}` + "\n\n" +
				"data: [DONE]\n\n",
			&Usage{PromptTokens: 5, CompletionTokens: 2}, "stop"},
		{"vLLM: data: without a space, usage in a chunk without choices", sse,
			`data:{"id":"x","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}` + "\n\n" +
				`data:{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":"length","stop_reason":null}]}` + "\n\n" +
				`data:{"id":"x","model":"m","choices":[],"usage":{"prompt_tokens":5,"total_tokens":6,"completion_tokens":1}}` + "\n\n" +
				"data:[DONE]\n\n",
			&Usage{PromptTokens: 5, CompletionTokens: 1}, "length"},
		{"ollama /v1: no usage, system_fingerprint, CRLF lines", sse,
			"data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"system_fingerprint\":\"fp_ollama\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":null}]}\r\n\r\n" +
				"data: {\"id\":\"chatcmpl-1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":\"stop\"}]}\r\n\r\n" +
				"data: [DONE]\r\n\r\n",
			nil, "stop"},
		{"keep-alive comments, an event name, a multi-line event, no [DONE]", sse,
			": ping\n\n" + ":\n\n" + "event: message\nid: 1\nretry: 100\ndata: {\"model\":\"m\",\n" +
				"data: \"choices\":[{\"index\":0,\"delta\":{\"content\":\"He\"}}]}\n\n" + ": keep-alive\n\n" +
				"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":[{\"type\":\"text\",\"text\":\"llo\"}]},\"finish_reason\":\"stop\"}]}\n\n",
			nil, "stop"},
		{"a stream cut off before its last blank line", sse,
			`data: {"choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":"stop"}]}`,
			nil, "stop"},
		{"one JSON body despite stream: true", "application/json",
			`{"id":"x","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello","refusal":null},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6,"prompt_tokens_details":null}}`,
			&Usage{PromptTokens: 5, CompletionTokens: 1}, "stop"},
		{"a text completion stream, a second choice ignored", "text/event-stream; charset=utf-8",
			`data: {"choices":[{"index":0,"text":"Hel","finish_reason":null},{"index":1,"text":"XX"}]}` + "\n\n" +
				`data: {"choices":[{"index":0,"text":"lo","finish_reason":"stop"}]}` + "\n\n" + "data: [DONE]\n\n",
			nil, "stop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, got := replay(t, tc.contentType, tc.body)
			text, resp, err := readAll(t, testRemote(srv.URL+"/v1/"), chatReq)
			if err != nil || text != "Hello" || resp.Text != "Hello" {
				t.Fatalf("got %q (%q), %v", text, resp.Text, err)
			}
			if resp.FinishReason != tc.finish {
				t.Errorf("finish reason %q, want %q", resp.FinishReason, tc.finish)
			}
			if (resp.Usage == nil) != (tc.usage == nil) || (tc.usage != nil && *resp.Usage != *tc.usage) {
				t.Errorf("usage %+v, want %+v", resp.Usage, tc.usage)
			}
			if (*got)["stream"] != true || (*got)["model"] != "big" {
				t.Errorf("request %v: want a stream for model big", *got)
			}
		})
	}
}

// TestRemoteHTTP2 reads a stream over HTTP/2 (TLS, as hosted APIs serve).
func TestRemoteHTTP2(t *testing.T) {
	var proto atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Proto)
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, `data: {"choices":[{"index":0,"delta":{"content":"Hello"}}]}`+"\n\n")
		w.(http.Flusher).Flush()
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	r := testRemote(srv.URL)
	r.HTTPClient = srv.Client()
	text, _, err := readAll(t, r, chatReq)
	if err != nil || text != "Hello" || proto.Load() != "HTTP/2.0" {
		t.Fatalf("got %q, %v over %v", text, err, proto.Load())
	}
}

// TestRemoteErrors checks the refusals and failures a remote may answer
// with: the message is found in any body, and only what is worth it is
// retried.
func TestRemoteErrors(t *testing.T) {
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
		calls       int // with 2 retries
		message     string
	}{
		{"OpenAI error object", 400, "application/json", `{"error":{"message":"bad model","type":"invalid_request_error"}}`, 1, "bad model"},
		{"error as a string", 401, "application/json", `{"error":"no key"}`, 1, "no key"},
		{"FastAPI detail", 422, "application/json", `{"detail":[{"msg":"field required"}]}`, 1, "field required"},
		{"an HTML page from a proxy", 502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>", 3, "502 Bad Gateway"},
		{"an empty body", 503, "text/plain", "", 3, "(empty body)"},
		{"not implemented: no retry", 501, "text/plain", "nope", 1, "nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, _, err := readAll(t, testRemote(srv.URL), chatReq)
			var re *RemoteError
			if !errors.As(err, &re) || re.Status != tc.status || !strings.Contains(re.Message, tc.message) {
				t.Fatalf("error %v, want status %d with %q", err, tc.status, tc.message)
			}
			if int(calls.Load()) != tc.calls {
				t.Errorf("%d calls, want %d", calls.Load(), tc.calls)
			}
		})
	}
}

// TestRemoteErrorInStream checks errors sent inside a stream, as an
// object or as an "error" event.
func TestRemoteErrorInStream(t *testing.T) {
	for _, body := range []string{
		`data: {"choices":[{"index":0,"delta":{"content":"He"}}]}` + "\n\n" + `data: {"error":{"message":"overloaded","code":503}}` + "\n\n",
		`data: {"choices":[{"index":0,"delta":{"content":"He"}}]}` + "\n\n" + "event: error\ndata: {\"message\":\"overloaded\"}\n\n",
	} {
		srv, _ := replay(t, "text/event-stream", body)
		text, _, err := readAll(t, testRemote(srv.URL), chatReq)
		if text != "He" || err == nil || !strings.Contains(err.Error(), "overloaded") {
			t.Errorf("got %q, %v", text, err)
		}
	}
}

// TestRemoteRetry429 checks that a 429 is retried after its Retry-After, in
// seconds or as a date, or after a backoff without one.
func TestRemoteRetry429(t *testing.T) {
	for _, retryAfter := range []string{"1", "", "date"} {
		var calls atomic.Int32
		var first time.Time
		var waited time.Duration
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) == 1 {
				first = time.Now()
				switch retryAfter {
				case "date": // two seconds on, truncated to a whole second
					w.Header().Set("Retry-After", first.Add(2*time.Second).UTC().Format(http.TimeFormat))
				case "":
				default:
					w.Header().Set("Retry-After", retryAfter)
				}
				w.WriteHeader(http.StatusTooManyRequests)
				io.WriteString(w, "slow down")
				return
			}
			waited = time.Since(first)
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, `data: {"choices":[{"index":0,"delta":{"content":"Hello"}}]}`+"\n\n")
		}))
		text, _, err := readAll(t, testRemote(srv.URL), chatReq)
		srv.Close()
		if err != nil || text != "Hello" || calls.Load() != 2 {
			t.Fatalf("Retry-After %q: got %q, %v after %d calls", retryAfter, text, err, calls.Load())
		}
		// An HTTP date has a precision of one second.
		if min := map[bool]time.Duration{true: backoffBase, false: 900 * time.Millisecond}[retryAfter == ""]; waited < min-50*time.Millisecond {
			t.Errorf("Retry-After %q: retried after %s, want at least %s", retryAfter, waited, min)
		}
	}
}

// TestRemoteRetryAfterBeyondTimeout checks that a Retry-After longer than
// the time left ends the call at once with the 429.
func TestRemoteRetryAfterBeyondTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	start := time.Now()
	_, err := testRemote(srv.URL).Open(context.Background(), chatReq)
	var re *RemoteError
	if !errors.As(err, &re) || re.Status != 429 || re.RetryAfter.IsZero() || time.Since(start) > 2*time.Second {
		t.Fatalf("error %v after %s", err, time.Since(start))
	}
}

// TestRemoteTimeout checks that a remote that does not answer, or stops
// in the middle of its answer, is given up on after the timeout.
func TestRemoteTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)          // so that the server sees the client hang up
		if r.URL.Path == "/v1/completions" { // starts, then falls silent
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, `data: {"choices":[{"index":0,"text":"He"}]}`+"\n\n")
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	r := testRemote(srv.URL)
	r.Timeout = 300 * time.Millisecond
	start := time.Now()
	_, err := r.Open(context.Background(), chatReq)
	if !errors.Is(err, errTimeout) || time.Since(start) > 2*time.Second {
		t.Fatalf("silent remote: %v after %s", err, time.Since(start))
	}
	text, _, err := readAll(t, r, Request{Prompt: "x"})
	if text != "He" || !errors.Is(err, errTimeout) {
		t.Fatalf("remote silent mid-answer: %q, %v", text, err)
	}
}

// TestRemoteRequest checks what is sent: the endpoint, the API key, the
// model, the stream options, the fields left out, and a continuation.
func TestRemoteRequest(t *testing.T) {
	var auth, path string
	got := map[string]any{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, path = r.Header.Get("Authorization"), r.URL.Path
		got = map[string]any{}
		json.NewDecoder(r.Body).Decode(&got)
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, `data: {"choices":[{"index":0,"text":"!"}]}`+"\n\n")
	}))
	defer srv.Close()
	orig := getenv
	getenv = func(string) string { return "sekrit" }
	defer func() { getenv = orig }()
	r, err := NewRemote(srv.URL+"/v1", "", DefaultPolicy().Remote)
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Model: "asked", Prompt: "Once", MaxTokens: 10}
	if _, _, err := readAll(t, r, req.Continuing(" upon a", 3)); err != nil {
		t.Fatal(err)
	}
	if auth != "Bearer sekrit" || path != "/v1/completions" || got["model"] != "asked" || got["prompt"] != "Once upon a" ||
		got["max_tokens"] != 7.0 || got["stream_options"].(map[string]any)["include_usage"] != true {
		t.Errorf("%s %s %v", auth, path, got)
	}
	if _, ok := got["temperature"]; ok {
		t.Errorf("temperature sent though not set: %v", got)
	}
	chat := Request{Messages: []Message{{Role: "user", Content: "hi"}}}
	if _, _, err := readAll(t, r, chat.Continuing("Hel", 1)); err != nil {
		t.Fatal(err)
	}
	msgs, _ := got["messages"].([]any)
	if path != "/v1/chat/completions" || len(msgs) != 2 || msgs[1].(map[string]any)["role"] != "assistant" ||
		msgs[1].(map[string]any)["content"] != "Hel" || len(chat.Messages) != 1 {
		t.Errorf("%s %v", path, got)
	}
	for _, bad := range []string{"ftp://x", "localhost:8080", "http://"} {
		if _, err := NewRemote(bad, "", DefaultPolicy().Remote); err == nil {
			t.Errorf("NewRemote(%q): no error", bad)
		}
	}
}
