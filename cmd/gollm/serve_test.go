package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gollm/gollm/internal/fallback"
	"github.com/gollm/gollm/internal/testmodel"
)

// lockedBuffer is a bytes.Buffer safe for the server's goroutine and the
// test's.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServeAnswersAndShutsDown(t *testing.T) {
	path := testmodel.Tiny(t, "qwen2", "Q8_0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr lockedBuffer
	addrc, errc := make(chan string, 1), make(chan error, 1)
	go func() {
		errc <- serve(ctx, []string{"-m", path, "--addr", "127.0.0.1:0", "-c", "128", "-t", "1", "--parallel", "2", "--alias", "tiny", "-v"},
			io.Discard, &stderr, func(a string) { addrc <- a })
	}()
	var url string
	select {
	case a := <-addrc:
		url = "http://" + a
	case err := <-errc:
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
	resp, err := http.Get(url + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", err, resp)
	}
	resp.Body.Close()
	resp, err = http.Post(url+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":3}`))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Model string
		Gollm struct{ Source string }
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(b, &v); err != nil || resp.StatusCode != 200 || v.Model != "tiny" || v.Gollm.Source != "local" {
		t.Errorf("chat: %d %s", resp.StatusCode, b)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not shut down")
	}
	for _, want := range []string{"kernels: ", "chat template: chatml (Jinja", "2 session(s) of 128 tokens", "nothing leaves this machine", "listening on http://127.0.0.1:", "shutting down"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestServeBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve"},
		{"serve", "-m", "x.gguf", "--parallel", "0"},
		{"serve", "-m", "x.gguf", "--queue", "-1"},
		{"serve", "-m", "x.gguf", "extra"},
		{"serve", "-m", "x.gguf", "--fallback-url", "ftp://example"},
		{"serve", "-m", "x.gguf", "--fallback-url", "http://127.0.0.1:1", "--min-confidence", "2"},
		{"serve", "-m", "/nonexistent.gguf"},
		{"serve", "-m", "x.gguf", "--log-format", "xml"},
		{"serve", "-m", "x.gguf", "--slot-save-path", "/nonexistent/dir"},
	} {
		if code, _, errOut := runCmd(args...); (code != 1 && code != 2) || !strings.HasPrefix(errOut, "gollm serve: ") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// TestServeAPIKeyLogAndAliases serves with the key from GOLLM_API_KEY and a
// JSON access log: /health is open, the rest needs the key, the file name
// is accepted as the model beside the alias, and each request is one JSON
// line on stderr.
func TestServeAPIKeyLogAndAliases(t *testing.T) {
	path := testmodel.Tiny(t, "qwen2", "Q8_0")
	t.Setenv(apiKeyEnv, "k3y")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr lockedBuffer
	addrc, errc := make(chan string, 1), make(chan error, 1)
	go func() {
		errc <- serve(ctx, []string{"-m", path, "--addr", "127.0.0.1:0", "-c", "128", "-t", "1", "--alias", "tiny",
			"--log-format", "json", "--slot-save-path", t.TempDir()}, io.Discard, &stderr, func(a string) { addrc <- a })
	}()
	var url string
	select {
	case a := <-addrc:
		url = "http://" + a
	case err := <-errc:
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
	stem := strings.TrimSuffix(filepath.Base(path), ".gguf")
	for _, tc := range []struct {
		path, key, body string
		want            int
	}{
		{"/health", "", "", 200},
		{"/v1/models", "", "", 401},
		{"/v1/models", "k3y", "", 200},
		{"/v1/completions", "k3y", `{"model":"` + stem + `","prompt":"a","max_tokens":2}`, 200},
		{"/v1/completions", "k3y", `{"model":"other","prompt":"a","max_tokens":2}`, 400},
		{"/slots/0?action=save", "k3y", `{"filename":"s.bin"}`, 200},
	} {
		method := "GET"
		if tc.body != "" {
			method = "POST"
		}
		req, _ := http.NewRequest(method, url+tc.path, strings.NewReader(tc.body))
		if tc.key != "" {
			req.Header.Set("Authorization", "Bearer "+tc.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d, want %d: %s", method, tc.path, resp.StatusCode, tc.want, b)
		}
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	var lines int
	for _, line := range strings.Split(stderr.String(), "\n") {
		var e struct {
			Path   string
			Status int
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Path != "" {
			lines++
		}
	}
	if lines != 6 || !strings.Contains(stderr.String(), "API key required") {
		t.Errorf("%d access-log lines:\n%s", lines, stderr.String())
	}
}

// stubRemote is an OpenAI-compatible endpoint that answers every text
// completion with "remote says hi" and records the requests' paths and
// Authorization headers.
func stubRemote(t *testing.T) (*httptest.Server, *[]string) {
	var seen []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		io.WriteString(w, `{"model":"big","choices":[{"text":"remote says hi","finish_reason":"stop"}]}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestRunFallback(t *testing.T) {
	path := testmodel.Tiny(t, "qwen2", "Q8_0")
	remote, seen := stubRemote(t)
	t.Setenv(fallback.APIKeyEnv, "k1")
	base := []string{"run", "-m", path, "-p", "Once upon a time", "-n", "4", "-t", "1", "--fallback-url", remote.URL}
	for _, tc := range []struct {
		name  string
		extra []string
		out   string // stdout, "" for the local answer
		err   string // in stderr
		calls int
	}{
		{"low confidence", []string{"--min-confidence", "1"}, "remote says hi\n", `gollm.route: {"source":"fallback","rule":"confidence","stage":"final","reason":"local confidence 0.`, 1},
		{"confident", []string{"--min-confidence", "0"}, "", `gollm.route: {"source":"local","rule":"confident"`, 0},
		{"too long", []string{"-c", "4"}, "remote says hi\n", `"rule":"context","stage":"before","reason":"prompt of 9 tokens does not fit the local context of 4"`, 1},
	} {
		*seen = nil
		code, out, errOut := runCmd(append(base, tc.extra...)...)
		if code != 0 || !strings.Contains(errOut, tc.err) || (tc.out != "" && out != tc.out) || (tc.out == "" && strings.Contains(out, "remote")) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", tc.name, code, out, errOut)
		}
		if len(*seen) != tc.calls || (tc.calls > 0 && (*seen)[0] != "/v1/completions Bearer k1") {
			t.Errorf("%s: remote saw %q", tc.name, *seen)
		}
	}
	remote.Close()
	code, out, errOut := runCmd(append(base, "--min-confidence", "1")...)
	if code != 0 || strings.TrimSpace(out) == "" || !strings.Contains(errOut, `{"source":"local","rule":"remote_failed"`) || !strings.Contains(errOut, `"error":"`) {
		t.Errorf("remote down: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, _, errOut = runCmd(append(base, "-c", "4")...)
	if code != 1 || !strings.Contains(errOut, "does not fit the local context of 4, but the remote failed") {
		t.Errorf("too long, remote down: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCmd(append(base, "--ids")...); code != 1 || !strings.Contains(errOut, "--ids") {
		t.Errorf("--ids with a fallback: exit %d, stderr %q", code, errOut)
	}
}
