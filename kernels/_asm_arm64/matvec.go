package main

import . "github.com/gollm/gollm/kernels/_asm_arm64/asm"

// The four-row kernels (matvec_arm64.s) of the 32-element types,
// func(x *byte, xstride int, y *byte, nb int, out *[4]float32):
// out[i] = dot(row x + i*xstride, y); each activation block is loaded and
// its scale converted once for the four rows.
func matvecFile() *File {
	f := NewFile(`Four-row dot products for MatVec: out[i] = dot(row x + i*xstride, y),
each activation block loaded and its scale converted once for the four
rows.`)
	for _, lv := range levels {
		for _, u := range unpackers {
			name := "dot" + u.typ + "r4" + lv.suffix
			a := f.Func(name, "func(x *byte, xstride int, y *byte, nb int, out *[4]float32)",
				name+" is the "+lv.name()+" four-row kernel of "+u.typ+".")
			rows := []Reg{R0, R3, R5, R6}
			a.Load("x", R0)
			a.Load("xstride", R10)
			a.ADD(R0, R10, R3)
			a.ADD(R3, R10, R5)
			a.ADD(R5, R10, R6)
			a.Load("y", R1)
			a.Load("nb", R2)
			a.Zero(V16)
			u.consts(a)
			a.CBZ(R2, "done")
			a.Label("loop")
			a.VLD1LaneP(2, R1, V24.H(0))
			a.VLD1P(32, R1, V20.B16(), V21.B16())
			a.FCVTHS(V24.F(), V24.F())
			for r, x := range rows {
				u.load(a, x)
				a.VMOV(R4, V23.H(r))
				a.Zero(V(26 + r))
				u.dot2(a, lv, V(26+r), V20, V21)
			}
			// out += float32(isum) * (d * dy), fused.
			tree4(a)
			a.FCVTL4S(V23, V25)
			a.FMULE(V24, 0, V25, V25)
			a.FMLA4S(V25, V26, V16)
			a.SUBS(Imm(1), R2)
			a.BNE("loop")
			a.Label("done")
			a.Load("out", R9)
			a.VST1(R9, V16.S4())
			a.RET()
		}
	}
	return f
}
