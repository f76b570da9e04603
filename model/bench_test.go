package model

import (
	"os"
	"runtime"
	"testing"

	"github.com/gollm/gollm/internal/testmodel"
)

// benchModel loads the model named by GOLLM_BENCH_MODEL (a GGUF path), or a
// generated tiny qwen2 Q4_0 model when it is unset, so that
// `go test -bench . -cpuprofile` profiles the forward pass on a real shape:
//
//	GOLLM_BENCH_MODEL=qwen05-q4_0.gguf go test -run '^$' -bench Decode -cpu 1 ./model
func benchModel(b *testing.B) *Model {
	path := os.Getenv("GOLLM_BENCH_MODEL")
	if path == "" {
		path = testmodel.Tiny(b, "qwen2", "Q4_0")
	}
	m, err := Load(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	return m
}

// BenchmarkDecode measures one decoded token after a 16-token prompt, with
// as many workers as -cpu allows.
func BenchmarkDecode(b *testing.B) {
	m := benchModel(b)
	s, err := m.NewSession(SessionOptions{ContextSize: 4096, Threads: testingThreads()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	prompt := make([]int32, 16)
	for i := range prompt {
		prompt[i] = int32(i + 1)
	}
	for b.Loop() {
		if s.Pos() >= s.ContextSize()-1 {
			s.Truncate(len(prompt))
		}
		if s.Pos() == 0 {
			if _, err := s.Prefill(prompt); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := s.Decode(7); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrefill measures a 512-token prompt (reported per token).
func BenchmarkPrefill(b *testing.B) {
	m := benchModel(b)
	s, err := m.NewSession(SessionOptions{ContextSize: 1024, Threads: testingThreads()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	prompt := make([]int32, 512)
	for i := range prompt {
		prompt[i] = int32(i%200 + 1)
	}
	for b.Loop() {
		s.Reset()
		if _, err := s.Prefill(prompt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N)/512*1e3, "ms/token")
}

// testingThreads is the worker count: GOMAXPROCS, which -cpu sets.
func testingThreads() int { return runtime.GOMAXPROCS(0) }
