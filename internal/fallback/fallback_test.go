package fallback

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// stub is a remote that records the last request and answers with a fixed
// chat or text completion.
func stub(t *testing.T, status int) (*httptest.Server, *http.Request, *map[string]any) {
	var got http.Request
	body := map[string]any{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = *r
		json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status != 200 {
			w.Write([]byte(`{"error":{"message":"remote says no","type":"server_error"}}`))
			return
		}
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			w.Write([]byte(`{"model":"big","choices":[{"message":{"role":"assistant","content":"remote chat"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2}}`))
			return
		}
		w.Write([]byte(`{"model":"big","choices":[{"text":"remote text","finish_reason":"length"}]}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &got, &body
}

func TestResolveFallsBackOnLowConfidence(t *testing.T) {
	srv, got, body := stub(t, 200)
	orig := getenv
	getenv = func(string) string { return "sekrit" }
	defer func() { getenv = orig }()
	c, err := New(srv.URL+"/v1/", "big-model", 0.7)
	if err != nil {
		t.Fatal(err)
	}
	temp := 0.5
	ans := c.Resolve(context.Background(), Request{Model: "local", Messages: []Message{{"user", "hi"}}, MaxTokens: 9, Temperature: &temp},
		Local{Text: "local text", Confidence: 0.42})
	if ans.Source != SourceFallback || ans.Text != "remote chat" || ans.Err != nil {
		t.Fatalf("answer %+v", ans)
	}
	if s := ans.String(); s != "answer: fallback (local confidence 0.42 < 0.70)" {
		t.Errorf("String() = %q", s)
	}
	if got.URL.Path != "/v1/chat/completions" || got.Header.Get("Authorization") != "Bearer sekrit" {
		t.Errorf("request %s with Authorization %q", got.URL.Path, got.Header.Get("Authorization"))
	}
	if (*body)["model"] != "big-model" || (*body)["max_tokens"] != 9.0 || (*body)["temperature"] != 0.5 || (*body)["top_p"] != nil {
		t.Errorf("body %v", *body)
	}
	if ans.Remote.PromptTokens != 3 || ans.Remote.CompletionTokens != 2 || ans.Remote.FinishReason != "stop" {
		t.Errorf("remote %+v", ans.Remote)
	}
}

func TestResolveKeepsConfidentAnswer(t *testing.T) {
	srv, got, _ := stub(t, 200)
	c := &Config{URL: srv.URL, MinConfidence: 0.3}
	ans := c.Resolve(context.Background(), Request{Prompt: "x"}, Local{Text: "mine", Confidence: 0.42})
	if ans.Source != SourceLocal || ans.Text != "mine" || ans.Reason != "local confidence 0.42 >= 0.30" {
		t.Fatalf("answer %+v", ans)
	}
	if got.URL != nil {
		t.Errorf("the remote was asked")
	}
}

func TestResolveCompletionWhenPromptDoesNotFit(t *testing.T) {
	srv, got, _ := stub(t, 200)
	c := &Config{URL: srv.URL, MinConfidence: 0.7}
	ans := c.Resolve(context.Background(), Request{Prompt: "x"}, Local{NoFit: "prompt too long"})
	if ans.Source != SourceFallback || ans.Text != "remote text" || ans.Reason != "prompt too long" {
		t.Fatalf("answer %+v", ans)
	}
	if got.URL.Path != "/v1/completions" || got.Header.Get("Authorization") != "" {
		t.Errorf("request %s, Authorization %q", got.URL.Path, got.Header.Get("Authorization"))
	}
}

func TestResolveKeepsLocalWhenRemoteFails(t *testing.T) {
	srv, _, _ := stub(t, 503)
	c := &Config{URL: srv.URL, MinConfidence: 0.7}
	ans := c.Resolve(context.Background(), Request{Prompt: "x"}, Local{Text: "mine", Confidence: 0.1})
	if ans.Source != SourceLocal || ans.Text != "mine" || ans.Err == nil || !strings.Contains(ans.Err.Error(), "remote says no") {
		t.Fatalf("answer %+v", ans)
	}
	if !strings.Contains(ans.String(), "fallback failed: 503") {
		t.Errorf("String() = %q", ans.String())
	}
	// A remote that is down entirely.
	srv.Close()
	ans = c.Resolve(context.Background(), Request{Prompt: "x"}, Local{Text: "mine", Confidence: 0.1})
	if ans.Source != SourceLocal || ans.Text != "mine" || ans.Err == nil {
		t.Fatalf("answer %+v", ans)
	}
}

func TestNilConfigNeverSends(t *testing.T) {
	var c *Config
	ans := c.Resolve(context.Background(), Request{Prompt: "x"}, Local{Text: "mine", Confidence: 0})
	if ans.Source != SourceLocal || ans.Text != "mine" || ans.Err != nil {
		t.Fatalf("answer %+v", ans)
	}
	ans = c.Resolve(context.Background(), Request{Prompt: "x"}, Local{NoFit: "too long"})
	if ans.Err == nil || ans.Text != "" {
		t.Fatalf("answer %+v", ans)
	}
}

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		nil_ bool
		bad  bool
	}{
		{nil, true, false},
		{[]string{"--fallback-url", "http://127.0.0.1:1"}, false, false},
		{[]string{"--fallback-url", "127.0.0.1:1"}, false, true},
		{[]string{"--fallback-url", "http://127.0.0.1:1", "--min-confidence", "1.5"}, false, true},
	} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		f := AddFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		c, err := f.Config()
		if (err != nil) != tc.bad || (c == nil) != (tc.nil_ || tc.bad) {
			t.Errorf("%v: config %v, error %v", tc.args, c, err)
		}
		if c != nil && c.MinConfidence != DefaultMinConfidence {
			t.Errorf("%v: MinConfidence %v", tc.args, c.MinConfidence)
		}
	}
}

func TestSendRejectsMalformedAnswers(t *testing.T) {
	for body, want := range map[string]string{
		`not json`:       "not an OpenAI completion",
		`{"choices":[]}`: "no choices",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }))
		c := &Config{URL: srv.URL}
		_, err := c.Send(context.Background(), Request{Prompt: "x"})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", body, err, want)
		}
		srv.Close()
	}
}
