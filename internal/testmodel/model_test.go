package testmodel

import (
	"math"
	"testing"

	"github.com/gollm/gollm/model"
)

// testArchs are the architectures of the tiny presets.
var testArchs = Architectures

// generate greedily decodes n tokens after prompt and returns them with the
// prompt's last logits.
func generate(t *testing.T, path string, prompt string, n int) ([]int32, []float32) {
	t.Helper()
	m, err := model.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, err := m.NewSession(model.SessionOptions{ContextSize: 64, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	toks := m.Tokenizer.Encode(prompt, true, false)
	logits, err := s.Prefill(toks)
	if err != nil {
		t.Fatal(err)
	}
	first := append([]float32(nil), logits...)
	var out []int32
	for range n {
		checkFinite(t, logits)
		tok := argmax(logits)
		out = append(out, tok)
		if logits, err = s.Decode(tok); err != nil {
			t.Fatal(err)
		}
	}
	checkFinite(t, logits)
	return out, first
}

func argmax(x []float32) int32 {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return int32(best)
}

func checkFinite(t *testing.T, x []float32) {
	t.Helper()
	var sum float64
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("logit %d is %g", i, v)
		}
		sum += float64(v) * float64(v)
	}
	if rms := math.Sqrt(sum / float64(len(x))); rms == 0 || rms > 100 {
		t.Fatalf("logits RMS %g is implausible", rms)
	}
}

func TestTinyModelsRun(t *testing.T) {
	for _, arch := range testArchs {
		for _, ft := range []string{"F32", "F16", "Q8_0", "Q4_K_M", "Q4_0", "Q6_K"} {
			t.Run(arch+"/"+ft, func(t *testing.T) {
				path := Tiny(t, arch, ft)
				a, logits := generate(t, path, "Hello world, the quick brown fox", 8)
				b, _ := generate(t, path, "Hello world, the quick brown fox", 8)
				if len(a) != len(b) {
					t.Fatal("lengths differ")
				}
				for i := range a {
					if a[i] != b[i] {
						t.Fatalf("greedy generation not deterministic: %v vs %v", a, b)
					}
				}
				t.Logf("tokens %v, logit[0..3] %v", a, logits[:3])
			})
		}
	}
}

// TestAllFileTypesRun loads and runs a tiny model of every file type.
func TestAllFileTypesRun(t *testing.T) {
	for _, ft := range FileTypeNames() {
		t.Run(ft, func(t *testing.T) {
			path := Tiny(t, "qwen3", ft)
			generate(t, path, "Hello", 2)
		})
	}
}
