package model

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/gollm/gollm/internal/testmodel"
)

// gemma3Logits writes the tiny gemma3 preset changed by edit as F32 and
// returns its layer kinds and the logits of every position of tokens.
func gemma3Logits(t *testing.T, edit func(*testmodel.Spec), tokens []int32) ([]LayerKind, []float32) {
	t.Helper()
	spec := testmodel.Presets["tiny-gemma3"]
	edit(&spec)
	path := filepath.Join(t.TempDir(), "gemma3.gguf")
	if err := testmodel.Write(path, spec, "F32"); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var kinds []LayerKind
	for _, l := range m.Config.Layers {
		kinds = append(kinds, l.Kind)
	}
	s := newSession(t, m, SessionOptions{ContextSize: 64, Threads: 1, KVType: KVF32})
	logits := make([]float32, len(tokens)*m.Config.NVocab)
	if err := s.PrefillLogits(tokens, logits); err != nil {
		t.Fatal(err)
	}
	return kinds, logits
}

// TestGemma3Variants checks the Gemma 3 metadata that the shared
// reference files do not vary: rope.freq_base_swa is the sliding layers'
// RoPE base; a file without attention.sliding_window has full attention
// on every layer; final_logit_softcapping caps the logits with c*tanh(x/c).
func TestGemma3Variants(t *testing.T) {
	tokens := []int32{3, 17, 250, 9, 80, 4}
	// A window longer than the prompt: the sliding layers see what full
	// attention sees, so only their RoPE base sets them apart.
	wide := func(base float32) func(*testmodel.Spec) {
		return func(s *testmodel.Spec) { s.SlidingWindow, s.RopeBaseSWA = 32, base }
	}
	kinds, full := gemma3Logits(t, func(s *testmodel.Spec) { s.SlidingWindow = 0 }, tokens)
	for i, k := range kinds {
		if k != FullAttention {
			t.Errorf("without a sliding window, layer %d is %v, not full attention", i, k)
		}
	}
	kinds, sameBase := gemma3Logits(t, wide(1e6), tokens)
	if kinds[0] != SlidingAttention || kinds[5] != FullAttention {
		t.Errorf("with a sliding window, layer kinds are %v; want five sliding then one full", kinds)
	}
	if e := relRMS(sameBase, full); e > 1e-6 {
		t.Errorf("sliding layers with the global RoPE base and a window past the prompt differ from full attention by %.3g", e)
	}
	if _, ownBase := gemma3Logits(t, wide(1e4), tokens); relRMS(ownBase, full) < 1e-3 {
		t.Errorf("rope.freq_base_swa = 1e4 gives the logits of 1e6: the key is not read")
	}

	const c = 2
	_, capped := gemma3Logits(t, func(s *testmodel.Spec) { s.SlidingWindow, s.FinalLogitSoftcap = 0, c }, tokens)
	want := make([]float32, len(full))
	for i, x := range full {
		want[i] = c * float32(math.Tanh(float64(x/c)))
	}
	if e := relRMS(capped, want); e > 1e-6 {
		t.Errorf("final_logit_softcapping %d: logits differ from c*tanh(x/c) by %.3g", c, e)
	}
	if relRMS(capped, full) < 1e-3 {
		t.Errorf("final_logit_softcapping %d changed nothing: the logits are too small to test the cap", c)
	}
}
