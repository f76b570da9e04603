package server

import (
	"net/http/httptest"
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
	text, _ := m.Engine().File().String("tokenizer.chat_template")
	tmpl, err := chat.Detect(text)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(m, Config{Name: "ref", Session: gollm.SessionOptions{ContextSize: 256, Threads: 1},
		Tokenize: func(text string) []int32 { return chat.Encode(m.Engine().Tokenizer, text) },
		Chat: func(msgs []Message) (string, []string, error) {
			cm := make([]chat.Message, len(msgs))
			for i, msg := range msgs {
				cm[i] = chat.Message{Role: msg.Role, Content: msg.Content}
			}
			p, err := tmpl.Apply(cm, true)
			return p, tmpl.Stop(), err
		}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer func() { hs.Close(); s.Close() }()
	// "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n": 3 control
	// tokens and a few text tokens each side.
	code, v := post(t, hs.URL+"/v1/chat/completions", `{"messages":[{"role":"user","content":"Hi"}],"max_tokens":5,"temperature":0}`)
	if code != 200 || v["model"] != "ref" {
		t.Fatalf("status %d: %v", code, v)
	}
	if p, _ := get(v, "usage", "prompt_tokens").(float64); p < 6 || p > 20 {
		t.Errorf("prompt_tokens %v for a one-message ChatML prompt", p)
	}
	checkUsage(t, v, 5)
	checkLocal(t, v["gollm"])
}
