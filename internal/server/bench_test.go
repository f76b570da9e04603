package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/testmodel"
)

// BenchmarkPromptCacheTTFT measures what the prompt cache saves a chat: a
// first request with a history of at least 1,500 tokens, then a second
// request sharing that history (plus the first answer and a new question).
// It reports both requests' time to first token (the server's
// gollm.timings: prefill and the first sampled token), their ratio and the
// cached tokens, and fails if the second answer differs from the answer to
// the same request on an emptied cache. The model is GOLLM_BENCH_MODEL (a
// GGUF path), else a generated tiny qwen2; the command behind the figure in
// docs/benchmarks.md:
//
//	go run ./internal/testmodel/gen -preset qwen2.5-0.5b -type Q4_0 -o qwen05-q4_0.gguf
//	GOLLM_BENCH_MODEL=qwen05-q4_0.gguf go test -run '^$' -bench PromptCacheTTFT -benchtime 3x ./internal/server
func BenchmarkPromptCacheTTFT(b *testing.B) {
	path := os.Getenv("GOLLM_BENCH_MODEL")
	if path == "" {
		path = testmodel.Tiny(b, "qwen2", "Q4_0")
	}
	m, err := gollm.Load(path, gollm.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	srv, err := New(m, Config{Name: "bench",
		Session: gollm.SessionOptions{ContextSize: 2048, Threads: runtime.NumCPU()}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	url := "http://bench/v1/chat/completions"

	// A history of at least 1,500 tokens: a system prompt and past turns.
	history := []string{msg("system", "You are the assistant of a private notes app. Answer from the notes below.")}
	for i := 0; ; i++ {
		ids, err := m.ChatPrompt(messagesOf(history))
		if err != nil {
			b.Fatal(err)
		}
		if len(ids) >= 1500 {
			break
		}
		history = append(history,
			msg("user", "Note "+strings.Repeat("about the garden, the bees and the weather in spring; ", 4)),
			msg("assistant", "Noted: "+strings.Repeat("the garden, the bees, the spring weather. ", 3)))
	}
	first := append(history, msg("user", "What did I write about the bees?"))
	var ttft1, ttft2, cached, prompt float64
	for range b.N {
		serve(b, srv, "POST", "http://bench/slots/0?action=erase", "{}")
		v := serve(b, srv, "POST", url, chatBody(first...))
		ttft1 += get(v, "gollm", "timings", "time_to_first_token_ms").(float64)
		second := append(first, msg("assistant", get(v, "choices", 0, "message", "content").(string)),
			msg("user", "And about the weather?"))
		v = serve(b, srv, "POST", url, chatBody(second...))
		ttft2 += get(v, "gollm", "timings", "time_to_first_token_ms").(float64)
		cached = get(v, "usage", "prompt_tokens_details", "cached_tokens").(float64)
		prompt = get(v, "usage", "prompt_tokens").(float64)
		answer := get(v, "choices", 0, "message", "content")
		serve(b, srv, "POST", "http://bench/slots/0?action=erase", "{}")
		if w := serve(b, srv, "POST", url, chatBody(second...)); get(w, "choices", 0, "message", "content") != answer {
			b.Fatalf("the second answer is %q with the cache, %q without", answer, get(w, "choices", 0, "message", "content"))
		}
	}
	n := float64(b.N)
	b.ReportMetric(ttft1/n, "ttft-first-ms")
	b.ReportMetric(ttft2/n, "ttft-cached-ms")
	b.ReportMetric(ttft1/ttft2, "ttft-ratio")
	b.ReportMetric(cached, "cached-tokens")
	b.ReportMetric(prompt, "prompt-tokens")
}

// messagesOf decodes the JSON messages msg builds.
func messagesOf(msgs []string) []gollm.Message {
	out := make([]gollm.Message, len(msgs))
	for i, s := range msgs {
		var m struct{ Role, Content string }
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			panic(err)
		}
		out[i] = gollm.Message{Role: m.Role, Content: m.Content}
	}
	return out
}

// serve runs one request through the handler and decodes its JSON answer,
// failing on a status other than 200.
func serve(tb testing.TB, h http.Handler, method, url, body string) map[string]any {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, url, strings.NewReader(body)))
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || rec.Code != http.StatusOK {
		tb.Fatalf("%s %s: %d %s", method, url, rec.Code, rec.Body.Bytes())
	}
	return v
}
