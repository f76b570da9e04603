//go:build !purego

package kernels

import (
	"unsafe"

	"github.com/gollm/gollm/quant"
)

// Multi-row float dot products (f32_amd64.s): out[r] = dot(row r, x) for
// rows consecutive rows of n elements. One call for all rows removes the
// per-row call overhead that dominates short rows (attention over a KV
// cache with 64-128 elements per key).

//go:noescape
func dotRowsF32AVX2(w *float32, n, rows int, x, out *float32)

//go:noescape
func dotRowsF16AVX2(w *uint16, n, rows int, x, out *float32)

// matVecFloat computes MatVec for F32 and F16 weights in one assembly call
// and reports whether it did (n > 0, len(x) >= n, w holds len(out) rows).
func matVecFloat(t quant.Type, w []byte, n int, x []float32, out []float32) bool {
	if level < lvAVX2 || n == 0 || len(out) == 0 {
		return false
	}
	switch t {
	case quant.F32:
		dotRowsF32AVX2((*float32)(unsafe.Pointer(&w[0])), n, len(out), &x[0], &out[0])
		return true
	case quant.F16:
		dotRowsF16AVX2((*uint16)(unsafe.Pointer(&w[0])), n, len(out), &x[0], &out[0])
		return true
	}
	return false
}
