package main

import . "github.com/gollm/gollm/kernels/_asm_arm64/asm"

// The float tile kernels (floattile_arm64.s), used at every arm64 level:
// register-blocked products for attention tiles (FloatTileMatMul), and
// the maximum of a slice (MaxF32).
func floattileFile() *File {
	f := NewFile(`Register-blocked float matrix products for attention tiles, out[c*ldo + r]
= dot(row r of w, column c of x) for rows and cols multiples of 4 and n a
positive multiple of 4 (floattile.go). Each tile of 4 rows by 4 columns
keeps sixteen 4-lane accumulators (V0-V15), loads each row vector
(converted from F16 where needed) once per 4 columns and each column vector
once per 4 rows, and reduces the four rows of a column into one 4-float
store. And maxF32NEON, the maximum of a slice.`)
	for _, e := range []struct {
		name  string
		bytes int // per weight
	}{{"F32", 4}, {"F16", 2}} {
		tile4x4(f, "tile"+e.name+"x4x4NEON", e.bytes)
	}
	maxF32(f)
	return f
}

// tile4x4 writes the 4x4 tile kernel for rows of elem-byte weights.
func tile4x4(f *File, name string, elem int) {
	a := f.Func(name, "func(w *byte, n, rows int, x *float32, cols int, out *float32, ldo int)",
		name+" computes the tiles of rows 4 at a time by columns 4 at a time.")
	// R0: the row group's first row; R7: the row stride in bytes; R2: rows
	// left; R3: x; R4: cols; R1: n; R9: the row group's output; R6: ldo in
	// bytes; R8: the column stride in bytes.
	a.Load("w", R0)
	a.Load("n", R1)
	a.Load("rows", R2)
	a.Load("x", R3)
	a.Load("cols", R4)
	a.Load("out", R9)
	a.Load("ldo", R6)
	a.LSL(Imm(2), R6, R6)
	a.LSL(Imm(2), R1, R8)
	if elem == 4 {
		a.MOVD(R8, R7)
	} else {
		a.LSL(Imm(1), R1, R7)
	}
	rowPtrs := []Reg{R12, R13, R14, R15}
	colPtrs := []Reg{R16, R17, R19, R20}
	a.Label("rowgroup")
	a.CBZ(R2, "done")
	a.MOVD(R3, R10) // the column group's first column
	a.MOVD(R9, R11) // the tile's output
	a.MOVD(R4, R22) // columns left
	a.Label("colgroup")
	a.CBZ(R22, "nextrows")
	a.MOVD(R0, R12)
	for i := 1; i < 4; i++ {
		a.ADD(R7, rowPtrs[i-1], rowPtrs[i])
	}
	a.MOVD(R10, R16)
	for i := 1; i < 4; i++ {
		a.ADD(R8, colPtrs[i-1], colPtrs[i])
	}
	for i := range 16 {
		a.Zero(V(i))
	}
	a.MOVD(R1, R21)
	a.Label("k")
	for r, p := range rowPtrs {
		if elem == 4 {
			a.VLD1P(16, p, V(16+r).S4())
		} else {
			a.VLD1P(8, p, V(16+r).H4())
			a.FCVTL4S(V(16+r), V(16+r))
		}
	}
	for c, p := range colPtrs {
		a.VLD1P(16, p, V(20+c).S4())
	}
	for r := range 4 {
		for c := range 4 {
			a.FMLA4S(V(20+c), V(16+r), V(4*r+c))
		}
	}
	a.SUBS(Imm(4), R21)
	a.BNE("k")
	a.Comment("column c: the four rows' sums, pairwise, into one vector")
	a.MOVD(R11, R23)
	for c := range 4 {
		a.FADDP4S(V(4+c), V(c), V(24))
		a.FADDP4S(V(12+c), V(8+c), V(25))
		a.FADDP4S(V25, V24, V24)
		a.VST1(R23, V24.S4())
		a.ADDto(R6, R23)
	}
	a.ADD(R8.Lsl(2), R10, R10) // the next four columns
	a.ADD(R6.Lsl(2), R11, R11)
	a.SUB(Imm(4), R22)
	a.B("colgroup")
	a.Label("nextrows")
	a.ADD(R7.Lsl(2), R0, R0) // the next four rows
	a.ADD(Imm(16), R9, R9)
	a.SUB(Imm(4), R2)
	a.B("rowgroup")
	a.Label("done")
	a.RET()
}

// maxF32 writes maxF32NEON: four 4-lane maxima over 16 elements per
// iteration, then 4 at a time, then a scalar tail.
func maxF32(f *File) {
	a := f.Func("maxF32NEON", "func(x *float32, n int) float32",
		"maxF32NEON returns the largest of the n >= 1 floats at x (none NaN).")
	a.Load("x", R0)
	a.Load("n", R1)
	a.VLD1R(R0, V0.S4())
	for i := 1; i < 4; i++ {
		a.VMOVV(V0, V(i))
	}
	a.Label("loop16")
	a.CMP(Imm(16), R1)
	a.BLT("loop4")
	a.VLD1P(64, R0, V4.S4(), V5.S4(), V6.S4(), V7.S4())
	for i := range 4 {
		a.FMAX4S(V(4+i), V(i), V(i))
	}
	a.SUB(Imm(16), R1)
	a.B("loop16")
	a.Label("loop4")
	a.CMP(Imm(4), R1)
	a.BLT("tail")
	a.VLD1P(16, R0, V4.S4())
	a.FMAX4S(V4, V0, V0)
	a.SUB(Imm(4), R1)
	a.B("loop4")
	a.Label("tail")
	a.FMAX4S(V1, V0, V0)
	a.FMAX4S(V3, V2, V2)
	a.FMAX4S(V2, V0, V0)
	a.FMAXV(V0, V0)
	a.CBZ(R1, "done")
	a.Label("loop1")
	a.FMOVSP(M(R0, 4), V1.F())
	a.FMAXS(V1.F(), V0.F(), V0.F())
	a.SUBS(Imm(1), R1)
	a.BNE("loop1")
	a.Label("done")
	a.Store(V0.F(), "ret")
	a.RET()
}
