package server

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm"
)

// TestErrors sends every kind of bad request and checks the status and the
// OpenAI-style error body, then that the server still answers.
func TestErrors(t *testing.T) {
	_, hs := start(t, Config{})
	long := `"` + strings.Repeat("word ", 400) + `"`
	chat, cmpl := "/v1/chat/completions", "/v1/completions"
	msgs := `"messages":[{"role":"user","content":"hi"}]`
	for _, tc := range []struct {
		name, path, body string
		status           int
		param, code      string
	}{
		{"invalid JSON", chat, `{"messages":`, 400, "", "invalid_json"},
		{"trailing garbage", cmpl, `{"prompt":"a"} x`, 400, "", "invalid_json"},
		{"not an object", chat, `[1,2]`, 400, "", "invalid_json"},
		{"temperature string", chat, `{` + msgs + `,"temperature":"hot"}`, 400, "temperature", "invalid_type"},
		{"max_tokens float", chat, `{` + msgs + `,"max_tokens":1.5}`, 400, "max_tokens", "invalid_type"},
		{"stream string", cmpl, `{"prompt":"a","stream":"yes"}`, 400, "stream", "invalid_type"},
		{"include_usage string", cmpl, `{"prompt":"a","stream":true,"stream_options":{"include_usage":1}}`, 400, "stream_options.include_usage", "invalid_type"},
		{"seed string", cmpl, `{"prompt":"a","seed":"1"}`, 400, "seed", "invalid_type"},
		{"model number", cmpl, `{"prompt":"a","model":7}`, 400, "model", "invalid_type"},
		{"stop number", cmpl, `{"prompt":"a","stop":5}`, 400, "stop", "invalid_type"},
		{"stop mixed array", cmpl, `{"prompt":"a","stop":["x",5]}`, 400, "stop", "invalid_type"},
		{"stop empty", cmpl, `{"prompt":"a","stop":[""]}`, 400, "stop", "invalid_value"},
		{"messages string", chat, `{"messages":"hi"}`, 400, "messages", "invalid_type"},
		{"messages missing", chat, `{"max_tokens":3}`, 400, "messages", "missing_required_parameter"},
		{"prompt on chat", chat, `{` + msgs + `,"prompt":"hi"}`, 400, "prompt", "unsupported_parameter"},
		{"messages on completions", cmpl, `{"prompt":"a",` + msgs + `}`, 400, "messages", "unsupported_parameter"},
		{"unknown field", chat, `{` + msgs + `,"logit_bias":{"1":5},"some_unknown_field":{"a":1}}`, 400, "logit_bias", "unsupported_parameter"},
		{"unknown field completions", cmpl, `{"prompt":"a","suffix":"b"}`, 400, "suffix", "unsupported_parameter"},
		{"other model", chat, `{"model":"gpt-4o",` + msgs + `}`, 400, "model", "model_not_found"},
		{"messages empty", chat, `{"messages":[]}`, 400, "messages", "invalid_value"},
		{"role missing", chat, `{"messages":[{"content":"hi"}]}`, 400, "messages[0].role", "missing_required_parameter"},
		{"role unknown", chat, `{"messages":[{"role":"wizard","content":"hi"}]}`, 400, "messages[0].role", "invalid_value"},
		{"content number", chat, `{"messages":[{"role":"user","content":3}]}`, 400, "messages[0].content", "invalid_type"},
		{"content image", chat, `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}]}`, 400, "messages[0].content[0]", "invalid_value"},
		{"prompt missing", cmpl, `{"max_tokens":3}`, 400, "prompt", "missing_required_parameter"},
		{"prompt number", cmpl, `{"prompt":3}`, 400, "prompt", "invalid_type"},
		{"prompt two", cmpl, `{"prompt":["a","b"]}`, 400, "prompt", "invalid_value"},
		{"prompt empty", cmpl, `{"prompt":""}`, 400, "prompt", "invalid_value"},
		{"max_tokens zero", cmpl, `{"prompt":"a","max_tokens":0}`, 400, "max_tokens", "invalid_value"},
		{"max_tokens over context", cmpl, `{"prompt":"a","max_tokens":257}`, 400, "max_tokens", "invalid_value"},
		{"max_completion_tokens negative", chat, `{` + msgs + `,"max_completion_tokens":-1}`, 400, "max_completion_tokens", "invalid_value"},
		{"temperature high", chat, `{` + msgs + `,"temperature":2.5}`, 400, "temperature", "invalid_value"},
		{"temperature negative", chat, `{` + msgs + `,"temperature":-0.1}`, 400, "temperature", "invalid_value"},
		{"top_p high", cmpl, `{"prompt":"a","top_p":1.5}`, 400, "top_p", "invalid_value"},
		{"top_k negative", cmpl, `{"prompt":"a","top_k":-1}`, 400, "top_k", "invalid_value"},
		{"min_p high", cmpl, `{"prompt":"a","min_p":2}`, 400, "min_p", "invalid_value"},
		{"presence_penalty high", cmpl, `{"prompt":"a","presence_penalty":3}`, 400, "presence_penalty", "invalid_value"},
		{"repeat_penalty zero", cmpl, `{"prompt":"a","repeat_penalty":0}`, 400, "repeat_penalty", "invalid_value"},
		{"n two", cmpl, `{"prompt":"a","n":2}`, 400, "n", "invalid_value"},
		{"prompt too long", cmpl, `{"prompt":` + long + `}`, 400, "prompt", "context_length_exceeded"},
		{"messages too long", chat, `{"messages":[{"role":"user","content":` + long + `}]}`, 400, "messages", "context_length_exceeded"},
		{"unknown path", "/v1/audio/speech", `{}`, 404, "", "unknown_url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, v := post(t, hs.URL+tc.path, tc.body)
			e, _ := v["error"].(map[string]any)
			if code != tc.status || e == nil {
				t.Fatalf("status %d, body %v; want %d", code, v, tc.status)
			}
			msg, _ := e["message"].(string)
			if msg == "" || e["type"] != "invalid_request_error" {
				t.Errorf("error %v", e)
			}
			if p, _ := e["param"].(string); p != tc.param || (tc.param == "" && e["param"] != nil) {
				t.Errorf("param %v, want %q (%s)", e["param"], tc.param, msg)
			}
			if c, _ := e["code"].(string); c != tc.code {
				t.Errorf("code %v, want %q (%s)", e["code"], tc.code, msg)
			}
		})
	}
	for _, path := range []string{chat, cmpl} {
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
			t.Errorf("GET %s: %d, Allow %q", path, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	// The server carries on.
	if code, v := post(t, hs.URL+cmpl, `{"prompt":"a","max_tokens":2}`); code != 200 {
		t.Errorf("after the errors: %d %v", code, v)
	}
}

func TestChatWithoutTemplate(t *testing.T) {
	_, hs := startWith(t, gollm.Options{ChatTemplate: "no-such-format"}, Config{})
	code, v := post(t, hs.URL+"/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}]}`)
	if code != 400 || get(v, "error", "param") != "messages" || !strings.Contains(get(v, "error", "message").(string), "no-such-format") {
		t.Errorf("status %d: %v", code, v)
	}
	if code, v := post(t, hs.URL+"/v1/completions", `{"prompt":"a","max_tokens":1}`); code != 200 {
		t.Errorf("completions without a chat template: %d %v", code, v)
	}
}

func TestOversizedBody(t *testing.T) {
	_, hs := start(t, Config{})
	body := `{"prompt":"` + strings.Repeat("a", maxBody) + `"}`
	code, v := post(t, hs.URL+"/v1/completions", body)
	if code != 413 || get(v, "error", "type") != "invalid_request_error" {
		t.Errorf("status %d: %v", code, v)
	}
}

func TestPromptFormattingErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "strict.jinja")
	src := "{% for m in messages %}{% if m.role == 'tool' %}{{ raise_exception('no tool role here') }}{% endif %}" +
		"{{ m.content }}{% endfor %}"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s, hs := startWith(t, gollm.Options{ChatTemplateFile: file}, Config{})
	code, v := post(t, hs.URL+"/v1/chat/completions", `{"messages":[{"role":"tool","content":"x"}]}`)
	if msg, _ := get(v, "error", "message").(string); code != 400 || get(v, "error", "param") != "messages" || !strings.HasSuffix(msg, "no tool role here") {
		t.Errorf("template error: %d %v", code, v)
	}
	s.cfg.Tokenize = func(string) []int32 { return nil }
	code, v = post(t, hs.URL+"/v1/completions", `{"prompt":"x"}`)
	if code != 400 || get(v, "error", "param") != "prompt" {
		t.Errorf("no tokens: %d %v", code, v)
	}
}
