package gollm

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testmodel"
)

// chatIDs collects a chat answer's token ids and text.
func chatIDs(t *testing.T, seq func(func(Token, error) bool)) ([]int32, string) {
	t.Helper()
	var ids []int32
	var text strings.Builder
	for tok, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		if tok.ID >= 0 {
			ids = append(ids, tok.ID)
		}
		text.WriteString(tok.Text)
	}
	return ids, text.String()
}

// TestModelChat answers a conversation and its follow-up with Model.Chat:
// the answers are those of a fresh session given the rendered prompt, and
// the follow-up runs on the session the first answer left, reusing its
// cache.
func TestModelChat(t *testing.T) {
	m, err := Load(testmodel.Tiny(t, "qwen2", "Q8_0"), Options{Session: SessionOptions{ContextSize: 256, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if name, err := m.ChatTemplate(); err != nil || name == "" {
		t.Fatalf("chat template %q: %v", name, err)
	}
	opts := GenerateOptions{MaxTokens: 8}
	msgs := []Message{{Role: "system", Content: "Be brief."}, {Role: "user", Content: "Hello there, how are you?"}}
	ids, answer := chatIDs(t, m.Chat(context.Background(), msgs, opts))

	fresh, err := m.NewSession(SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	prompt, err := m.ChatPrompt(msgs)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := chatIDs(t, fresh.Chat(context.Background(), msgs, opts)); !slices.Equal(ids, want) {
		t.Errorf("Model.Chat %v, Session.Chat %v", ids, want)
	}
	if fresh.Stats().PromptTokens != len(prompt) {
		t.Errorf("the chat prompt has %d tokens, ChatPrompt %d", fresh.Stats().PromptTokens, len(prompt))
	}

	if len(m.chat.idle) != 1 {
		t.Fatalf("%d idle sessions after one chat", len(m.chat.idle))
	}
	kept := m.chat.idle[0]
	msgs = append(msgs, Message{Role: "assistant", Content: answer}, Message{Role: "user", Content: "And then?"})
	chatIDs(t, m.Chat(context.Background(), msgs, opts))
	if len(m.chat.idle) != 1 || m.chat.idle[0] != kept || kept.Stats().CachedTokens < len(prompt)/2 {
		t.Errorf("the follow-up reused %d tokens on %d idle sessions", kept.Stats().CachedTokens, len(m.chat.idle))
	}

	bad, err := Load(testmodel.Tiny(t, "qwen2", "Q8_0"), Options{ChatTemplate: "no-such-format"})
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	for _, err := range bad.Chat(context.Background(), msgs, opts) {
		if err == nil || !strings.Contains(err.Error(), "no-such-format") {
			t.Errorf("unknown template: %v", err)
		}
	}
}
