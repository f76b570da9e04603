package main

import . "github.com/gollm/gollm/kernels/_asm_arm64/asm"

// The MatMul kernels (matmul_arm64.s): four-column kernels at the neon and
// dotprod levels, func(x, y *byte, ystride, nb int, out *[4]float32),
// out[c] = dot(row x, column c) with column c's activation at
// y + c*ystride, each weight block unpacked once for the four columns; and
// 2x2 SMMLA kernels at the i8mm level.
func matmulFile() *File {
	f := NewFile(`MatMul kernels: four columns per weight row (neon, dotprod) and 2x2
tiles of rows and columns with SMMLA (i8mm).`)
	for _, lv := range levels {
		for _, u := range unpackers {
			if u.typ == "Q8_0" || u.typ == "Q4_0" { // the others have tiles (tile_arm64.go)
				x4(f, lv, u)
			}
		}
	}
	for _, u := range i8mmUnpackers {
		x2I8MM(f, u)
	}
	return f
}

const x4sig = "func(x, y *byte, ystride, nb int, out *[4]float32)"

// x4cols are the four columns' activation pointers.
var x4cols = []Reg{R1, R5, R6, R7}

// x4Start loads the arguments of a four-column kernel (columns at
// x4cols) and zeroes the sums given.
func x4Start(a *Func, sums ...VReg) {
	a.Load("x", R0)
	a.Load("y", R1)
	a.Load("ystride", R10)
	a.ADD(R1, R10, R5)
	a.ADD(R5, R10, R6)
	a.ADD(R6, R10, R7)
	a.Load("nb", R2)
	for _, s := range sums {
		a.Zero(s)
	}
}

// x4: per block the four columns' integer sums (V26..V29) are reduced
// together and scaled as scale32 does, lane c of V16 summing column c.
func x4(f *File, lv level, u unpack32) {
	name := "dot" + u.typ + "x4" + lv.suffix
	a := f.Func(name, x4sig, name+" is the "+lv.name()+" four-column kernel of "+u.typ+".")
	x4Start(a, V16)
	u.consts(a)
	a.CBZ(R2, "done")
	a.Label("loop")
	u.load(a, R0)
	a.FMOVS(R4, V23.F())
	a.FCVTHS(V23.F(), V23.F())
	a.VDUP(V23.S(0), V23.S4())
	for c, y := range x4cols {
		a.MOVHUP(2, y, R8)
		a.VMOV(R8, V24.H(c))
		a.VLD1P(32, y, V20.B16(), V21.B16())
		a.Zero(V(26 + c))
		u.dot2(a, lv, V(26+c), V20, V21)
	}
	tree4(a)
	a.FCVTL4S(V24, V25)
	a.FMUL4S(V23, V26, V26)
	a.FMUL4S(V25, V26, V26)
	a.FADD4S(V26, V16, V16)
	a.SUBS(Imm(1), R2)
	a.BNE("loop")
	a.Label("done")
	a.Load("out", R9)
	a.VST1(R9, V16.S4())
	a.RET()
}
