package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
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

// withRouter starts a local server (context 64) whose remote is url, with
// the default policy changed by rules (nil: none), and returns its URL and
// the local tokens each generation produced.
func withRouter(t *testing.T, url string, rules func(p *fallback.Policy)) (string, *generated) {
	t.Setenv(fallback.APIKeyEnv, "test-key")
	p := fallback.DefaultPolicy()
	if rules != nil {
		rules(&p)
	}
	remote, err := fallback.NewRemote(url, "remote-model", p.Remote)
	if err != nil {
		t.Fatal(err)
	}
	s, hs := start(t, Config{Name: "local", Session: sessionCtx(64), Router: fallback.NewRouter(p, remote, false)})
	g := &generated{}
	s.onDone = func(st gollm.Stats) { g.mu.Lock(); g.n = append(g.n, st.GeneratedTokens); g.mu.Unlock() }
	return hs.URL, g
}

// generated records the tokens of each local generation.
type generated struct {
	mu sync.Mutex
	n  []int
}

func (g *generated) counts() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.n)
}

// unsure makes every local answer too unsure after 3 tokens.
func unsure(p *fallback.Policy) { p.Confidence.Min, p.Confidence.MinTokens = 1, 3 }

func TestEarlyExit(t *testing.T) {
	rem := startRemote(t)
	local, gen := withRouter(t, rem.URL, unsure)
	code, v := post(t, local+"/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":12,"temperature":0}`)
	if code != 200 || get(v, "gollm", "source") != "fallback" || v["model"] != "remote" {
		t.Fatalf("status %d: %v", code, v)
	}
	route := get(v, "gollm", "route")
	if get(route, "rule") != "confidence" || get(route, "stage") != "early" || get(route, "local_tokens") != 3.0 ||
		get(route, "mode") != "replace" || get(route, "signals", "confidence") == nil {
		t.Errorf("route %v", route)
	}
	if r, _ := get(route, "reason").(string); !strings.HasPrefix(r, "local confidence ") || !strings.Contains(r, " < 1.00 after 3 tokens") {
		t.Errorf("reason %q", r)
	}
	if c := gen.counts(); !slices.Equal(c, []int{3}) {
		t.Errorf("local generations of %v tokens, want [3]", c)
	}
	if rem.calls() != 1 || rem.paths[0] != "/v1/chat/completions" || rem.auth[0] != "Bearer test-key" || rem.model[0] != "remote-model" {
		t.Errorf("remote saw %v %v %v", rem.paths, rem.auth, rem.model)
	}
	checkUsage(t, v, 12)
}

// TestEarlyExitStreaming checks that the local tokens stream, that a
// gollm.route event announces the remote, whose answer follows, and that
// the final chunk carries the decision.
func TestEarlyExitStreaming(t *testing.T) {
	rem := startRemote(t)
	local, _ := withRouter(t, rem.URL, unsure)
	evs := stream(t, local+"/v1/chat/completions",
		`{"messages":[{"role":"user","content":"hi"}],"max_tokens":12,"temperature":0,"stream":true,"stream_options":{"include_usage":true}}`)
	at := slices.IndexFunc(evs, func(e string) bool { return strings.HasPrefix(e, "@gollm.route ") })
	if at < 2 || evs[len(evs)-1] != "[DONE]" {
		t.Fatalf("want the role chunk, local content, gollm.route, remote content, finish, usage and [DONE]; got %q", evs)
	}
	var ev, fin, use map[string]any
	json.Unmarshal([]byte(strings.TrimPrefix(evs[at], "@gollm.route ")), &ev)
	json.Unmarshal([]byte(evs[len(evs)-3]), &fin)
	json.Unmarshal([]byte(evs[len(evs)-2]), &use)
	if ch, _ := ev["choices"].([]any); ch == nil || len(ch) != 0 || ev["object"] != "chat.completion.chunk" ||
		get(ev, "gollm", "route", "mode") != "replace" || get(ev, "gollm", "route", "local_tokens") != 3.0 {
		t.Errorf("route event %s", evs[at])
	}
	content := func(evs []string) (s string) {
		for _, e := range evs {
			var c map[string]any
			json.Unmarshal([]byte(e), &c)
			t, _ := get(c, "choices", 0, "delta", "content").(string)
			s += t
		}
		return s
	}
	if content(evs[1:at]) == "" || content(evs[at+1:len(evs)-3]) == "" {
		t.Errorf("local %q, remote %q", content(evs[1:at]), content(evs[at+1:len(evs)-3]))
	}
	if get(fin, "gollm", "source") != "fallback" || get(fin, "gollm", "route", "stage") != "early" || get(fin, "choices", 0, "finish_reason") == nil {
		t.Errorf("finish chunk %s", evs[len(evs)-3])
	}
	checkUsage(t, use, 12)
}

func TestFallbackNotNeeded(t *testing.T) {
	rem := startRemote(t)
	local, gen := withRouter(t, rem.URL, func(p *fallback.Policy) { p.Confidence.Min = 0.01 })
	// Greedy: the confidence (the chosen tokens' mean probability) is then the
	// same on every run; a random draw may pick an unlikely token and exit early.
	code, v := post(t, local+"/v1/completions", `{"prompt":"hi","max_tokens":4,"temperature":0}`)
	if code != 200 || get(v, "gollm", "source") != "local" || v["model"] != "local" || rem.calls() != 0 {
		t.Fatalf("status %d, %d remote calls: %v", code, rem.calls(), v)
	}
	if get(v, "gollm", "route", "rule") != "confident" || get(v, "gollm", "route", "stage") != "final" ||
		get(v, "gollm", "route", "local_tokens") != 4.0 || !slices.Equal(gen.counts(), []int{4}) {
		t.Errorf("route %v", get(v, "gollm", "route"))
	}
}

func TestFallbackDownKeepsLocal(t *testing.T) {
	rem := startRemote(t)
	rem.Close() // nothing listens there any more
	local, gen := withRouter(t, rem.URL, func(p *fallback.Policy) { unsure(p); p.Remote.Retries = 0 })
	code, v := post(t, local+"/v1/completions", `{"prompt":"hi","max_tokens":8,"temperature":0}`)
	if code != 200 || get(v, "gollm", "source") != "local" || v["model"] != "local" || get(v, "gollm", "route", "rule") != "remote_failed" {
		t.Fatalf("status %d: %v", code, v)
	}
	if e, _ := get(v, "gollm", "fallback_error").(string); e == "" {
		t.Errorf("no fallback_error: %v", v["gollm"])
	}
	// The local answer resumed after the early exit: 3 tokens, then the rest.
	if c := gen.counts(); !slices.Equal(c, []int{3, 5}) || get(v, "usage", "completion_tokens") != 8.0 {
		t.Errorf("local generations %v, usage %v", c, v["usage"])
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
	local, gen := withRouter(t, rem.URL, nil)
	long := strings.Repeat("word ", 100) // over 64 tokens, under 512
	code, v := post(t, local+"/v1/completions", `{"prompt":"`+long+`","max_tokens":4}`)
	if code != 200 || get(v, "gollm", "source") != "fallback" || rem.calls() != 1 || rem.paths[0] != "/v1/completions" {
		t.Fatalf("status %d, remote %v: %v", code, rem.paths, v)
	}
	if r, _ := get(v, "gollm", "reason").(string); !strings.Contains(r, "does not fit the local context of 64") ||
		get(v, "gollm", "route", "stage") != "before" || get(v, "gollm", "route", "local_tokens") != 0.0 {
		t.Errorf("gollm %v", v["gollm"])
	}
	if get(v, "gollm", "confidence") != nil || len(gen.counts()) != 0 {
		t.Errorf("a local answer: %v, generations %v", v["gollm"], gen.counts())
	}
}

// TestGrammarStaysLocal checks that a request whose answer must follow a
// grammar is not sent to the remote, which would not enforce it.
func TestGrammarStaysLocal(t *testing.T) {
	rem := startRemote(t)
	local, _ := withRouter(t, rem.URL, unsure)
	code, v := post(t, local+"/v1/completions", `{"prompt":"hi","max_tokens":6,"grammar":"root ::= [a-z]+"}`)
	if code != 200 || get(v, "gollm", "source") != "local" || get(v, "gollm", "route", "rule") != "local_only" || rem.calls() != 0 {
		t.Fatalf("status %d, %d remote calls: %v", code, rem.calls(), v)
	}
}

// TestRouteMetrics checks the gollm_route_* series on /metrics.
func TestRouteMetrics(t *testing.T) {
	rem := startRemote(t)
	local, _ := withRouter(t, rem.URL, unsure)
	post(t, local+"/v1/completions", `{"prompt":"hi","max_tokens":6}`)
	resp, err := http.Get(local + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`gollm_route_decisions_total{rule="confidence",source="fallback",stage="early"} 1`,
		`gollm_route_local_tokens_sum{source="fallback"} 3`,
		`gollm_route_remote_calls_total{result="ok"} 1`,
		`gollm_route_remote_latency_seconds_count 1`,
		`gollm_route_breaker_open 0`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
