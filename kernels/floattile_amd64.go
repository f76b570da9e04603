//go:build !purego

package kernels

import (
	"unsafe"

	"github.com/gollm/gollm/quant"
)

//go:noescape
func tileF32x4x3AVX2(w unsafe.Pointer, n, rows int, x *float32, cols int, out *float32, ldo int)

//go:noescape
func tileF16x4x3AVX2(w unsafe.Pointer, n, rows int, x *float32, cols int, out *float32, ldo int)

// floatTile runs the 4-row by 3-column tile kernel over the first rows&^3
// rows and cols-cols%3 columns and returns how many of each it did (0, 0
// when the level or the shape does not allow it).
func floatTile(t quant.Type, w []byte, n, rows int, xs []float32, cols int, out []float32, ldOut int) (int, int) {
	r4, c3 := rows&^3, cols-cols%3
	if level < lvAVX2 || n%8 != 0 || n == 0 || r4 == 0 || c3 == 0 {
		return 0, 0
	}
	switch t {
	case quant.F32:
		tileF32x4x3AVX2(unsafe.Pointer(&w[0]), n, r4, &xs[0], c3, &out[0], ldOut)
	case quant.F16:
		tileF16x4x3AVX2(unsafe.Pointer(&w[0]), n, r4, &xs[0], c3, &out[0], ldOut)
	default:
		return 0, 0
	}
	return r4, c3
}

//go:noescape
func maxF32AVX2(x *float32, n int) float32

func maxF32(x []float32) float32 {
	if level >= lvAVX2 {
		return maxF32AVX2(&x[0], len(x))
	}
	return maxF32Generic(x)
}
