package gollm_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/model"
	"github.com/gollm/gollm/sampler"
)

// TestPromptSurprise checks Stats.PromptSurprise against the mean negative
// log-likelihood computed from every prompt token's full logits, that only
// the uncached tokens are measured on a follow-up, and that measuring it
// does not change the answer.
func TestPromptSurprise(t *testing.T) {
	m := loadTiny(t, "llama", "F32")
	prompt := m.Tokenize("the quick brown fox jumps over the lazy dog", true)
	opts := gollm.GenerateOptions{MaxTokens: 8}

	// The reference: every token's logits from a fresh engine session.
	es, err := m.Engine().NewSession(model.SessionOptions{ContextSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	nv := m.Info().VocabSize
	logits := make([]float32, len(prompt)*nv)
	if err := es.PrefillLogits(prompt, logits); err != nil {
		t.Fatal(err)
	}
	var want float64
	for i := 1; i < len(prompt); i++ {
		want -= sampler.TokenLogProb(logits[(i-1)*nv:i*nv], prompt[i])
	}
	want /= float64(len(prompt) - 1)

	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	plain := collect(t, s, prompt, opts)
	s.Reset()
	opts.PromptSurprise = true
	measured := collect(t, s, prompt, opts)
	st := s.Stats()
	if st.SurpriseTokens != len(prompt)-1 || math.Abs(st.PromptSurprise-want) > 1e-3 {
		t.Errorf("surprise %.5f over %d tokens, want %.5f over %d", st.PromptSurprise, st.SurpriseTokens, want, len(prompt)-1)
	}
	if !slices.Equal(plain, measured) {
		t.Errorf("measuring the surprise changed the answer: %v, then %v", plain, measured)
	}

	// A follow-up prefills (and measures) only what the cache lacks.
	follow := append(append(slices.Clone(prompt), measured...), m.Tokenize(" and then", false)...)
	collect(t, s, follow, opts)
	st = s.Stats()
	if n := len(follow) - st.CachedTokens - 1; st.SurpriseTokens != n || n < 2 {
		t.Errorf("follow-up: %d tokens measured, want %d (%d cached of %d)", st.SurpriseTokens, n, st.CachedTokens, len(follow))
	}
}

// TestOnPrefill checks that OnPrefill sees the prefill's statistics and
// that returning false ends the generation before its first token.
func TestOnPrefill(t *testing.T) {
	m := loadTiny(t, "llama", "F32")
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	prompt := m.Tokenize("hello there", true)
	var seen gollm.Stats
	opts := gollm.GenerateOptions{MaxTokens: 4, PromptSurprise: true,
		OnPrefill: func(st gollm.Stats) bool { seen = st; return false }}
	if got := collect(t, s, prompt, opts); len(got) != 0 {
		t.Errorf("generated %v after OnPrefill said stop", got)
	}
	if st := s.Stats(); st.StopReason != gollm.StopCancelled || st.GeneratedTokens != 0 {
		t.Errorf("stats %+v", st)
	}
	if seen.PromptTokens != len(prompt) || seen.SurpriseTokens != len(prompt)-1 || seen.PromptSurprise <= 0 {
		t.Errorf("OnPrefill saw %+v", seen)
	}
	opts.OnPrefill = func(gollm.Stats) bool { return true }
	if got := collect(t, s, prompt, opts); len(got) != 4 {
		t.Errorf("generated %d tokens after OnPrefill said go on, want 4", len(got))
	}
}

// collect returns the ids a generation produced.
func collect(t *testing.T, s *gollm.Session, prompt []int32, opts gollm.GenerateOptions) []int32 {
	t.Helper()
	var ids []int32
	for tok, err := range s.GenerateTokens(context.Background(), prompt, opts) {
		if err != nil {
			t.Fatal(err)
		}
		if tok.ID >= 0 {
			ids = append(ids, tok.ID)
		}
	}
	return ids
}
