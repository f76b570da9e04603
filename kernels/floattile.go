package kernels

import (
	"fmt"

	"github.com/gollm/gollm/quant"
)

// FloatTileMatMul is MatMul for F32 and F16 weights (float32 columns xs, no
// quantized activations) tuned for the small products of attention tiles:
// out[c*ldOut + r] = dot(row r of w, xs[c*n:(c+1)*n]) for r < rows, c <
// cols. On the avx2 level, when n is a multiple of 8, it computes tiles of
// 4 rows by 3 columns in registers (on every arm64 level, when n is a
// multiple of 4, tiles of 4 rows by 4 columns), so that each loaded row
// and column vector feeds several products; the rows and columns left
// over, and other levels, go through MatMul. Its sums are ordered differently from
// MatMul's, so results agree with MatMul to float rounding, not bit for
// bit; the same call always gives the same bits. It allocates nothing.
func FloatTileMatMul(t quant.Type, w []byte, n, rows int, xs []float32, cols int, out []float32, ldOut int) {
	if t != quant.F32 && t != quant.F16 {
		panic(fmt.Sprintf("kernels: FloatTileMatMul: type %v is not F32 or F16", t))
	}
	rb := rowBytes(t, w, n, rows)
	if cols <= 0 || rows == 0 {
		return
	}
	if ldOut < rows || len(out) < (cols-1)*ldOut+rows {
		panic(fmt.Sprintf("kernels: FloatTileMatMul: output of %d floats with stride %d too small for %d x %d", len(out), ldOut, cols, rows))
	}
	if len(xs) < cols*n {
		panic(fmt.Sprintf("kernels: FloatTileMatMul: xs has %d elements, need %d", len(xs), cols*n))
	}
	raceReadBytes(w[:rows*rb])
	raceReadFloats(xs[:cols*n])
	for c := range cols {
		raceWriteFloats(out[c*ldOut : c*ldOut+rows])
	}
	r4, cTiled := floatTile(t, w, n, rows, xs, cols, out, ldOut)
	if r4 < rows {
		MatMul(t, w[r4*rb:], n, rows-r4, xs, nil, cols, out[r4:], ldOut)
	}
	if cTiled < cols && r4 > 0 {
		MatMul(t, w, n, r4, xs[cTiled*n:], nil, cols-cTiled, out[cTiled*ldOut:], ldOut)
	}
}

// MaxF32 returns the largest element of x, which must not be empty or
// hold NaNs (attention's running maximum over a block of scores).
func MaxF32(x []float32) float32 {
	if len(x) == 0 {
		panic("kernels: MaxF32 of an empty slice")
	}
	raceReadFloats(x)
	return maxF32(x)
}

func maxF32Generic(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		if v > m {
			m = v
		}
	}
	return m
}
