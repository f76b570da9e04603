//go:build (!amd64 && !arm64) || purego

package kernels

import "github.com/gollm/gollm/quant"

// levelMissing reports why level l cannot run here ("" when it can).
func levelMissing(l levelID) string {
	if l == lvGeneric {
		return ""
	}
	return "this build has no assembly (GOARCH is not amd64 or arm64, or -tags purego)"
}

func levelExperimental(levelID) bool { return false }

func matVec(t quant.Type, w []byte, rb, nb int, q []byte, out []float32) {
	matVecGeneric(t, w, rb, nb, q, out)
}

func matMul(p *product) { matMulGeneric(p) }

// matMulScratchBytes is MatMulScratchBytes: the generic products use none.
func matMulScratchBytes(quant.Type, int, int) int { return 0 }

func dot(a, b []float32) float32                     { return dotGeneric(a, b) }
func axpy(alpha float32, x, y []float32)             { axpyGeneric(alpha, x, y) }
func dotF16(a []uint16, b []float32) float32         { return dotF16Generic(a, b) }
func axpyF16(alpha float32, x []uint16, y []float32) { axpyF16Generic(alpha, x, y) }

func dotBF16(a []uint16, b []float32) float32 { return dotBF16Generic(a, b) }
