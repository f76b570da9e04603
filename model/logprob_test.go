package model

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/gollm/gollm/internal/testmodel"
)

// TestPrefillLogProbs checks, on generated models of every architecture,
// that PrefillLogProbs scores each token as the log-softmax of the full
// logits PrefillLogits computes, across batch boundaries (batches of 7),
// after a cached prefix, with a checkpoint before the last token (qwen35,
// gemma3) and with gemma3's final logit soft-capping; and that it returns
// the last token's logits.
func TestPrefillLogProbs(t *testing.T) {
	tokens := make([]int32, 40)
	for i := range tokens {
		tokens[i] = int32((i*53 + 7) % 500)
	}
	paths := map[string]string{}
	for _, arch := range testmodel.Architectures {
		paths[arch] = testmodel.Tiny(t, arch, "F32")
	}
	spec := testmodel.Presets["tiny-gemma3"]
	spec.FinalLogitSoftcap = 0.5
	paths["gemma3-softcap"] = filepath.Join(t.TempDir(), "gemma3-softcap.gguf")
	if err := testmodel.Write(paths["gemma3-softcap"], spec, "F32"); err != nil {
		t.Fatal(err)
	}
	for name, path := range paths {
		t.Run(name, func(t *testing.T) {
			m, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			nv := m.Config.NVocab
			session := func() *Session {
				s, err := m.NewSession(SessionOptions{ContextSize: 64, BatchSize: 7, KVType: KVF32})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(s.Close)
				return s
			}
			want := make([]float32, len(tokens)*nv)
			if err := session().PrefillLogits(tokens, want); err != nil {
				t.Fatal(err)
			}
			// The first 12 tokens are prefilled plainly, the rest scored.
			const cached = 12
			s := session()
			if _, err := s.Prefill(tokens[:cached]); err != nil {
				t.Fatal(err)
			}
			rest := tokens[cached:]
			got := make([]float32, len(rest)-1)
			last, err := s.PrefillLogProbs(rest, got)
			if err != nil {
				t.Fatal(err)
			}
			for i, lp := range got {
				pos := cached + i // the row that predicts tokens[pos+1]
				row := want[pos*nv : (pos+1)*nv]
				mx := math.Inf(-1)
				for _, v := range row {
					mx = max(mx, float64(v))
				}
				var sum float64
				for _, v := range row {
					sum += math.Exp(float64(v) - mx)
				}
				ref := float64(row[tokens[pos+1]]) - mx - math.Log(sum)
				if math.Abs(float64(lp)-ref) > 1e-3 {
					t.Fatalf("token %d: log-probability %v, want %v", pos+1, lp, ref)
				}
			}
			wantLast := want[(len(tokens)-1)*nv:]
			for i := range last {
				if math.Abs(float64(last[i]-wantLast[i])) > 1e-3 {
					t.Fatalf("last logits[%d] = %v, want %v", i, last[i], wantLast[i])
				}
			}
			if s.Pos() != len(tokens) {
				t.Errorf("position %d after the prefill, want %d", s.Pos(), len(tokens))
			}
		})
	}
}

// TestPrefillLogProbsErrors checks the buffer's length.
func TestPrefillLogProbsErrors(t *testing.T) {
	m, err := Load(testmodel.Tiny(t, "llama", "F32"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s, err := m.NewSession(SessionOptions{ContextSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.PrefillLogProbs([]int32{1, 2, 3}, make([]float32, 3)); err == nil {
		t.Error("a buffer of 3 for 3 tokens: no error")
	}
	if _, err := s.PrefillLogProbs(nil, nil); err == nil {
		t.Error("no tokens: no error")
	}
}
