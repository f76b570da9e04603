//go:build !arm64 || purego

package kernels

import "github.com/gollm/gollm/quant"

// packs reports whether Pack rearranges t at the current level: only
// arm64 has packed kernels.
func packs(quant.Type) bool { return false }

// packLayout is the layout Pack writes at the current level.
func packLayout(quant.Type) layout { return interleave4 }

func matVecPacked(t quant.Type, w []byte, run layout, nb, groups int, q []byte, out []float32) {
	packedGroupsGeneric(t, w, run, nb, groups, q, out)
}

func matMulPacked(t quant.Type, w []byte, run layout, nb, groups int, a *PackedActs, out []float32, ldOut int, _ *Scratch) {
	matMulPackedGeneric(t, w, run, nb, groups, a.q, len(a.q)/a.cols, a.cols, out, ldOut)
}

// packedActsBytes is PackedActsBytes: nothing to prepare without packed
// kernels.
func packedActsBytes(nb, cols int) int { return 0 }

func packedActsPrep(t quant.Type, q []byte, ab, nb, cols int, buf []byte) []byte { return nil }
