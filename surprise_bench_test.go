package gollm_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/gollm/gollm"
)

// BenchmarkPromptSurprise measures what measuring a prompt's surprise
// (GenerateOptions.PromptSurprise, the router's prompt.max_surprise rule)
// adds to the prefill of a 256-token prompt on the model given by
// GOLLM_BENCH_MODEL (skipped without it): the output matrix runs on every
// prompt token instead of the last, eight rows at a time, followed by a
// log-softmax of each row. Compare the two sub-benchmarks' ns/op.
//
//	GOLLM_BENCH_MODEL=qwen05-q4_0.gguf go test -run '^$' -bench PromptSurprise -benchtime 3x .
func BenchmarkPromptSurprise(b *testing.B) {
	m := loadBenchModel(b)
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 512})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	prompt := make([]int32, 256)
	for i := range prompt {
		prompt[i] = int32((i*7919 + 13) % m.Info().VocabSize)
	}
	for _, surprise := range []bool{false, true} {
		b.Run(fmt.Sprintf("surprise=%v", surprise), func(b *testing.B) {
			opts := gollm.GenerateOptions{MaxTokens: 1, PromptSurprise: surprise}
			for b.Loop() {
				s.Reset()
				for _, err := range s.GenerateTokens(context.Background(), prompt, opts) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			if st := s.Stats(); surprise != (st.SurpriseTokens == len(prompt)-1) {
				b.Fatalf("stats %+v", st)
			}
		})
	}
}

// loadBenchModel loads the model named by GOLLM_BENCH_MODEL for the root
// package's benchmarks, skipping b without one; the model is closed when b
// ends.
func loadBenchModel(b *testing.B) *gollm.Model {
	path := os.Getenv("GOLLM_BENCH_MODEL")
	if path == "" {
		b.Skip("set GOLLM_BENCH_MODEL to a model file")
	}
	m, err := gollm.Load(path, gollm.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m
}
