package fallback

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/sampler"
)

// BenchmarkEarlyExit measures the local work of requests that end up
// remote, on the model GOLLM_BENCH_MODEL (skipped without one): with the
// default policy (early exit after 16 tokens) and with early_exit false
// (the whole local answer of up to 128 tokens is generated, then judged,
// as before routing had early exit). A random-weight model of a real
// shape is unsure of every answer, so every request ends up remote; the
// loopback remote answers at once, so the time is the local model's. It
// reports the local tokens generated per request.
func BenchmarkEarlyExit(b *testing.B) {
	path := os.Getenv("GOLLM_BENCH_MODEL")
	if path == "" {
		b.Skip("set GOLLM_BENCH_MODEL to a GGUF file")
	}
	m, err := gollm.Load(path, gollm.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 512})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rem := newLoopRemote(b, 0)
	prompt := m.Tokenize("Write a short story about a robot who learns to paint.", true)
	for _, early := range []bool{true, false} {
		b.Run(fmt.Sprintf("early_exit=%v", early), func(b *testing.B) {
			p := DefaultPolicy()
			p.Confidence.EarlyExit = early
			remote, err := NewRemote(rem.URL, "", p.Remote)
			if err != nil {
				b.Fatal(err)
			}
			r := NewRouter(p, remote, false)
			job := Job{Prompt: prompt, Context: s.ContextSize(),
				Options: gollm.GenerateOptions{MaxTokens: 128, Sampling: sampler.Options{Temperature: 0.8, TopP: 0.95, Seed: 1}},
				Request: Request{Prompt: "Write a short story about a robot who learns to paint."},
				Session: func(context.Context) (*gollm.Session, func(), error) { return s, func() {}, nil }}
			local := 0
			for b.Loop() {
				s.Reset() // every request prefills its prompt
				res, err := r.Answer(context.Background(), job, &events{})
				if err != nil || res.Remote == nil {
					b.Fatalf("decision %v, %v: want the remote's answer", res.Decision, err)
				}
				local += res.Local.Stats.GeneratedTokens
			}
			b.ReportMetric(float64(local)/float64(b.N), "local_tokens/op")
		})
	}
}
