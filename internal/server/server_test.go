package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func checkUsage(t *testing.T, v map[string]any, maxCompletion float64) {
	t.Helper()
	p, _ := get(v, "usage", "prompt_tokens").(float64)
	c, _ := get(v, "usage", "completion_tokens").(float64)
	tot, _ := get(v, "usage", "total_tokens").(float64)
	if p <= 0 || c < 0 || c > maxCompletion || tot != p+c {
		t.Errorf("usage %v", v["usage"])
	}
}

func checkLocal(t *testing.T, g any) {
	t.Helper()
	conf, ok := get(g, "confidence").(float64)
	if !ok || conf < 0 || conf > 1 || get(g, "source") != "local" {
		t.Errorf("gollm %v", g)
	}
}

func TestChatCompletion(t *testing.T) {
	_, hs := start(t, Config{})
	code, v := post(t, hs.URL+"/v1/chat/completions",
		`{"model":"tiny","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Hello"}]}],"max_tokens":8,"temperature":0.7,"seed":3,"top_k":20,"top_p":0.9,"min_p":0.01,"frequency_penalty":0.1,"presence_penalty":0.1,"repeat_penalty":1.1,"user":"u1"}`)
	if code != 200 {
		t.Fatalf("status %d: %v", code, v)
	}
	if v["object"] != "chat.completion" || !strings.HasPrefix(v["id"].(string), "chatcmpl-") || v["model"] != "tiny" {
		t.Errorf("response %v", v)
	}
	if get(v, "choices", 0, "message", "role") != "assistant" {
		t.Errorf("choice %v", get(v, "choices", 0))
	}
	if _, ok := get(v, "choices", 0, "message", "content").(string); !ok {
		t.Errorf("no content: %v", get(v, "choices", 0))
	}
	if f := get(v, "choices", 0, "finish_reason"); f != "stop" && f != "length" {
		t.Errorf("finish_reason %v", f)
	}
	checkUsage(t, v, 8)
	checkLocal(t, v["gollm"])
}

func TestCompletionGreedyAndLength(t *testing.T) {
	_, hs := start(t, Config{})
	body := `{"prompt":"Once upon a time","max_tokens":6,"temperature":0}`
	_, a := post(t, hs.URL+"/v1/completions", body)
	code, b := post(t, hs.URL+"/v1/completions", body)
	if code != 200 || a["object"] != "text_completion" || !strings.HasPrefix(a["id"].(string), "cmpl-") {
		t.Fatalf("status %d: %v", code, b)
	}
	ta, tb := get(a, "choices", 0, "text"), get(b, "choices", 0, "text")
	if ta != tb {
		t.Errorf("greedy texts differ: %q, %q", ta, tb)
	}
	if get(a, "choices", 0, "finish_reason") == "length" && get(a, "usage", "completion_tokens") != 6.0 {
		t.Errorf("finish length with usage %v", a["usage"])
	}
	checkUsage(t, a, 6)
	// max_completion_tokens is the newer name of max_tokens.
	_, c := post(t, hs.URL+"/v1/completions", `{"prompt":["Once upon a time"],"max_completion_tokens":3,"temperature":0}`)
	checkUsage(t, c, 3)
}

func TestStopString(t *testing.T) {
	_, hs := start(t, Config{})
	_, v := post(t, hs.URL+"/v1/completions", `{"prompt":"The","max_tokens":40,"temperature":0}`)
	text := get(v, "choices", 0, "text").(string)
	// A stop string of two ASCII letters after the start (the random
	// model also writes invalid UTF-8, which JSON turns into U+FFFD).
	stop := ""
	for i := 2; i+1 < len(text) && stop == ""; i++ {
		if isLetter(text[i]) && isLetter(text[i+1]) {
			stop = text[i : i+2]
		}
	}
	if stop == "" {
		t.Skipf("no stop string to pick in %q", text)
	}
	want := text[:strings.Index(text, stop)]
	body, _ := json.Marshal(map[string]any{"prompt": "The", "max_tokens": 40, "temperature": 0, "stop": []string{"\x01never", stop}})
	_, v = post(t, hs.URL+"/v1/completions", string(body))
	if got := get(v, "choices", 0, "text"); got != want || get(v, "choices", 0, "finish_reason") != "stop" {
		t.Errorf("with stop %q: got %q (%v), want %q", stop, got, get(v, "choices", 0, "finish_reason"), want)
	}
	body, _ = json.Marshal(map[string]any{"prompt": "The", "max_tokens": 40, "temperature": 0, "stop": stop})
	_, v = post(t, hs.URL+"/v1/completions", string(body))
	if got := get(v, "choices", 0, "text"); got != want {
		t.Errorf("with stop %q as a string: got %q, want %q", stop, got, want)
	}
}

func TestStreamChatMatchesNonStreaming(t *testing.T) {
	_, hs := start(t, Config{})
	req := `"messages":[{"role":"user","content":"Tell me a story"}],"max_tokens":12,"temperature":0`
	_, whole := post(t, hs.URL+"/v1/chat/completions", "{"+req+"}")
	evs := stream(t, hs.URL+"/v1/chat/completions", "{"+req+`,"stream":true,"stream_options":{"include_usage":true}}`)
	if evs[len(evs)-1] != "[DONE]" {
		t.Fatalf("stream does not end with [DONE]: %q", evs[len(evs)-1])
	}
	var text strings.Builder
	var finish, usage, g any
	for i, e := range evs[:len(evs)-1] {
		var c map[string]any
		if err := json.Unmarshal([]byte(e), &c); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if c["object"] != "chat.completion.chunk" || c["id"] != get(c, "id") {
			t.Errorf("chunk %v", c)
		}
		if i == 0 && get(c, "choices", 0, "delta", "role") != "assistant" {
			t.Errorf("first chunk %v", c)
		}
		if s, ok := get(c, "choices", 0, "delta", "content").(string); ok {
			text.WriteString(s)
		}
		if f := get(c, "choices", 0, "finish_reason"); f != nil {
			finish, g = f, c["gollm"]
		}
		if c["usage"] != nil {
			usage = c
			if n := len(c["choices"].([]any)); n != 0 || i != len(evs)-2 {
				t.Errorf("usage chunk %d of %d has %d choices", i, len(evs), n)
			}
		}
	}
	if text.String() != get(whole, "choices", 0, "message", "content") || finish != get(whole, "choices", 0, "finish_reason") {
		t.Errorf("stream %q (%v), whole %q (%v)", text.String(), finish, get(whole, "choices", 0, "message", "content"), get(whole, "choices", 0, "finish_reason"))
	}
	if usage == nil {
		t.Fatal("no usage chunk")
	}
	if get(usage, "usage", "total_tokens") != get(whole, "usage", "total_tokens") {
		t.Errorf("stream usage %v, whole %v", get(usage, "usage"), whole["usage"])
	}
	checkLocal(t, g)
}

func TestStreamCompletionWithoutUsage(t *testing.T) {
	_, hs := start(t, Config{})
	evs := stream(t, hs.URL+"/v1/completions", `{"prompt":"Hi","max_tokens":4,"stream":true}`)
	if evs[len(evs)-1] != "[DONE]" || len(evs) < 2 {
		t.Fatalf("events %q", evs)
	}
	for _, e := range evs[:len(evs)-1] {
		if strings.Contains(e, `"usage"`) || !strings.Contains(e, `"object":"text_completion"`) {
			t.Errorf("chunk %s", e)
		}
	}
	if !strings.Contains(evs[len(evs)-2], `"finish_reason":"`) {
		t.Errorf("last chunk %s", evs[len(evs)-2])
	}
}

func TestModelsAndHealth(t *testing.T) {
	_, hs := start(t, Config{Parallel: 2, Queue: 3})
	resp, err := http.Get(hs.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if v["object"] != "list" || get(v, "data", 0, "id") != "tiny" || get(v, "data", 0, "object") != "model" {
		t.Errorf("models %v", v)
	}
	resp, err = http.Get(hs.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if resp.StatusCode != 200 || v["status"] != "ok" || v["sessions"] != 2.0 || v["idle"] != 2.0 {
		t.Errorf("health %d %v", resp.StatusCode, v)
	}
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
