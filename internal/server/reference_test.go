package server

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/testref"
	"github.com/gollm/gollm/model/chat"
)

// TestReferenceModelChat serves llama.cpp's reference tiny-qwen2 with the
// chat format recognized from its own template (skipped without
// ../shared).
func TestReferenceModelChat(t *testing.T) {
	path := testref.Model(t, "tiny-qwen2-s1-q8_0")
	m, err := gollm.Load(path, gollm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, err := New(m, Config{Name: "ref", Session: gollm.SessionOptions{ContextSize: 256, Threads: 1},
		Tokenize: func(text string) []int32 { return chat.Encode(m.Engine().Tokenizer, text) }})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer func() { hs.Close(); s.Close() }()
	// The model's own template: Qwen2's ChatML with its default system
	// message, 5 control tokens and a few text tokens each side.
	code, v := post(t, hs.URL+"/v1/chat/completions", `{"messages":[{"role":"user","content":"Hi"}],"max_tokens":5,"temperature":0}`)
	if code != 200 || v["model"] != "ref" {
		t.Fatalf("status %d: %v", code, v)
	}
	want, err := m.PrepareChat(gollm.ChatRequest{Messages: []gollm.Message{{Role: "user", Content: "Hi"}}})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := get(v, "usage", "prompt_tokens").(float64); int(p) != len(want.Tokens) || !strings.HasPrefix(want.Text, "<|im_start|>system\nYou are a helpful assistant.<|im_end|>") {
		t.Errorf("prompt_tokens %v, want %d (%q)", p, len(want.Tokens), want.Text)
	}
	checkUsage(t, v, 5)
	checkLocal(t, v["gollm"])
}
