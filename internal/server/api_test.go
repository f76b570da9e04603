package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// do sends a request with an optional bearer key and returns the status
// and body.
func do(t *testing.T, method, url, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAPIKey(t *testing.T) {
	_, hs := start(t, Config{APIKey: "s3cret"})
	for _, tc := range []struct {
		method, path, key, body string
		want                    int
	}{
		{"GET", "/health", "", "", 200},
		{"GET", "/v1/models", "", "", 401},
		{"GET", "/v1/models", "wrong", "", 401},
		{"GET", "/v1/models", "s3cret-and-more", "", 401},
		{"GET", "/v1/models", "s3cret", "", 200},
		{"GET", "/metrics", "", "", 401},
		{"GET", "/metrics", "s3cret", "", 200},
		{"GET", "/slots", "", "", 401},
		{"POST", "/v1/completions", "", `{"prompt":"a","max_tokens":2}`, 401},
		{"POST", "/v1/completions", "s3cret", `{"prompt":"a","max_tokens":2}`, 200},
		{"POST", "/nowhere", "", `{}`, 401},
	} {
		code, body := do(t, tc.method, hs.URL+tc.path, tc.key, tc.body)
		if code != tc.want {
			t.Errorf("%s %s with key %q: %d, want %d (%s)", tc.method, tc.path, tc.key, code, tc.want, body)
		}
		if code == 401 && !strings.Contains(body, `"code":"invalid_api_key"`) {
			t.Errorf("401 body %s", body)
		}
	}
}

func TestAccessLog(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var log syncBuffer
		_, hs := start(t, Config{AccessLog: &log, LogFormat: format})
		post(t, hs.URL+"/v1/completions", `{"prompt":"Once upon a time","max_tokens":3,"temperature":0}`)
		post(t, hs.URL+"/v1/completions", `{"prompt":3}`)
		do(t, "GET", hs.URL+"/health", "", "")
		lines := strings.Split(strings.TrimSpace(log.String()), "\n")
		if len(lines) != 3 {
			t.Fatalf("%s: %d lines:\n%s", format, len(lines), log.String())
		}
		if format == "text" {
			re := regexp.MustCompile(`^\S+ POST /v1/completions 200 in=(\d+) out=3 \d+\.\dms$`)
			if m := re.FindStringSubmatch(lines[0]); m == nil || m[1] == "0" {
				t.Errorf("text line %q", lines[0])
			}
			if !strings.Contains(lines[1], " POST /v1/completions 400 in=0 out=0 ") || !strings.Contains(lines[2], " GET /health 200 ") {
				t.Errorf("text lines %q", lines[1:])
			}
			continue
		}
		var e struct {
			Time, Method, Path string
			Status             int
			In                 int `json:"tokens_in"`
			Out                int `json:"tokens_out"`
			Ms                 float64
		}
		if err := json.Unmarshal([]byte(lines[0]), &e); err != nil || e.Method != "POST" || e.Path != "/v1/completions" ||
			e.Status != 200 || e.In == 0 || e.Out != 3 || e.Ms <= 0 || e.Time == "" {
			t.Errorf("json line %s: %+v %v", lines[0], e, err)
		}
	}
}

func TestMetrics(t *testing.T) {
	_, hs := start(t, Config{Parallel: 2})
	body := chatBody(msg("user", "Tell me about the sea and the ships that sail on it, please, at length."))
	post(t, hs.URL+"/v1/chat/completions", body)
	post(t, hs.URL+"/v1/chat/completions", body) // reuses the cache
	post(t, hs.URL+"/v1/completions", `{"prompt":3}`)
	code, text := do(t, "GET", hs.URL+"/metrics", "", "")
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	for _, want := range []string{
		`gollm_requests_total{code="200",endpoint="/v1/chat/completions"} 2`,
		`gollm_requests_total{code="400",endpoint="/v1/completions"} 1`,
		`gollm_generations_total 2`,
		`gollm_prompt_cache_hits_total 1`,
		`gollm_generated_tokens_total 12`,
		`gollm_slots 2`,
		`gollm_slots_busy 0`,
		`gollm_queue_depth 0`,
		`# TYPE gollm_prompt_tokens_per_second gauge`,
		`# TYPE gollm_generation_tokens_per_second gauge`,
		`# TYPE gollm_prompt_cached_tokens_total counter`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if regexp.MustCompile(`gollm_prompt_cached_tokens_total 0\n`).MatchString(text) {
		t.Error("no cached tokens counted")
	}
}
