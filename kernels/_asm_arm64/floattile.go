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
	tileT(f, false)
	tileT(f, true)
	for _, e := range []struct {
		name  string
		bytes int
	}{{"F32", 4}, {"F16", 2}} {
		transpose4(f, "transpose"+e.name+"NEON", e.bytes)
	}
	maxF32(f)
	return f
}

// tileT writes tileF32TNEON (and, with add, tileF32TAddNEON),
// FloatTileMatMulT's kernels: the weights come k-major (wt[k*ldw + r]), so
// a vector of 4 rows at one k multiplies one column's x[k] as a lane (FMLA
// by element), and the accumulators are output vectors along the rows,
// stored without a reduction (with add, they start from the output
// rather than 0). Rows go 16 at a time (then 8, then 4) by columns 4 at a
// time (then one at a time); per 4 k of a 16x4 tile: 4 loads of x, 4 of
// wt, 64 FMLA. Each output is one fused multiply-add chain in order of k.
func tileT(f *File, add bool) {
	name, doc := "tileF32TNEON", "sets"
	if add {
		name, doc = "tileF32TAddNEON", "adds to"
	}
	a := f.Func(name, "func(wt *float32, ldw, n, rows int, x *float32, cols int, out *float32, ldo int)",
		name+` `+doc+` out[c*ldo + r] the sum over k < n of wt[k*ldw + r]
* x[c*n + k] for r < rows (a multiple of 4) and c < cols, n a positive
multiple of 4.`)
	// R0: the row group's wt; R1: ldw in bytes; R2: n; R3: rows left; R4:
	// x; R5: cols; R6: the row group's output; R7: ldo in bytes; R8: n in
	// bytes (x's column stride).
	a.Load("wt", R0)
	a.Load("ldw", R1)
	a.LSL(Imm(2), R1, R1)
	a.Load("n", R2)
	a.Load("rows", R3)
	a.Load("x", R4)
	a.Load("cols", R5)
	a.Load("out", R6)
	a.Load("ldo", R7)
	a.LSL(Imm(2), R7, R7)
	a.LSL(Imm(2), R2, R8)
	colPtrs := []Reg{R14, R15, R16, R17}
	// rv row vectors per group
	for _, rv := range []int{4, 2, 1} {
		p := fmtLabel("r", rv)
		a.Label(Label(p))
		a.CMP(Imm(4*rv), R3)
		a.BLT(Label(p + "done"))
		a.MOVD(R4, R10) // the column group's first column
		a.MOVD(R6, R11) // its output
		a.MOVD(R5, R12) // columns left
		// cv columns per group
		for _, cv := range []int{4, 1} {
			q := p + fmtLabel("c", cv)
			acc := func(c, v int) VReg { return V(c*rv + v) }
			a.Label(Label(q))
			a.CMP(Imm(cv), R12)
			a.BLT(Label(q + "done"))
			accs := func(c int) []Vec {
				var l []Vec
				for v := range rv {
					l = append(l, acc(c, v).S4())
				}
				return l
			}
			if add {
				a.MOVD(R11, R21)
				for c := range cv {
					a.VLD1(R21, accs(c)...)
					a.ADDto(R7, R21)
				}
			} else {
				for c := range cv {
					for v := range rv {
						a.Zero(acc(c, v))
					}
				}
			}
			a.MOVD(R0, R13)
			a.MOVD(R10, colPtrs[0])
			for c := 1; c < cv; c++ {
				a.ADD(R8, colPtrs[c-1], colPtrs[c])
			}
			a.MOVD(R2, R19)
			a.Label(Label(q + "k"))
			for c := range cv {
				a.VLD1P(16, colPtrs[c], V(16+c).S4())
			}
			for kk := range 4 {
				var ws []Vec
				for v := range rv {
					ws = append(ws, V(20+4*(kk%2)+v).S4())
				}
				a.VLD1PR(R1, R13, ws...)
				for c := range cv {
					for v := range rv {
						a.FMLAEi(V(16+c), kk, V(20+4*(kk%2)+v), acc(c, v))
					}
				}
			}
			a.SUBS(Imm(4), R19)
			a.BNE(Label(q + "k"))
			a.MOVD(R11, R21)
			for c := range cv {
				a.VST1(R21, accs(c)...)
				a.ADDto(R7, R21)
			}
			a.ADD(R8.Lsl(cv/2), R10, R10) // the next cv columns (cv is 1 or 4)
			a.MOVD(R21, R11)
			a.SUB(Imm(cv), R12)
			a.B(Label(q))
			a.Label(Label(q + "done"))
		}
		a.ADD(Imm(16*rv), R0, R0)
		a.ADD(Imm(16*rv), R6, R6)
		a.SUB(Imm(4*rv), R3)
		a.B(Label(p))
		a.Label(Label(p + "done"))
	}
	a.RET()
}

// transpose4 writes transpose<T>NEON: 4x4 blocks of elem-byte floats
// (F32, or F16 widened) transposed with two rounds of ZIPs.
func transpose4(f *File, name string, elem int) {
	a := f.Func(name, "func(src *byte, lds, rows, cols int, dst *float32, ldd int)",
		name+` sets dst[c*ldd + r] = src[r*lds + c] as float32 for r < rows
and c < cols (both multiples of 4); lds counts elements.`)
	// R0: the row group's source; R1: lds in bytes; R2: rows left; R3:
	// cols; R4: the row group's destination; R5: ldd in bytes.
	a.Load("src", R0)
	a.Load("lds", R1)
	a.LSL(Imm(elem/2), R1, R1)
	a.Load("rows", R2)
	a.Load("cols", R3)
	a.Load("dst", R4)
	a.Load("ldd", R5)
	a.LSL(Imm(2), R5, R5)
	rowPtrs := []Reg{R6, R7, R8, R9}
	a.Label("rows")
	a.CBZ(R2, "done")
	a.MOVD(R0, R6)
	for i := 1; i < 4; i++ {
		a.ADD(R1, rowPtrs[i-1], rowPtrs[i])
	}
	a.MOVD(R4, R10)
	a.MOVD(R3, R11)
	a.Label("cols")
	for i, p := range rowPtrs {
		if elem == 4 {
			a.VLD1P(16, p, V(i).S4())
		} else {
			a.VLD1P(8, p, V(i).H4())
			a.FCVTL4S(V(i), V(i))
		}
	}
	a.Comment("rows a, b, c, d: (a0 c0 a1 c1), (a2 c2 a3 c3), (b0 d0 b1 d1), (b2 d2 b3 d3), then columns")
	a.VZIP1(V2.S4(), V0.S4(), V4.S4())
	a.VZIP2(V2.S4(), V0.S4(), V5.S4())
	a.VZIP1(V3.S4(), V1.S4(), V6.S4())
	a.VZIP2(V3.S4(), V1.S4(), V7.S4())
	a.VZIP1(V6.S4(), V4.S4(), V0.S4())
	a.VZIP2(V6.S4(), V4.S4(), V1.S4())
	a.VZIP1(V7.S4(), V5.S4(), V2.S4())
	a.VZIP2(V7.S4(), V5.S4(), V3.S4())
	for i := range 4 {
		a.VST1(R10, V(i).S4())
		a.ADDto(R5, R10)
	}
	a.SUBS(Imm(4), R11)
	a.BNE("cols")
	a.ADD(R1.Lsl(2), R0, R0) // the next four rows
	a.ADD(Imm(16), R4, R4)
	a.SUB(Imm(4), R2)
	a.B("rows")
	a.Label("done")
	a.RET()
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
