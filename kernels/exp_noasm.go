//go:build (!amd64 && !arm64) || purego

package kernels

func expShift(dst, src []float32, m float32) float64 { return expShiftGeneric(dst, src, m) }

func siluMul(gate, up []float32) { siluMulChunks(gate, up, false) }
