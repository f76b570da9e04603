//go:build !purego

package kernels

import (
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
//	go test ./kernels -run 'TestLevels|TestPageBoundary|TestMatMulRowSplit'
//	go test ./kernels -run '^$' -fuzz FuzzMatVec -fuzztime 2m
//	go test ./kernels -run '^$' -bench 'MatVec$/type=(Q4_0|Q8_0|Q4_K)/impl=(generic|avx2|avx512)/size=cache' -benchtime 200ms
//
// and return false here once they pass.
func levelExperimental(l levelID) bool { return l == lvAVX512 }

// hasAVX512Row reports whether t has an AVX-512 row dot product.
func hasAVX512Row(t quant.Type) bool {
	switch t {
	case quant.Q8_0, quant.Q4_0, quant.Q5_0, quant.Q4_K, quant.Q6_K:
		return true
	}
	return false
}

func dotRowAVX512(t quant.Type, x, y *byte, nb int) float32 {
	switch t {
	case quant.Q8_0:
		return dotQ8_0AVX512(x, y, nb)
	case quant.Q4_0:
		return dotQ4_0AVX512(x, y, nb)
	case quant.Q5_0:
		return dotQ5_0AVX512(x, y, nb)
	case quant.Q4_K:
		return dotQ4_KAVX512(x, y, nb)
	case quant.Q6_K:
		return dotQ6_KAVX512(x, y, nb)
	}
	panic("kernels: no AVX-512 kernel for " + t.String())
}

// hasAVX2Row reports whether t has an AVX2 row dot product.
func hasAVX2Row(t quant.Type) bool {
	switch t {
	case quant.Q8_0, quant.Q4_0, quant.Q4_1, quant.Q5_0, quant.Q5_1, quant.IQ4_NL,
		quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.IQ4_XS:
		return true
	}
	return false
}

// dotRowAVX2 dispatches to the AVX2 row dot product of t (hasAVX2Row(t)).
func dotRowAVX2(t quant.Type, x, y *byte, nb int) float32 {
	switch t {
	case quant.Q8_0:
		return dotQ8_0AVX2(x, y, nb)
	case quant.Q4_0:
		return dotQ4_0AVX2(x, y, nb)
	case quant.Q4_1:
		return dotQ4_1AVX2(x, y, nb)
	case quant.Q5_0:
		return dotQ5_0AVX2(x, y, nb)
	case quant.Q5_1:
		return dotQ5_1AVX2(x, y, nb)
	case quant.IQ4_NL:
		return dotIQ4_NLAVX2(x, y, nb)
	case quant.Q2_K:
		return dotQ2_KAVX2(x, y, nb)
	case quant.Q3_K:
		return dotQ3_KAVX2(x, y, nb)
	case quant.Q4_K:
		return dotQ4_KAVX2(x, y, nb)
	case quant.Q5_K:
		return dotQ5_KAVX2(x, y, nb)
	case quant.Q6_K:
		return dotQ6_KAVX2(x, y, nb)
	case quant.IQ4_XS:
		return dotIQ4_XSAVX2(x, y, nb)
	}
	panic("kernels: no AVX2 kernel for " + t.String())
}

// matVec: rb > 0 and nb > 0 (MatVec handles empty rows). Types with a
// four-row kernel share each activation block across four rows.
func matVec(t quant.Type, w []byte, rb, nb int, q []byte, out []float32) {
	if level < lvAVX2 || !hasAVX2Row(t) {
		matVecGeneric(t, w, rb, nb, q, out)
		return
	}
	y := &q[0]
	if level >= lvAVX512 && hasAVX512Row(t) {
		for r := range out {
			out[r] = dotRowAVX512(t, &w[r*rb], y, nb)
		}
		return
	}
	r := matVecStream(t, w, rb, nb, y, out)
	for ; r < len(out); r++ {
		out[r] = dotRowAVX2(t, &w[r*rb], y, nb)
	}
}

// hasAVX2x4 reports whether t has a four-column AVX2 kernel.
func hasAVX2x4(t quant.Type) bool {
	switch t {
	case quant.Q8_0, quant.Q4_0, quant.Q5_0, quant.IQ4_NL, quant.Q4_K, quant.Q5_K, quant.Q6_K:
		return true
	}
	return false
}

// dotX4AVX2 dispatches to the four-column kernel of t (hasAVX2x4(t)).
func dotX4AVX2(t quant.Type, x, y *byte, ystride, nb int, out *[4]float32) {
	switch t {
	case quant.Q8_0:
		dotQ8_0x4AVX2(x, y, ystride, nb, out)
	case quant.Q4_0:
		dotQ4_0x4AVX2(x, y, ystride, nb, out)
	case quant.Q5_0:
		dotQ5_0x4AVX2(x, y, ystride, nb, out)
	case quant.IQ4_NL:
		dotIQ4_NLx4AVX2(x, y, ystride, nb, out)
	case quant.Q4_K:
		dotQ4_Kx4AVX2(x, y, ystride, nb, out)
	case quant.Q5_K:
		dotQ5_Kx4AVX2(x, y, ystride, nb, out)
	case quant.Q6_K:
		dotQ6_Kx4AVX2(x, y, ystride, nb, out)
	}
}

// matMul multiplies tiles of columns: with a four-column kernel each weight
// block is unpacked once per four columns; otherwise the row kernel runs
// over tiles of 8 columns, so each weight row is read from memory once per
// tile and served from L1 to the other columns.
func matMul(t quant.Type, w []byte, rb, nb, rows int, qs []byte, ab, cols int, out []float32, ldOut int) {
	if level < lvAVX2 || !hasAVX2Row(t) {
		matMulGeneric(t, w, rb, nb, rows, qs, ab, cols, out, ldOut)
		return
	}
	if level >= lvAVX512 && hasAVX512Row(t) {
		const tile = 8
		for c0 := 0; c0 < cols; c0 += tile {
			c1 := min(c0+tile, cols)
			for r := range rows {
				x := &w[r*rb]
				for c := c0; c < c1; c++ {
					out[c*ldOut+r] = dotRowAVX512(t, x, &qs[c*ab], nb)
				}
			}
		}
		return
	}
	if useGemm(t, cols) {
		matMulGemm(t, w, rb, nb, rows, qs, ab, cols, out, ldOut)
		return
	}
	c0 := 0
	if useX4 && hasAVX2x4(t) {
		var o [4]float32
		for ; c0+4 <= cols; c0 += 4 {
			y := &qs[c0*ab]
			for r := range rows {
				dotX4AVX2(t, &w[r*rb], y, ab, nb, &o)
				out[c0*ldOut+r] = o[0]
				out[(c0+1)*ldOut+r] = o[1]
				out[(c0+2)*ldOut+r] = o[2]
				out[(c0+3)*ldOut+r] = o[3]
			}
		}
	}
	const tile = 8
	for ; c0 < cols; c0 += tile {
		c1 := min(c0+tile, cols)
		for r := range rows {
			x := &w[r*rb]
			for c := c0; c < c1; c++ {
				out[c*ldOut+r] = dotRowAVX2(t, x, &qs[c*ab], nb)
			}
		}
	}
}

// useX4 enables the four-column kernels (benchmarks switch it off to
// measure their gain).
var useX4 = true
