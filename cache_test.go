package gollm_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gollm/gollm"
)

// generateIDs collects the token ids of a whole generation from ids.
func generateIDs(t *testing.T, s *gollm.Session, ids []int32, opts gollm.GenerateOptions) []int32 {
	t.Helper()
	var out []int32
	for tok, err := range s.GenerateTokens(context.Background(), ids, opts) {
		if err != nil {
			t.Fatal(err)
		}
		if tok.ID >= 0 {
			out = append(out, tok.ID)
		}
	}
	return out
}

// TestPromptCacheReusesPrefix gives a session a follow-up that repeats the
// first prompt and answer, then a prompt that diverges inside the first
// one: each reuses exactly the shared prefix, and every answer is the one
// a fresh session gives (greedy). The small batch puts chunk boundaries at
// different places with and without the cache.
func TestPromptCacheReusesPrefix(t *testing.T) {
	for _, tc := range []struct{ arch, typ string }{{"qwen2", "Q8_0"}, {"llama", "Q4_0"}, {"phi3", "Q8_0"}} {
		t.Run(tc.arch, func(t *testing.T) {
			m := loadTiny(t, tc.arch, tc.typ)
			so := gollm.SessionOptions{ContextSize: 256, BatchSize: 16, Threads: 2}
			s, err := m.NewSession(so)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			opts := gollm.GenerateOptions{MaxTokens: 12}
			first := m.Tokenize("The history of the world in a few words: it began, and then", true)
			for len(first) < 60 {
				first = append(first, first[1:]...)
			}
			answer := generateIDs(t, s, first, opts)
			if st := s.Stats(); st.CachedTokens != 0 || st.PromptTokens != len(first) {
				t.Fatalf("first prompt: %d cached of %d, want 0 of %d", st.CachedTokens, st.PromptTokens, len(first))
			}
			if got, want := s.Tokens(), append(slices.Clone(first), answer[:len(answer)-1]...); !slices.Equal(got, want) {
				t.Fatalf("cache holds %d tokens, want the prompt and all but the last answer token (%d)", len(got), len(want))
			}
			followUp := append(append(slices.Clone(first), answer...), m.Tokenize(" and more", false)...)
			divergent := append(slices.Clone(first[:40]), m.Tokenize(" something else entirely", false)...)
			for _, c := range []struct {
				name   string
				prompt []int32
				cached int
			}{
				{"follow-up", followUp, len(first) + len(answer) - 1},
				{"divergent", divergent, 40 + sharedPrefix(first[40:], divergent[40:])},
				{"identical", divergent, len(divergent) - 1},
			} {
				got := generateIDs(t, s, c.prompt, opts)
				if st := s.Stats(); st.CachedTokens != c.cached || st.PromptTokens != len(c.prompt) {
					t.Errorf("%s: %d of %d prompt tokens cached, want %d", c.name, st.CachedTokens, st.PromptTokens, c.cached)
				}
				fresh, err := m.NewSession(so)
				if err != nil {
					t.Fatal(err)
				}
				want := generateIDs(t, fresh, c.prompt, opts)
				fresh.Close()
				if !slices.Equal(got, want) {
					t.Errorf("%s: with the cache %v, without %v", c.name, got, want)
				}
			}
		})
	}
}

// sharedPrefix is the length of the longest common prefix of a and b.
func sharedPrefix(a, b []int32) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
