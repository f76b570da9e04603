package model

import (
	"testing"

	"github.com/gollm/gollm/internal/testmodel"
	"github.com/gollm/gollm/kernels"
)

// TestPackedBytes checks that loading packs every matrix the forward pass
// multiplies whose type the current kernels multiply packed (kernels.Pack),
// the tied output matrix included, and nothing else: PackedBytes is the
// size of exactly those tensors, and 0 where the kernels read GGUF's layout
// (amd64, or an arm64 model without such types).
func TestPackedBytes(t *testing.T) {
	for _, arch := range []string{"qwen2", "llama"} {
		for _, ft := range []string{"Q4_0", "Q8_0", "Q4_K_M"} {
			m, err := Load(testmodel.Tiny(t, arch, ft))
			if err != nil {
				t.Fatal(err)
			}
			_, hasOutput := m.File().Tensor("output.weight")
			var want int64
			for _, ti := range m.File().Tensors {
				if len(ti.Dims) != 2 || ti.Name == "token_embd.weight" && hasOutput {
					continue
				}
				if kernels.Pack(ti.Type, make([]byte, 4*ti.Type.BlockBytes()), 4, ti.Type.BlockSize()) == nil {
					continue
				}
				want += ti.Size
			}
			if got := m.PackedBytes(); got != want {
				t.Errorf("%s %s: PackedBytes %d, want %d", arch, ft, got, want)
			}
			m.Close()
		}
	}
}
