package gollm_test

import (
	"context"
	"math"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/sampler"
)

// TestLogProbsAreTheSoftmaxOfTheLogits samples at temperature 1 with
// penalties and top-k (which must not change the reported distribution)
// and checks every reported log-probability against a float64 softmax of
// the logits, recomputed by replaying the tokens on a second session.
func TestLogProbsAreTheSoftmaxOfTheLogits(t *testing.T) {
	m := loadTiny(t, "qwen2", "Q8_0")
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 128, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	opts := gollm.GenerateOptions{MaxTokens: 10, LogProbs: true, TopLogProbs: 5,
		Sampling: sampler.Options{Temperature: 1, TopK: 3, RepeatPenalty: 1.3, Seed: 7}}
	prompt := m.Tokenize("Once upon a time", true)
	var toks []gollm.Token
	for tok, err := range s.GenerateTokens(context.Background(), prompt, opts) {
		if err != nil {
			t.Fatal(err)
		}
		if tok.ID >= 0 {
			toks = append(toks, tok)
		}
	}
	if len(toks) == 0 {
		t.Fatal("no tokens")
	}
	replay, err := m.NewSession(gollm.SessionOptions{ContextSize: 128, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer replay.Close()
	logits, err := replay.Engine().Prefill(prompt)
	if err != nil {
		t.Fatal(err)
	}
	for i, tok := range toks {
		lp := logSoftmax(logits)
		if math.Abs(tok.LogProb-lp[tok.ID]) > 1e-5 {
			t.Errorf("token %d (%d): logprob %v, softmax %v", i, tok.ID, tok.LogProb, lp[tok.ID])
		}
		if len(tok.TopLogProbs) != 5 {
			t.Fatalf("token %d: %d top logprobs", i, len(tok.TopLogProbs))
		}
		for j, alt := range tok.TopLogProbs {
			if math.Abs(alt.LogProb-lp[alt.ID]) > 1e-5 {
				t.Errorf("token %d alternative %d: %v, softmax %v", i, j, alt.LogProb, lp[alt.ID])
			}
			if j > 0 && alt.LogProb > tok.TopLogProbs[j-1].LogProb {
				t.Errorf("token %d: alternatives out of order: %v", i, tok.TopLogProbs)
			}
		}
		// Nothing outside the top 5 is more likely than the fifth.
		fifth := tok.TopLogProbs[4].LogProb
		for id, p := range lp {
			if p > fifth+1e-9 && !hasID(tok.TopLogProbs, int32(id)) {
				t.Errorf("token %d: %d (%v) is missing from the top 5 %v", i, id, p, tok.TopLogProbs)
			}
		}
		if logits, err = replay.Engine().Decode(tok.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func hasID(alts []gollm.TokenLogProb, id int32) bool {
	for _, a := range alts {
		if a.ID == id {
			return true
		}
	}
	return false
}

// logSoftmax is a float64 log-softmax.
func logSoftmax(logits []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range logits {
		m = math.Max(m, float64(v))
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v) - m)
	}
	out := make([]float64, len(logits))
	for i, v := range logits {
		out[i] = float64(v) - m - math.Log(sum)
	}
	return out
}

// TestLogProbsAllocateNothingPerToken counts the allocations of
// generations of two lengths. Per token, a generation allocates only the
// string of its text; the log-probability adds nothing (only the list of
// alternatives, when asked for, is allocated).
func TestLogProbsAllocateNothingPerToken(t *testing.T) {
	m := loadTiny(t, "qwen2", "Q8_0")
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 128, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	prompt := m.Tokenize("Once upon a time", true)
	perToken := func(logProbs bool) float64 {
		run := func(n int) float64 {
			return testing.AllocsPerRun(3, func() {
				s.Reset()
				opts := gollm.GenerateOptions{MaxTokens: n, LogProbs: logProbs}
				for _, err := range s.GenerateTokens(context.Background(), prompt, opts) {
					if err != nil {
						t.Fatal(err)
					}
				}
			})
		}
		short, long := run(4), run(40)
		if s.Stats().GeneratedTokens != 40 {
			t.Skipf("the model stopped after %d tokens", s.Stats().GeneratedTokens)
		}
		return (long - short) / 36
	}
	off, on := perToken(false), perToken(true)
	if off > 1 || on > off {
		t.Errorf("allocations per token: %v without log-probabilities (want at most 1, the text), %v with", off, on)
	}
}
