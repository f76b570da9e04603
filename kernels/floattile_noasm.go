//go:build (!amd64 && !arm64) || purego

package kernels

import "github.com/gollm/gollm/quant"

// floatTile has no tile kernel here: FloatTileMatMul is MatMul.
func floatTile(quant.Type, []byte, int, int, []float32, int, []float32, int) (int, int) {
	return 0, 0
}

func maxF32(x []float32) float32 { return maxF32Generic(x) }
