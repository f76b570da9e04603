package gollm_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/gollm/gollm"
	"github.com/gollm/gollm/internal/testmodel"
)

// Example loads a model, starts a session and streams a greedy answer with
// its confidence score.
func Example() {
	// For the example, write a tiny random-weight model; use your own GGUF
	// file (say qwen2.5-0.5b-instruct-q4_k_m.gguf) instead.
	dir, err := os.MkdirTemp("", "gollm-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tiny-qwen2.gguf")
	spec, _ := testmodel.Preset("tiny-qwen2")
	if err := testmodel.Write(path, spec, "Q8_0"); err != nil {
		log.Fatal(err)
	}

	m, err := gollm.Load(path, gollm.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	s, err := m.NewSession(gollm.SessionOptions{ContextSize: 256})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	var answer strings.Builder
	for tok, err := range s.Generate(context.Background(), "The capital of France is", gollm.GenerateOptions{MaxTokens: 8}) {
		if err != nil {
			log.Fatal(err)
		}
		answer.WriteString(tok.Text) // stream it: fmt.Print(tok.Text)
	}
	st := s.Stats()
	fmt.Println("architecture:", m.Info().Architecture)
	fmt.Println("answered:", st.GeneratedTokens > 0 && answer.Len() > 0)
	fmt.Println("confidence in [0,1]:", st.Confidence >= 0 && st.Confidence <= 1)
	// Output:
	// architecture: qwen2
	// answered: true
	// confidence in [0,1]: true
}
