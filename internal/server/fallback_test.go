package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/fallback"
)

// remote is a second in-process server (same model, context 512) acting
// as the fallback endpoint; it records the requests it receives.
type remote struct {
	*httptest.Server
	mu    sync.Mutex
	paths []string
	auth  []string
	model []string
}

func startRemote(t *testing.T) *remote {
	s, _ := start(t, Config{Name: "remote", Aliases: []string{"remote-model"}, Session: sessionCtx(512)})
	r := &remote{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body struct {
			Model string `json:"model"`
		}
		raw, _ := io.ReadAll(req.Body)
		json.Unmarshal(raw, &body)
		r.mu.Lock()
		r.paths = append(r.paths, req.URL.Path)
		r.auth = append(r.auth, req.Header.Get("Authorization"))
		r.model = append(r.model, body.Model)
		r.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(raw))
		s.ServeHTTP(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func sessionCtx(n int) gollm.SessionOptions { return gollm.SessionOptions{ContextSize: n} }

func (r *remote) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.paths)
}

// withFallback starts a local server (context 64) whose fallback is url.
func withFallback(t *testing.T, url string, minConf float64) string {
	t.Setenv(fallback.APIKeyEnv, "test-key")
	fb, err := fallback.New(url, "remote-model", minConf)
	if err != nil {
		t.Fatal(err)
	}
	_, hs := start(t, Config{Name: "local", Session: sessionCtx(64), Fallback: fb})
	return hs.URL
}

func TestFallbackOnLowConfidence(t *testing.T) {
	rem := startRemote(t)
	local := withFallback(t, rem.URL, 1) // confidence is always below 1
	code, v := post(t, local+"/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":4}`)
	if code != 200 || get(v, "gollm", "source") != "fallback" || v["model"] != "remote" {
		t.Fatalf("status %d: %v", code, v)
	}
	if r, _ := get(v, "gollm", "reason").(string); !strings.HasPrefix(r, "local confidence ") || !strings.Contains(r, " < 1.00") {
		t.Errorf("reason %q", r)
	}
	if _, ok := get(v, "gollm", "confidence").(float64); !ok {
		t.Errorf("no local confidence: %v", v["gollm"])
	}
	if rem.calls() != 1 || rem.paths[0] != "/v1/chat/completions" || rem.auth[0] != "Bearer test-key" || rem.model[0] != "remote-model" {
		t.Errorf("remote saw %v %v %v", rem.paths, rem.auth, rem.model)
	}
	checkUsage(t, v, 4)
}

func TestFallbackNotNeeded(t *testing.T) {
	rem := startRemote(t)
	local := withFallback(t, rem.URL, 0)
	code, v := post(t, local+"/v1/completions", `{"prompt":"hi","max_tokens":4}`)
	if code != 200 || get(v, "gollm", "source") != "local" || v["model"] != "local" || rem.calls() != 0 {
		t.Fatalf("status %d, %d remote calls: %v", code, rem.calls(), v)
	}
	if r, _ := get(v, "gollm", "reason").(string); !strings.Contains(r, ">= 0.00") {
		t.Errorf("reason %q", r)
	}
}

func TestFallbackDownKeepsLocal(t *testing.T) {
	rem := startRemote(t)
	rem.Close() // nothing listens there any more
	local := withFallback(t, rem.URL, 1)
	code, v := post(t, local+"/v1/completions", `{"prompt":"hi","max_tokens":4}`)
	if code != 200 || get(v, "gollm", "source") != "local" || v["model"] != "local" {
		t.Fatalf("status %d: %v", code, v)
	}
	if e, _ := get(v, "gollm", "fallback_error").(string); e == "" {
		t.Errorf("no fallback_error: %v", v["gollm"])
	}
	if _, ok := get(v, "choices", 0, "text").(string); !ok {
		t.Errorf("no local text: %v", v)
	}
	// A prompt too long for the local context has no local answer: 502.
	long := strings.Repeat("word ", 100)
	code, v = post(t, local+"/v1/completions", `{"prompt":"`+long+`","max_tokens":4}`)
	if code != 502 || get(v, "error", "code") != "fallback_failed" {
		t.Errorf("too long with the remote down: %d %v", code, v)
	}
}

func TestFallbackWhenPromptDoesNotFit(t *testing.T) {
	rem := startRemote(t)
	local := withFallback(t, rem.URL, 0)
	long := strings.Repeat("word ", 100) // over 64 tokens, under 512
	code, v := post(t, local+"/v1/completions", `{"prompt":"`+long+`","max_tokens":4}`)
	if code != 200 || get(v, "gollm", "source") != "fallback" || rem.calls() != 1 || rem.paths[0] != "/v1/completions" {
		t.Fatalf("status %d, remote %v: %v", code, rem.paths, v)
	}
	if r, _ := get(v, "gollm", "reason").(string); !strings.Contains(r, "does not fit the local context of 64") {
		t.Errorf("reason %q", r)
	}
	if get(v, "gollm", "confidence") != nil {
		t.Errorf("a confidence without a local answer: %v", v["gollm"])
	}
}

func TestFallbackStreaming(t *testing.T) {
	rem := startRemote(t)
	local := withFallback(t, rem.URL, 1)
	evs := stream(t, local+"/v1/chat/completions",
		`{"messages":[{"role":"user","content":"hi"}],"max_tokens":4,"stream":true,"stream_options":{"include_usage":true}}`)
	if len(evs) != 5 || evs[4] != "[DONE]" {
		t.Fatalf("want role, content, finish, usage chunks and [DONE]; got %q", evs)
	}
	var fin, use map[string]any
	json.Unmarshal([]byte(evs[2]), &fin)
	json.Unmarshal([]byte(evs[3]), &use)
	if get(fin, "gollm", "source") != "fallback" || get(fin, "choices", 0, "finish_reason") == nil {
		t.Errorf("finish chunk %s", evs[2])
	}
	checkUsage(t, use, 4)
}
