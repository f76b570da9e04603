//go:build !purego

package kernels

import (
	"golang.org/x/sys/cpu"

	"github.com/gollm/gollm/quant"
)

// NEON (ASIMD) is part of every arm64 CPU; SDOT is optional (Cortex-A72
// lacks it, A76 has it) and SMMLA (i8mm) newer still.
var (
	hasDotProd = cpu.ARM64.HasASIMDDP
	hasI8MM    = cpu.ARM64.HasASIMDDP && cpu.ARM64.HasI8MM
)

// levelMissing reports why level l cannot run here ("" when it can).
func levelMissing(l levelID) string {
	switch l {
	case lvGeneric, lvNEON:
		return ""
	case lvDotProd:
		if !hasDotProd {
			return "the CPU lacks the dot-product extension (SDOT, asimddp)"
		}
		return ""
	case lvI8MM:
		if !hasI8MM {
			return "the CPU lacks the int8 matrix-multiply extension (SMMLA, i8mm)"
		}
		return ""
	}
	return "not an arm64 level"
}

// matVec: rb > 0 and nb > 0 (MatVec handles empty rows). The 32-element
// types share each activation block across four rows.
func matVec(t quant.Type, w []byte, rb, nb int, q []byte, out []float32) {
	if level < lvNEON || !hasARMRow(t) {
		matVecGeneric(t, w, rb, nb, q, out)
		return
	}
	y := &q[0]
	r := 0
	if hasARMx4(t) && ActType(t) == quant.Q8_0 {
		var o [4]float32
		for ; r+4 <= len(out); r += 4 {
			dotR4ARM(t, &w[r*rb], rb, y, nb, &o)
			out[r], out[r+1], out[r+2], out[r+3] = o[0], o[1], o[2], o[3]
		}
	}
	for ; r < len(out); r++ {
		out[r] = dotRowARM(t, &w[r*rb], y, nb)
	}
}

// matMul: at the i8mm level 2x2 tiles of rows and columns go through SMMLA
// first; then four-column kernels unpack each weight block once per four
// columns; the rest runs the row kernel over tiles of 8 columns, so each
// weight row is read from memory once per tile and served from L1 to the
// other columns.
func matMul(t quant.Type, w []byte, rb, nb, rows int, qs []byte, ab, cols int, out []float32, ldOut int) {
	if level < lvNEON || !hasARMRow(t) {
		matMulGeneric(t, w, rb, nb, rows, qs, ab, cols, out, ldOut)
		return
	}
	c0 := 0
	if level >= lvI8MM {
		c0 = matMulI8MM(t, w, rb, nb, rows, qs, ab, cols, out, ldOut)
	}
	if hasARMx4(t) {
		var o [4]float32
		for ; c0+4 <= cols; c0 += 4 {
			y := &qs[c0*ab]
			for r := range rows {
				dotX4ARM(t, &w[r*rb], y, ab, nb, &o)
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
				out[c*ldOut+r] = dotRowARM(t, x, &qs[c*ab], nb)
			}
		}
	}
}

// matMulI8MM computes the even number of leading columns with 2x2 SMMLA
// tiles (an odd last row with the row kernel), tiles of 8 columns sharing
// each pair of weight rows, and returns the first column it left.
func matMulI8MM(t quant.Type, w []byte, rb, nb, rows int, qs []byte, ab, cols int, out []float32, ldOut int) int {
	if !hasI8MMx2(t) || cols < 2 {
		return 0
	}
	end := cols &^ 1
	var o [4]float32
	for c0 := 0; c0 < end; c0 += 8 {
		c1 := min(c0+8, end)
		r := 0
		for ; r+2 <= rows; r += 2 {
			for c := c0; c < c1; c += 2 {
				dotX2I8MM(t, &w[r*rb], rb, &qs[c*ab], ab, nb, &o)
				out[c*ldOut+r], out[(c+1)*ldOut+r] = o[0], o[1]
				out[c*ldOut+r+1], out[(c+1)*ldOut+r+1] = o[2], o[3]
			}
		}
		if r < rows {
			for c := c0; c < c1; c++ {
				out[c*ldOut+r] = dotRowARM(t, &w[r*rb], &qs[c*ab], nb)
			}
		}
	}
	return end
}

// levelExperimental marks levels that are only used when forced: none of
// the arm64 levels (all are tested against generic under qemu).
func levelExperimental(levelID) bool { return false }
