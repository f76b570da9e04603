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
	{"IQ4_NL", func(a *Func) {
		a.VMOVI(15, V26.B16())
		a.Addr(iq4nlTable, R10)
		a.VLD1(R10, V27.B16())
	}, func(a *Func, src Reg, lo, hi VReg) {
		nib(a, src, lo, hi)
		a.VTBL(lo.B16(), List{V27.B16()}, lo.B16())
		a.VTBL(hi.B16(), List{V27.B16()}, hi.B16())
	}},
	{"Q5_0", func(a *Func) {
		a.VMOVI(15, V26.B16())
		a.VMOVI(16, V25.B16())
		a.Addr(q5Table, R10)
		a.VLD1(R10, V27.B16(), V28.B16(), V29.B16())
	}, func(a *Func, src Reg, lo, hi VReg) {
		a.MOVWUP(4, src, R10)
		a.VDUP(R10, V17.S4())
		a.VTBL(V27.B16(), List{V17.B16()}, V18.B16())
		a.VTBL(V28.B16(), List{V17.B16()}, V19.B16())
		a.VCMTST(V29.B16(), V18.B16(), V18.B16())
		a.VCMTST(V29.B16(), V19.B16(), V19.B16())
		a.VAND(V25.B16(), V18.B16(), V18.B16())
		a.VAND(V25.B16(), V19.B16(), V19.B16())
		nib(a, src, lo, hi)
		a.VORR(V18.B16(), lo.B16(), lo.B16())
		a.VORR(V19.B16(), hi.B16(), hi.B16())
		a.VSUB(V25.B16(), lo.B16(), lo.B16())
		a.VSUB(V25.B16(), hi.B16(), hi.B16())
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

// q4Kx2I8MM is the 2x2 SMMLA kernel of Q4_K: per 32-element sub-block one
// SMMLA tile sum, scaled per row by MLA with scales spread by VTBL; the
// min term is four 8-long int16 dots of mins and paired bsums.
func q4Kx2I8MM(f *File) {
	a := f.Func("dotQ4_Kx2I8MM", x2sig, "dotQ4_Kx2I8MM is the i8mm 2x2 kernel of Q4_K.")
	x2Start(a, V30)
	a.VMOVI(15, V24.B16())
	a.Addr(k4idxTable, R21)
	a.VLD1(R21, V26.B16(), V27.B16())
	a.CBZ(R2, "done")
	a.Label("loop")
	k4dec(a, R0, R4, R6, R7, R8, R9, R10)
	k4dec(a, R3, R14, R15, R16, R17, R19, R20)
	a.VMOV(R7, V28.S(0))
	a.VMOV(R8, V28.S(1))
	a.VMOV(R16, V28.S(2))
	a.VMOV(R17, V28.S(3))
	a.VORR(V26.B16(), V26.B16(), V22.B16())
	a.Zero(V21)
	a.ADD(Imm(16), R0, R21)
	a.ADD(Imm(16), R3, R22)
	a.ADD(Imm(4), R1, R23)
	a.ADD(Imm(4), R5, R24)
	for range 4 {
		a.VLD1P(32, R21, V0.B16(), V1.B16())
		a.VLD1P(32, R22, V2.B16(), V3.B16())
		for half := range 2 {
			for i := range 4 {
				if half == 0 {
					a.VAND(V24.B16(), V(i).B16(), V(4+i).B16())
				} else {
					a.VUSHR(4, V(i).B16(), V(4+i).B16())
				}
			}
			zipRows(a, V4, V5, V6, V7, 8)
			a.VLD1P(32, R23, V16.B16(), V17.B16())
			a.VLD1P(32, R24, V18.B16(), V19.B16())
			zipRows(a, V16, V17, V18, V19, 12)
			a.Zero(V20)
			for i := range 4 {
				a.SMMLA(V(12+i), V(8+i), V20)
			}
			a.VTBL(V22.B16(), List{V28.B16()}, V25.B16())
			a.VADD(V27.B16(), V22.B16(), V22.B16())
			a.MLA4S(V25, V20, V21)
		}
	}
	a.VLD1(R23, V0.H8(), V1.H8())
	a.VADDP(V1.H8(), V0.H8(), V0.H8())
	a.VLD1(R24, V2.H8(), V3.H8())
	a.VADDP(V3.H8(), V2.H8(), V2.H8())
	a.VMOV(R9, V4.S(0))
	a.VMOV(R10, V4.S(1))
	a.VUXTL(V4.B8(), V4.H8())
	a.VMOV(R19, V5.S(0))
	a.VMOV(R20, V5.S(1))
	a.VUXTL(V5.B8(), V5.H8())
	a.SMULL4S(V0, V4, V6)
	a.SMLAL24S(V0, V4, V6)
	a.SMULL4S(V2, V4, V7)
	a.SMLAL24S(V2, V4, V7)
	a.SMULL4S(V0, V5, V8)
	a.SMLAL24S(V0, V5, V8)
	a.SMULL4S(V2, V5, V9)
	a.SMLAL24S(V2, V5, V9)
	a.VADDP(V7.S4(), V6.S4(), V6.S4())
	a.VADDP(V9.S4(), V8.S4(), V8.S4())
	a.VADDP(V8.S4(), V6.S4(), V6.S4())
	a.VMOV(R4, V10.H(0))
	a.VMOV(R4, V10.H(1))
	a.VMOV(R14, V10.H(2))
	a.VMOV(R14, V10.H(3))
	a.FCVTL4S(V10, V10)
	a.VMOV(R6, V11.H(0))
	a.VMOV(R6, V11.H(1))
	a.VMOV(R15, V11.H(2))
	a.VMOV(R15, V11.H(3))
	a.FCVTL4S(V11, V11)
	a.MOVWU(M(R1, 0), R11)
	a.MOVWU(M(R5, 0), R12)
	a.VMOV(R11, V12.S(0))
	a.VMOV(R12, V12.S(1))
	a.VMOV(R11, V12.S(2))
	a.VMOV(R12, V12.S(3))
	a.FMUL4S(V12, V10, V10)
	a.FMUL4S(V12, V11, V11)
	a.SCVTF4S(V21, V13)
	a.SCVTF4S(V6, V14)
	a.FMUL4S(V13, V10, V10)
	a.FMUL4S(V14, V11, V11)
	a.FSUB4S(V11, V10, V10)
	a.FADD4S(V10, V30, V30)
	a.ADDto(Imm(144), R0)
	a.ADDto(Imm(144), R3)
	a.ADDto(Imm(292), R1)
	a.ADDto(Imm(292), R5)
	x2End(a, V30, R21)
}

// q6Kx2I8MM is the 2x2 SMMLA kernel of Q6_K. The quants stay unsigned
// (0-63) in the SMMLA tiles; the -32 offset comes back as
// 32 * sum sc*bsums.
func q6Kx2I8MM(f *File) {
	a := f.Func("dotQ6_Kx2I8MM", x2sig, "dotQ6_Kx2I8MM is the i8mm 2x2 kernel of Q6_K.")
	x2Start(a, V30)
	a.VMOVI(15, V26.B16())
	a.VMOVI(48, V27.B16())
	a.Addr(k6idxTable, R16)
	a.CBZ(R2, "done")
	a.Label("loop")
	a.VLD1(R16, V24.B16(), V25.B16())
	a.ADD(Imm(192), R0, R6)
	a.VLD1(R6, V28.B16())
	a.ADD(Imm(192), R3, R7)
	a.VLD1(R7, V29.B16())
	a.Zero(V31)
	a.MOVD(R0, R10)
	a.ADD(Imm(128), R0, R11)
	a.MOVD(R3, R12)
	a.ADD(Imm(128), R3, R13)
	a.ADD(Imm(4), R1, R14)
	a.ADD(Imm(4), R5, R15)
	for range 2 {
		a.VLD1P(64, R10, V0.B16(), V1.B16(), V2.B16(), V3.B16())
		a.VLD1P(32, R11, V4.B16(), V5.B16())
		a.VLD1P(64, R12, V6.B16(), V7.B16(), V8.B16(), V9.B16())
		a.VLD1P(32, R13, V10.B16(), V11.B16())
		for k := range 4 {
			for pt := range 2 {
				for r, t := range []int{12, 14} {
					b := 6 * r
					q6Quarter(a, k, pt, [4]VReg{V(b), V(b + 1), V(b + 2), V(b + 3)}, [2]VReg{V(b + 4), V(b + 5)},
						V26, V27, V(t+1), V(t))
					a.VORR(V(t+1).B16(), V(t).B16(), V(t).B16())
				}
				a.VZIP1(V14.D2(), V12.D2(), V16.D2())
				a.VZIP2(V14.D2(), V12.D2(), V17.D2())
				a.VLD1P(16, R14, V18.B16())
				a.VLD1P(16, R15, V19.B16())
				a.VZIP1(V19.D2(), V18.D2(), V20.D2())
				a.VZIP2(V19.D2(), V18.D2(), V21.D2())
				a.Zero(V22)
				a.SMMLA(V20, V16, V22)
				a.SMMLA(V21, V17, V22)
				a.VTBL(V24.B16(), List{V28.B16(), V29.B16()}, V23.B16())
				a.VADD(V25.B16(), V24.B16(), V24.B16())
				a.SSHR24(V23, V23)
				a.MLA4S(V23, V22, V31)
			}
		}
	}
	a.VLD1(R14, V0.H8(), V1.H8())
	a.VLD1(R15, V2.H8(), V3.H8())
	a.SXTL8H(V28, V4)
	a.SXTL28H(V28, V5)
	a.SXTL8H(V29, V6)
	a.SXTL28H(V29, V7)
	// V8..V11 = sum sc*bsums of (row 0, column 0), (0, 1), (1, 0), (1, 1).
	for _, p := range [][3]VReg{{V8, V4, V0}, {V9, V4, V2}, {V10, V6, V0}, {V11, V6, V2}} {
		d, s, b := p[0], p[1], p[2]
		a.SMULL4S(b, s, d)
		a.SMLAL24S(b, s, d)
		a.SMLAL4S(b+1, s+1, d)
		a.SMLAL24S(b+1, s+1, d)
	}
	a.VADDP(V9.S4(), V8.S4(), V8.S4())
	a.VADDP(V11.S4(), V10.S4(), V10.S4())
	a.VADDP(V10.S4(), V8.S4(), V8.S4())
	a.VSHL(5, V8.S4(), V8.S4())
	a.VSUB(V8.S4(), V31.S4(), V31.S4())
	a.MOVHU(M(R0, 208), R8)
	a.MOVHU(M(R3, 208), R9)
	a.VMOV(R8, V12.H(0))
	a.VMOV(R8, V12.H(1))
	a.VMOV(R9, V12.H(2))
	a.VMOV(R9, V12.H(3))
	a.FCVTL4S(V12, V12)
	a.MOVWU(M(R1, 0), R6)
	a.MOVWU(M(R5, 0), R7)
	a.VMOV(R6, V13.S(0))
	a.VMOV(R7, V13.S(1))
	a.VMOV(R6, V13.S(2))
	a.VMOV(R7, V13.S(3))
	a.FMUL4S(V13, V12, V12)
	a.SCVTF4S(V31, V14)
	a.FMUL4S(V14, V12, V12)
	a.FADD4S(V12, V30, V30)
	a.ADDto(Imm(210), R0)
	a.ADDto(Imm(210), R3)
	a.ADDto(Imm(292), R1)
	a.ADDto(Imm(292), R5)
	x2End(a, V30, R16)
}
