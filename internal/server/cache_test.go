package server

import (
	"fmt"
	"testing"
)

// chatBody is a greedy chat request of the given messages (JSON objects).
func chatBody(msgs ...string) string {
	b := `{"messages":[`
	for i, m := range msgs {
		if i > 0 {
			b += ","
		}
		b += m
	}
	return b + `],"max_tokens":6,"temperature":0}`
}

func msg(role, content string) string { return fmt.Sprintf(`{"role":%q,"content":%q}`, role, content) }

// TestPromptCacheAcrossRequests runs two conversations on two slots: each
// follow-up goes to the slot holding its conversation, reports the reused
// prefix as cached tokens, and answers as a server without that cache does.
func TestPromptCacheAcrossRequests(t *testing.T) {
	_, hs := start(t, Config{Parallel: 2, Session: sessionCtx(512)})
	history := "Here is a long story about the sea and the ships that sail on it, told slowly. "
	for range 2 {
		history += history
	}
	convs := [][]string{
		{msg("system", history), msg("user", "What is it about?")},
		{msg("system", "Another conversation altogether, short."), msg("user", "Hello there")},
	}
	slotOf := make([]float64, 2)
	for i, c := range convs {
		code, v := post(t, hs.URL+"/v1/chat/completions", chatBody(c...))
		if code != 200 {
			t.Fatalf("conversation %d: %d %v", i, code, v)
		}
		if c := get(v, "usage", "prompt_tokens_details", "cached_tokens"); c != 0.0 {
			t.Errorf("conversation %d: first request cached %v tokens", i, c)
		}
		slotOf[i] = get(v, "gollm", "slot").(float64)
		answer := get(v, "choices", 0, "message", "content").(string)
		convs[i] = append(c, msg("assistant", answer), msg("user", "And then?"))
	}
	if slotOf[0] == slotOf[1] {
		t.Fatalf("both conversations went to slot %v", slotOf[0])
	}
	for i, c := range convs {
		code, v := post(t, hs.URL+"/v1/chat/completions", chatBody(c...))
		if code != 200 {
			t.Fatalf("follow-up %d: %d %v", i, code, v)
		}
		if s := get(v, "gollm", "slot"); s != slotOf[i] {
			t.Errorf("follow-up %d went to slot %v, its conversation is in %v", i, s, slotOf[i])
		}
		prompt := get(v, "usage", "prompt_tokens").(float64)
		cached := get(v, "usage", "prompt_tokens_details", "cached_tokens").(float64)
		if cached < prompt/2 || cached >= prompt || get(v, "gollm", "timings", "cached_tokens") != cached {
			t.Errorf("follow-up %d: %v of %v prompt tokens cached (timings %v)", i, cached, prompt, get(v, "gollm", "timings"))
		}
		_, fresh := start(t, Config{Session: sessionCtx(512)})
		_, w := post(t, fresh.URL+"/v1/chat/completions", chatBody(c...))
		if got, want := get(v, "choices", 0, "message", "content"), get(w, "choices", 0, "message", "content"); got != want {
			t.Errorf("follow-up %d: %q with the cache, %q without", i, got, want)
		}
	}
}

// TestCachePromptFalse repeats a request with llama-server's
// cache_prompt: false: nothing is reused.
func TestCachePromptFalse(t *testing.T) {
	_, hs := start(t, Config{})
	body := `{"messages":[{"role":"user","content":"The same question twice"}],"max_tokens":3,"temperature":0`
	post(t, hs.URL+"/v1/chat/completions", body+`}`)
	_, v := post(t, hs.URL+"/v1/chat/completions", body+`,"cache_prompt":false}`)
	if c := get(v, "usage", "prompt_tokens_details", "cached_tokens"); c != 0.0 {
		t.Errorf("cache_prompt false: %v tokens cached", c)
	}
	_, v = post(t, hs.URL+"/v1/chat/completions", body+`,"cache_prompt":true}`)
	if c := get(v, "usage", "prompt_tokens_details", "cached_tokens").(float64); c == 0 {
		t.Error("cache_prompt true: nothing cached")
	}
}
