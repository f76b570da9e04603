package server

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestChatLogprobs checks the chat shape (greedy: the chosen token is the
// most likely alternative) and that a stream carries the same entries.
func TestChatLogprobs(t *testing.T) {
	_, hs := start(t, Config{})
	body := `{"messages":[{"role":"user","content":"Hello"}],"max_tokens":8,"temperature":0,"logprobs":true,"top_logprobs":3`
	code, v := post(t, hs.URL+"/v1/chat/completions", body+`}`)
	if code != 200 {
		t.Fatalf("status %d: %v", code, v)
	}
	content, _ := get(v, "choices", 0, "logprobs", "content").([]any)
	if n := get(v, "usage", "completion_tokens").(float64); len(content) != int(n) {
		t.Fatalf("%d logprobs entries for %v tokens", len(content), n)
	}
	var text strings.Builder
	for i, e := range content {
		tok, _ := get(e, "token").(string)
		lp, _ := get(e, "logprob").(float64)
		var bytes []byte
		for _, b := range get(e, "bytes").([]any) {
			bytes = append(bytes, byte(b.(float64)))
		}
		if string(bytes) != tok && !strings.ContainsRune(tok, '\uFFFD') {
			t.Errorf("entry %d: token %q, bytes %q", i, tok, bytes)
		}
		text.Write(bytes)
		top, _ := get(e, "top_logprobs").([]any)
		if len(top) != 3 || !(lp <= 0) {
			t.Fatalf("entry %d: logprob %v, %d alternatives", i, lp, len(top))
		}
		if get(top[0], "token") != tok || math.Abs(get(top[0], "logprob").(float64)-lp) > 1e-12 {
			t.Errorf("entry %d: greedy token %q (%v) is not the first alternative %v", i, tok, lp, top[0])
		}
		for j := 1; j < 3; j++ {
			if get(top[j], "logprob").(float64) > get(top[j-1], "logprob").(float64) {
				t.Errorf("entry %d: alternatives out of order %v", i, top)
			}
		}
	}
	if got := get(v, "choices", 0, "message", "content"); utf8.ValidString(text.String()) && text.String() != got {
		t.Errorf("the tokens spell %q, the content is %q", text.String(), got)
	}

	var streamed []any
	for _, ev := range stream(t, hs.URL+"/v1/chat/completions", body+`,"stream":true}`) {
		if ev == "[DONE]" {
			break
		}
		var c map[string]any
		json.Unmarshal([]byte(ev), &c)
		if lp := get(c, "choices", 0, "logprobs", "content"); lp != nil {
			streamed = append(streamed, lp.([]any)...)
		}
	}
	if !reflect.DeepEqual(streamed, content) {
		t.Errorf("streamed logprobs differ:\n%v\n%v", streamed, content)
	}

	// Without logprobs, the field is null.
	_, v = post(t, hs.URL+"/v1/chat/completions", `{"messages":[{"role":"user","content":"Hello"}],"max_tokens":2}`)
	if c := get(v, "choices", 0).(map[string]any); c["logprobs"] != nil {
		t.Errorf("logprobs without asking: %v", c["logprobs"])
	}
}

// TestCompletionLogprobs checks the legacy shape of /v1/completions,
// streamed and not.
func TestCompletionLogprobs(t *testing.T) {
	_, hs := start(t, Config{})
	body := `{"prompt":"Once upon a time","max_tokens":6,"temperature":0,"logprobs":2`
	code, v := post(t, hs.URL+"/v1/completions", body+`}`)
	if code != 200 {
		t.Fatalf("status %d: %v", code, v)
	}
	lp := get(v, "choices", 0, "logprobs").(map[string]any)
	toks, lps, tops, offs := lp["tokens"].([]any), lp["token_logprobs"].([]any), lp["top_logprobs"].([]any), lp["text_offset"].([]any)
	if len(toks) != 6 || len(lps) != 6 || len(tops) != 6 || len(offs) != 6 {
		t.Fatalf("logprobs %v", lp)
	}
	off, valid := 0, true
	for _, tok := range toks {
		valid = valid && !strings.ContainsRune(tok.(string), utf8.RuneError)
	}
	for i := range toks {
		// Offsets count the tokens' bytes; JSON shows a piece of a UTF-8
		// character as U+FFFD, so check them exactly on valid text only.
		if o := int(offs[i].(float64)); (valid && o != off) || (i > 0 && o < int(offs[i-1].(float64))) || (i == 0 && o != 0) {
			t.Errorf("token %d: offset %v, want %d", i, offs[i], off)
		}
		off += len(toks[i].(string))
		top := tops[i].(map[string]any)
		if len(top) < 1 || len(top) > 2 || top[toks[i].(string)] != lps[i] {
			t.Errorf("token %d %q (%v): alternatives %v", i, toks[i], lps[i], top)
		}
	}
	var streamed []any
	for _, ev := range stream(t, hs.URL+"/v1/completions", body+`,"stream":true}`) {
		if ev == "[DONE]" {
			break
		}
		var c map[string]any
		json.Unmarshal([]byte(ev), &c)
		if l := get(c, "choices", 0, "logprobs", "token_logprobs"); l != nil {
			streamed = append(streamed, l.([]any)...)
		}
	}
	if !reflect.DeepEqual(streamed, lps) {
		t.Errorf("streamed %v, whole %v", streamed, lps)
	}
}

func TestLogprobsErrors(t *testing.T) {
	_, hs := start(t, Config{})
	msgs := `"messages":[{"role":"user","content":"hi"}]`
	for _, tc := range []struct{ path, body, param, code string }{
		{"/v1/chat/completions", `{` + msgs + `,"logprobs":"yes"}`, "logprobs", "invalid_type"},
		{"/v1/chat/completions", `{` + msgs + `,"logprobs":true,"top_logprobs":21}`, "top_logprobs", "invalid_value"},
		{"/v1/chat/completions", `{` + msgs + `,"top_logprobs":2}`, "top_logprobs", "invalid_value"},
		{"/v1/completions", `{"prompt":"a","logprobs":true}`, "logprobs", "invalid_type"},
		{"/v1/completions", `{"prompt":"a","logprobs":-1}`, "logprobs", "invalid_value"},
		{"/v1/completions", `{"prompt":"a","logprobs":2,"top_logprobs":2}`, "top_logprobs", "unsupported_parameter"},
	} {
		code, v := post(t, hs.URL+tc.path, tc.body)
		if code != 400 || get(v, "error", "param") != tc.param || get(v, "error", "code") != tc.code {
			t.Errorf("%s %s: %d %v", tc.path, tc.body, code, v)
		}
	}
}
