package kernels

import (
	"encoding/binary"
	"fmt"
	"math"

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
		MatMul(t, w[r4*rb:], n, rows-r4, xs, nil, cols, out[r4:], ldOut, nil)
	}
	if cTiled < cols && r4 > 0 {
		MatMul(t, w, n, r4, xs[cTiled*n:], nil, cols-cTiled, out[cTiled*ldOut:], ldOut, nil)
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

// FloatTileTransposed reports whether, at the current level,
// FloatTileMatMulT with weights transposed once by TransposeToF32 is the
// cheaper form of an attention tile product than FloatTileMatMul (on
// every arm64 level: its kernel keeps the products in output vectors, with
// no reduction and no F16 conversion per tile). The choice changes the
// order of the sums, not what they compute.
func FloatTileTransposed() bool { return floatTileTransposed() }

// FloatTileMatMulT is FloatTileMatMul with float32 weights given k-major:
// out[c*ldOut + r] = the sum over k < n of wt[k*ldw + r] * xs[c*n + k] for
// r < rows and c < cols; with add, out[c*ldOut + r] plus that sum. Each
// output is summed in order of k (fused multiply-adds where the kernel has
// them), so results agree with FloatTileMatMul to float rounding, not bit
// for bit; the same call always gives the same bits. It allocates
// nothing.
func FloatTileMatMulT(wt []float32, ldw, n, rows int, xs []float32, cols int, out []float32, ldOut int, add bool) {
	if rows <= 0 || cols <= 0 || n <= 0 {
		return
	}
	if ldw < rows || len(wt) < (n-1)*ldw+rows {
		panic(fmt.Sprintf("kernels: FloatTileMatMulT: weights of %d floats with stride %d too small for %d x %d", len(wt), ldw, n, rows))
	}
	if ldOut < rows || len(out) < (cols-1)*ldOut+rows {
		panic(fmt.Sprintf("kernels: FloatTileMatMulT: output of %d floats with stride %d too small for %d x %d", len(out), ldOut, cols, rows))
	}
	if len(xs) < cols*n {
		panic(fmt.Sprintf("kernels: FloatTileMatMulT: xs has %d elements, need %d", len(xs), cols*n))
	}
	raceReadFloats(wt[:(n-1)*ldw+rows])
	raceReadFloats(xs[:cols*n])
	for c := range cols {
		if add {
			raceReadFloats(out[c*ldOut : c*ldOut+rows])
		}
		raceWriteFloats(out[c*ldOut : c*ldOut+rows])
	}
	r4 := floatTileT(wt, ldw, n, rows, xs, cols, out, ldOut, add)
	if r4 < rows {
		floatTileTGeneric(wt[r4:], ldw, n, rows-r4, xs, cols, out[r4:], ldOut, add)
	}
}

// floatTileTGeneric is the portable twin of FloatTileMatMulT: for each
// column, the outputs are summed over k in order.
func floatTileTGeneric(wt []float32, ldw, n, rows int, xs []float32, cols int, out []float32, ldOut int, add bool) {
	for c := range cols {
		o := out[c*ldOut : c*ldOut+rows]
		if !add {
			clear(o)
		}
		for k, x := range xs[c*n : (c+1)*n] {
			for r, w := range wt[k*ldw : k*ldw+rows] {
				o[r] += w * x
			}
		}
	}
}

// TransposeToF32 sets dst[c*ldDst + r] = element c of row r of src, as
// float32, for r < rows and c < cols: src holds rows of t (F32 or F16)
// ldSrc elements apart. It allocates nothing.
func TransposeToF32(t quant.Type, src []byte, ldSrc, rows, cols int, dst []float32, ldDst int) {
	if t != quant.F32 && t != quant.F16 {
		panic(fmt.Sprintf("kernels: TransposeToF32: type %v is not F32 or F16", t))
	}
	if rows <= 0 || cols <= 0 {
		return
	}
	eb := t.BlockBytes()
	if ldSrc < cols || len(src) < ((rows-1)*ldSrc+cols)*eb {
		panic(fmt.Sprintf("kernels: TransposeToF32: source of %d bytes with stride %d too small for %d x %d", len(src), ldSrc, rows, cols))
	}
	if ldDst < rows || len(dst) < (cols-1)*ldDst+rows {
		panic(fmt.Sprintf("kernels: TransposeToF32: destination of %d floats with stride %d too small for %d x %d", len(dst), ldDst, cols, rows))
	}
	raceReadBytes(src[:((rows-1)*ldSrc+cols)*eb])
	for c := range cols {
		raceWriteFloats(dst[c*ldDst : c*ldDst+rows])
	}
	r4, c4 := transposeToF32(t, src, ldSrc, rows, cols, dst, ldDst)
	if c4 < cols {
		transposeToF32Generic(t, src[c4*eb:], ldSrc, r4, cols-c4, dst[c4*ldDst:], ldDst)
	}
	if r4 < rows {
		transposeToF32Generic(t, src[r4*ldSrc*eb:], ldSrc, rows-r4, cols, dst[r4:], ldDst)
	}
}

// transposeToF32Generic is the portable twin of TransposeToF32.
func transposeToF32Generic(t quant.Type, src []byte, ldSrc, rows, cols int, dst []float32, ldDst int) {
	for r := range rows {
		row := src[r*ldSrc*t.BlockBytes():]
		for c := range cols {
			var v float32
			if t == quant.F16 {
				v = quant.F16ToF32(uint16(row[2*c]) | uint16(row[2*c+1])<<8)
			} else {
				v = math.Float32frombits(binary.LittleEndian.Uint32(row[4*c:]))
			}
			dst[c*ldDst+r] = v
		}
	}
}
