//go:build !arm64 || purego

package kernels

func sumSquares(x []float32) (s0, s1 float64)               { return sumSquaresGeneric(x) }
func scaleMul(dst, x, w []float32, scale float32)           { scaleMulGeneric(dst, x, w, scale) }
func f32ToF16(dst []uint16, src []float32)                  { f32ToF16Generic(dst, src) }
func rope(x []float32, hd int, cs, sn []float32, neox bool) { ropeGeneric(x, hd, cs, sn, neox) }
func scaleTo(dst, src []float32, s float32)                 { scaleToGeneric(dst, src, s) }
