//go:build !arm64 || purego

package kernels

import "github.com/gollm/gollm/quant"

// Without arm64 assembly, attention keeps FloatTileMatMul's form, and
// FloatTileMatMulT and TransposeToF32 are their generic twins.
func floatTileTransposed() bool { return false }

func floatTileT([]float32, int, int, int, []float32, int, []float32, int, bool) int { return 0 }

func transposeToF32(quant.Type, []byte, int, int, int, []float32, int) (int, int) { return 0, 0 }
