//go:build !purego

package kernels

import (
	"math"
	"unsafe"

	"golang.org/x/sys/cpu"

	"github.com/gollm/gollm/quant"
)

// The avx2 level needs AVX2, FMA, F16C (VCVTPH2PS for f16 scales) and BMI2
// (PDEP in IQ4_XS); every AVX2 CPU shipped has all four.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C && cpu.X86.HasBMI2

// The avx512 level needs AVX-512 F, BW (byte masks), VL and VNNI
// (VPDPBUSD) on top of the avx2 level, whose kernels it uses for the types
// it has none for.
var hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW &&
	cpu.X86.HasAVX512VL && cpu.X86.HasAVX512VNNI

// levelMissing reports why level l cannot run here ("" when it can).
func levelMissing(l levelID) string {
	switch l {
	case lvGeneric:
		return ""
	case lvAVX2:
		if !hasAVX2 {
			return "the CPU lacks AVX2, FMA, F16C or BMI2"
		}
		return ""
	case lvAVX512:
		if !hasAVX512 {
			return "the CPU lacks AVX-512 F, BW, VL or VNNI"
		}
		return ""
	}
	return "not an amd64 level"
}

// levelExperimental marks levels whose kernels have not yet run on real
// hardware: they are never chosen by default, only when forced. The avx512
// kernels were written on a CPU without AVX-512; to promote the level, run
// on one that has it (x/sys/cpu: AVX512F, BW, VL, VNNI)
//
//	go test ./kernels -run 'TestLevels|TestGemm|TestPageBoundary|TestMatMulRowSplit|TestNoAllocs'
//	go test ./kernels -run '^$' -fuzz FuzzMatVec -fuzztime 2m
//	go test ./kernels -run '^$' -bench 'MatVec$/type=(Q4_0|Q8_0|Q4_K)/impl=(generic|avx2|avx512)/size=cache' -benchtime 200ms
//	go test ./kernels -run '^$' -bench 'MatMul$/type=.*/impl=(avx2|avx512)' -benchtime 200ms
//	go test ./model -run 'TestParityAtEveryLevel'
//
// and return false here once they pass and the avx512 figures win over
// avx2's (row kernels for Q4_0, Q5_0, Q8_0, Q4_K, Q6_K; tile kernels for
// every type, gemm512_amd64.s).
func levelExperimental(l levelID) bool { return l == lvAVX512 }

// matVec: rb > 0 and nb > 0 (MatVec handles empty rows). With a rows4
// kernel the rows stream through it four at a time (matVecRows4); the rest
// go through the row kernel.
func matVec(t quant.Type, w []byte, rb, nb int, q []byte, out []float32) {
	s := shapesNow(t)
	if s&row == 0 {
		matVecGeneric(t, w, rb, nb, q, out)
		return
	}
	y := &q[0]
	r := 0
	if s&rows4 != 0 {
		r = matVecRows4(t, w, rb, nb, y, out)
	}
	matVecRows(t, w, rb, nb, y, out, r)
}

// tileMinCols is the fewest columns for which MatMul takes a tile path. It
// is 2, so that a column's result does not depend on how many columns
// share the call (the tile and row kernels sum in different orders): the
// perplexity command (batches of 16) must match a direct computation (one
// batch per window) to 1e-5 on models whose logits amplify rounding.
const tileMinCols = 2

// matMulScratchBytes is MatMulScratchBytes: the amd64 tiles live on the
// stack and use none.
func matMulScratchBytes(quant.Type, int, int) int { return 0 }

// matMul runs the tile path of t (gemm_amd64.go, gemmk_amd64.go) from
// tileMinCols columns on, and otherwise the row kernel over tiles of 8
// columns, so that each weight row is read from memory once per tile and
// served from L1 to the other columns.
func matMul(p *product) {
	s := shapesNow(p.t)
	switch {
	case s&row == 0:
		matMulGeneric(p)
	case p.cols < tileMinCols:
		matMulRows(p, 0)
	case s&tile8 != 0:
		matMulTile8(p)
	case s&(tile16|tileK) != 0:
		matMulTile16(p)
	default:
		matMulRows(p, 0)
	}
}

// expShift is ExpShift's kernel: eight lanes at a time in assembly
// (exp_amd64.s), the rest in Go.
func expShift(dst, src []float32, m float32) float64 {
	n8 := len(src) &^ 7
	if level < lvAVX2 || n8 == 0 {
		return expShiftGeneric(dst, src, m)
	}
	sum := expShiftAVX2(&dst[0], &src[0], n8, m)
	return sum + expShiftGeneric(dst[n8:], src[n8:], m)
}

// siluMul is SiLUMul with ExpShift's kernel for the exponentials.
func siluMul(gate, up []float32) { siluMulChunks(gate, up, false) }

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
		tileF32x4x3AVX2(&w[0], n, r4, &xs[0], c3, &out[0], ldOut)
	case quant.F16:
		tileF16x4x3AVX2(&w[0], n, r4, &xs[0], c3, &out[0], ldOut)
	default:
		return 0, 0
	}
	return r4, c3
}

// maxF32 is MaxF32 in assembly at avx2.
func maxF32(x []float32) float32 {
	if level >= lvAVX2 {
		return maxF32AVX2(&x[0], len(x))
	}
	return maxF32Generic(x)
}

// q8KFused reports whether the reference quant.QuantizeQ8K, as compiled,
// rounds iscale*x + 1.5*2^23 (quant's nearestInt after inlining) once: Go
// fuses x*y + z into an FMA on amd64 from GOAMD64=v3. On this block the two
// roundings differ: iscale = -127/-3 and 0.17716536*iscale is
// 7.49999998..., 7.5 once rounded to float32, so 8 unfused and 7 fused.
var q8KFused = func() bool {
	x := make([]float32, quant.QK8K)
	x[0], x[1] = -3, math.Float32frombits(0x3e356ad6)
	q := make([]byte, 292)
	quant.QuantizeQ8K(x, q)
	return q[4+1] == 7
}()

// quantizeQ8_0 is quant.QuantizeQ8_0 (len(q) == len(x)/32*34), bit for bit.
func quantizeQ8_0(x []float32, q []byte) {
	if level < lvAVX2 {
		quant.QuantizeQ8_0(x, q)
		return
	}
	raceReadFloats(x)
	raceWriteBytes(q)
	for nb := len(x) / 32; nb > 0; {
		done := quantQ8_0AVX2(&x[0], &q[0], nb)
		if done == nb {
			return
		}
		// The declined block: Inf, NaN or a subnormal d, where the
		// reference's own overflow and NaN behaviour applies.
		x, q = x[32*done:], q[34*done:]
		quant.QuantizeQ8_0(x[:32], q[:34])
		x, q, nb = x[32:], q[34:], nb-done-1
	}
}

// quantizeQ8K is quant.QuantizeQ8K (len(q) == len(x)/256*292), bit for bit.
func quantizeQ8K(x []float32, q []byte) {
	if level < lvAVX2 {
		quant.QuantizeQ8K(x, q)
		return
	}
	raceReadFloats(x)
	raceWriteBytes(q)
	for nb := len(x) / quant.QK8K; nb > 0; {
		done := quantQ8KAVX2(&x[0], &q[0], nb, q8KFused)
		if done == nb {
			return
		}
		x, q = x[quant.QK8K*done:], q[292*done:]
		quant.QuantizeQ8K(x[:quant.QK8K], q[:292])
		x, q, nb = x[quant.QK8K:], q[292:], nb-done-1
	}
}

// The wrappers below get slices of equal length.

func dot(a, b []float32) float32 {
	if level >= lvAVX2 && len(a) > 0 {
		return dotF32AVX2(&a[0], &b[0], len(a))
	}
	return dotGeneric(a, b)
}

func axpy(alpha float32, x, y []float32) {
	if level >= lvAVX2 && len(x) > 0 {
		axpyF32AVX2(alpha, &x[0], &y[0], len(x))
		return
	}
	axpyGeneric(alpha, x, y)
}

func dotF16(a []uint16, b []float32) float32 {
	if level >= lvAVX2 && len(a) > 0 {
		return dotF16AVX2(&a[0], &b[0], len(a))
	}
	return dotF16Generic(a, b)
}

func axpyF16(alpha float32, x []uint16, y []float32) {
	if level >= lvAVX2 && len(x) > 0 {
		axpyF16AVX2(alpha, &x[0], &y[0], len(x))
		return
	}
	axpyF16Generic(alpha, x, y)
}

func dotBF16(a []uint16, b []float32) float32 {
	if level >= lvAVX2 && len(a) > 0 {
		return dotBF16AVX2(&a[0], &b[0], len(a))
	}
	return dotBF16Generic(a, b)
}

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
