package main

import . "github.com/gollm/gollm/kernels/_asm_arm64/asm"

// unpack32 is how a 32-element weight block becomes two int8 vectors
// (elements 0-15 in lo, 16-31 in hi) with its f16 scale in R4, for the
// multi-row and multi-column kernels of Q8_0, Q4_0, IQ4_NL and Q5_0.
type unpack32 struct {
	typ    string
	consts func(a *Func)          // loads the constants, before the loop
	load   func(a *Func, src Reg) // loads and unpacks the block at src (post-incremented)
	small  bool                   // values of magnitude at most 32: level.dots2 applies
	lo, hi VReg
}

var unpackers = []unpack32{
	{"Q8_0", func(*Func) {}, func(a *Func, src Reg) {
		a.MOVHUP(2, src, R4)
		a.VLD1P(32, src, V0.B16(), V1.B16())
	}, false, V0, V1},
	{"Q4_0", func(a *Func) {
		a.VMOVI(15, V8.B16())
		a.VMOVI(8, V9.B16())
	}, func(a *Func, src Reg) {
		a.MOVHUP(2, src, R4)
		a.VLD1P(16, src, V0.B16())
		a.VAND(V8.B16(), V0.B16(), V1.B16())
		a.VUSHR(4, V0.B16(), V0.B16())
		a.VSUB(V9.B16(), V1.B16(), V1.B16())
		a.VSUB(V9.B16(), V0.B16(), V0.B16())
	}, true, V1, V0},
	{"IQ4_NL", func(a *Func) {
		a.VMOVI(15, V8.B16())
		a.Addr(iq4nlTable, R9)
		a.VLD1(R9, V10.B16())
	}, func(a *Func, src Reg) {
		a.MOVHUP(2, src, R4)
		a.VLD1P(16, src, V0.B16())
		a.VAND(V8.B16(), V0.B16(), V1.B16())
		a.VUSHR(4, V0.B16(), V0.B16())
		a.VTBL(V1.B16(), List{V10.B16()}, V1.B16())
		a.VTBL(V0.B16(), List{V10.B16()}, V0.B16())
	}, false, V1, V0},
	{"Q5_0", func(a *Func) { q5Consts(a, R9) }, func(a *Func, src Reg) {
		a.MOVDP(6, src, R4) // d and qh in one load
		a.VLD1P(16, src, V0.B16())
		q5Signed(a, R4)
	}, true, V1, V0},
}

// dot2 adds the dot products of the unpacked block with the activation
// quants y0 (elements 0-15) and y1 (16-31) to acc.
func (u unpack32) dot2(a *Func, lv level, acc, y0, y1 VReg) {
	if u.small {
		lv.dots2(a, acc, u.lo, y0, u.hi, y1)
		return
	}
	lv.dot(a, acc, u.lo, y0)
	lv.dot(a, acc, u.hi, y1)
}

// tree4 reduces the integer sums V26..V29 to V26 = [s26 s27 s28 s29] as
// float32.
func tree4(a *Func) {
	a.VADDP(V27.S4(), V26.S4(), V26.S4())
	a.VADDP(V29.S4(), V28.S4(), V28.S4())
	a.VADDP(V28.S4(), V26.S4(), V26.S4())
	a.SCVTF4S(V26, V26)
}
