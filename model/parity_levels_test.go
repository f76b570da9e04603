package model

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gollm/gollm/internal/testref"
	"github.com/gollm/gollm/kernels"
)

// TestParityAtEveryLevel checks every reference model against llama.cpp's
// logits and greedy tokens at each kernel level this CPU and build offer
// besides the one in use (which TestParity covers at 1 and 2 threads, F16
// and F32 KV): generic, and on arm64 neon and dotprod below i8mm. One
// thread and an F32 KV cache: neither depends on the level. .ci/arm64.sh
// runs it under qemu for the arm64 levels.
func TestParityAtEveryLevel(t *testing.T) {
	ref := testref.Dir(t)
	models, _ := filepath.Glob(filepath.Join(ref, "models", "*.gguf"))
	if len(models) == 0 {
		t.Skip("no reference models")
	}
	current := kernels.Level()
	defer kernels.SetLevel(current)
	for _, path := range models {
		name := strings.TrimSuffix(filepath.Base(path), ".gguf")
		t.Run(name, func(t *testing.T) {
			m, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			for _, level := range kernels.Levels() {
				if level == current {
					continue
				}
				t.Run(level, func(t *testing.T) {
					if err := kernels.SetLevel(level); err != nil {
						t.Fatal(err)
					}
					defer kernels.SetLevel(current)
					checkParity(t, m, filepath.Join(ref, "logits", name), boundsFor(name), 1, KVF32)
				})
			}
		})
	}
}
