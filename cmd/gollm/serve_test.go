package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

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
		errc <- serve(ctx, []string{"-m", path, "--addr", "127.0.0.1:0", "-c", "128", "-t", "1", "--parallel", "2", "--alias", "tiny"},
			&stderr, func(a string) { addrc <- a })
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
	for _, want := range []string{"chatml chat template", "2 session(s) of 128 tokens", "nothing leaves this machine", "listening on http://127.0.0.1:", "shutting down"} {
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
	} {
		if code, _, errOut := runCmd(args...); code != 1 || !strings.HasPrefix(errOut, "gollm serve: ") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
}
