package main

import . "github.com/gollm/gollm/kernels/_asm_arm64/asm"

// The 2x2 SMMLA kernels, func(x *byte, xstride int, y *byte, ystride, nb
// int, out *[4]float32): rows x and x+xstride times columns y and
// y+ystride, out = [r0c0 r0c1 r1c0 r1c1]. SMMLA multiplies a 2x8 byte
// matrix (one 8-byte half per register half) by the transpose of another,
// so each 16-byte row chunk is interleaved with the other row's by
// ZIP1/ZIP2 on 64-bit lanes.

const x2sig = "func(x *byte, xstride int, y *byte, ystride, nb int, out *[4]float32)"

// i8mmUnpack unpacks the 32-element block at src (after its scale) into lo
// (elements 0-15) and hi (16-31).
type i8mmUnpack struct {
	typ    string
	consts func(a *Func)
	load   func(a *Func, src Reg, lo, hi VReg)
}

// nib loads 16 bytes of nibbles from src into lo (low nibbles) and hi
// (high), with the 0x0F mask in V26.
func nib(a *Func, src Reg, lo, hi VReg) {
	a.VLD1P(16, src, hi.B16())
	a.VAND(V26.B16(), hi.B16(), lo.B16())
	a.VUSHR(4, hi.B16(), hi.B16())
}

var i8mmUnpackers = []i8mmUnpack{
	{"Q8_0", func(*Func) {}, func(a *Func, src Reg, lo, hi VReg) {
		a.VLD1P(32, src, lo.B16(), hi.B16())
	}},
	{"Q4_0", func(a *Func) {
		a.VMOVI(15, V26.B16())
		a.VMOVI(8, V27.B16())
	}, func(a *Func, src Reg, lo, hi VReg) {
		nib(a, src, lo, hi)
		a.VSUB(V27.B16(), lo.B16(), lo.B16())
		a.VSUB(V27.B16(), hi.B16(), hi.B16())
	}},
}

// x2Start loads the arguments of a 2x2 kernel: rows R0, R3; columns R1,
// R5; nb R2; zeroes sum.
func x2Start(a *Func, sum VReg) {
	a.Load("x", R0)
	a.Load("xstride", R3)
	a.ADD(R0, R3, R3)
	a.Load("y", R1)
	a.Load("ystride", R5)
	a.ADD(R1, R5, R5)
	a.Load("nb", R2)
	a.Zero(sum)
}

// x2End stores sum to out.
func x2End(a *Func, sum VReg, tmp Reg) {
	a.SUBS(Imm(1), R2)
	a.BNE("loop")
	a.Label("done")
	a.Load("out", tmp)
	a.VST1(tmp, sum.S4())
	a.RET()
}

// zipRows interleaves the 64-bit halves of rows r0 and r1 (lo, hi each)
// into the SMMLA operands d..d+3.
func zipRows(a *Func, r0lo, r0hi, r1lo, r1hi VReg, d int) {
	a.VZIP1(r1lo.D2(), r0lo.D2(), V(d).D2())
	a.VZIP2(r1lo.D2(), r0lo.D2(), V(d+1).D2())
	a.VZIP1(r1hi.D2(), r0hi.D2(), V(d+2).D2())
	a.VZIP2(r1hi.D2(), r0hi.D2(), V(d+3).D2())
}

func x2I8MM(f *File, u i8mmUnpack) {
	name := "dot" + u.typ + "x2I8MM"
	a := f.Func(name, x2sig, name+" is the i8mm 2x2 kernel of "+u.typ+".")
	x2Start(a, V24)
	u.consts(a)
	a.CBZ(R2, "done")
	a.Label("loop")
	a.MOVHUP(2, R0, R6)
	a.MOVHUP(2, R3, R7)
	a.MOVHUP(2, R1, R8)
	a.MOVHUP(2, R5, R9)
	u.load(a, R0, V0, V1)
	u.load(a, R3, V2, V3)
	a.VLD1P(32, R1, V4.B16(), V5.B16())
	a.VLD1P(32, R5, V6.B16(), V7.B16())
	zipRows(a, V0, V1, V2, V3, 8)
	zipRows(a, V4, V5, V6, V7, 12)
	a.Zero(V16)
	for i := range 4 {
		a.SMMLA(V(12+i), V(8+i), V16)
	}
	a.VMOV(R6, V20.H(0))
	a.VMOV(R6, V20.H(1))
	a.VMOV(R7, V20.H(2))
	a.VMOV(R7, V20.H(3))
	a.VMOV(R8, V21.H(0))
	a.VMOV(R9, V21.H(1))
	a.VMOV(R8, V21.H(2))
	a.VMOV(R9, V21.H(3))
	a.FCVTL4S(V20, V20)
	a.FCVTL4S(V21, V21)
	a.SCVTF4S(V16, V16)
	a.FMUL4S(V20, V16, V16)
	a.FMUL4S(V21, V16, V16)
	a.FADD4S(V16, V24, V24)
	x2End(a, V24, R10)
}
