package main

import . "github.com/gollm/gollm/kernels/_asm_arm64/asm"

// The row kernels (dot_arm64.s): func(x, y *byte, nb int) float32, the dot
// product of nb weight blocks at x with nb activation blocks at y, for every
// quantized type at the neon and dotprod levels.
func dotFile() *File {
	f := NewFile(`Row dot products: x points at nb weight blocks, y at nb activation
blocks (Q8_0 for the 32-element types, Q8_K for the K-quants and IQ4_XS).
Each kernel is emitted per level: NEON (SMULL/SMULL2/SADALP) and DP (SDOT).`)
	for _, lv := range levels {
		for _, k := range []struct {
			typ  string
			sum  VReg
			body func(*Func, level)
		}{
			{"Q8_0", V16, dotQ8_0}, {"Q4_0", V16, dotQ4_0}, {"IQ4_NL", V16, dotIQ4_NL},
			{"Q5_0", V16, dotQ5_0}, {"Q4_1", V16, dotQ4_1}, {"Q5_1", V16, dotQ5_1},
			{"Q2_K", V29, dotQ2_K}, {"Q3_K", V29, dotQ3_K}, {"Q4_K", V29, dotQ4_K},
			{"Q5_K", V29, dotQ5_K}, {"Q6_K", V29, dotQ6_K}, {"IQ4_XS", V29, dotIQ4_XS},
		} {
			a := f.Func("dot"+k.typ+lv.suffix, "func(x, y *byte, nb int) float32",
				"dot"+k.typ+lv.suffix+" is the "+lv.name()+" row kernel of "+k.typ+".")
			a.Load("x", R0)
			a.Load("y", R1)
			a.Load("nb", R2)
			a.Zero(k.sum)
			a.CBZ(R2, "done")
			k.body(a, lv)
			a.SUBS(Imm(1), R2)
			a.BNE("loop")
			a.Label("done")
			a.Store(k.sum.F(), "ret")
			a.RET()
		}
	}
	return f
}

// scale32 adds float32(sum of V4.S4) * f16(R4) * f16(R5) to F16, in the
// generic twin's order. Every kernel of the 32-element types scales a
// block's integer sum this way, so that a row and column gives the same
// bits whichever kernel computes it.
func scale32(a *Func) {
	a.VADDV(V4.S4(), V4)
	a.VMOV(V4.S(0), R6)
	a.SCVTFWS(R6, V4.F())
	a.FMOVS(R4, V5.F())
	a.FCVTHS(V5.F(), V5.F())
	a.FMOVS(R5, V6.F())
	a.FCVTHS(V6.F(), V6.F())
	a.FMULS(V5.F(), V4.F(), V4.F())
	a.FMULS(V6.F(), V4.F(), V4.F())
	a.FADDS(V4.F(), V16.F(), V16.F())
}

func dotQ8_0(a *Func, lv level) {
	a.Label("loop")
	a.MOVHUP(2, R0, R4)
	a.MOVHUP(2, R1, R5)
	a.VLD1P(32, R0, V0.B16(), V1.B16())
	a.VLD1P(32, R1, V2.B16(), V3.B16())
	a.Zero(V4)
	lv.dot(a, V4, V0, V2)
	lv.dot(a, V4, V1, V3)
	scale32(a)
}

// q4Block loads a Q4_0/IQ4_NL block (scale in R4) and its activation
// block (scale in R5, quants in V2, V3) and splits the nibbles: low in V1,
// high in V0 (mask V8).
func q4Block(a *Func) {
	a.Label("loop")
	a.MOVHUP(2, R0, R4)
	a.MOVHUP(2, R1, R5)
	a.VLD1P(16, R0, V0.B16())
	a.VLD1P(32, R1, V2.B16(), V3.B16())
	a.VAND(V8.B16(), V0.B16(), V1.B16())
	a.VUSHR(4, V0.B16(), V0.B16())
}

func dotQ4_0(a *Func, lv level) {
	a.VMOVI(15, V8.B16())
	a.VMOVI(8, V9.B16())
	q4Block(a)
	a.VSUB(V9.B16(), V1.B16(), V1.B16())
	a.VSUB(V9.B16(), V0.B16(), V0.B16())
	a.Zero(V4)
	lv.dots2(a, V4, V1, V2, V0, V3)
	scale32(a)
}

func dotIQ4_NL(a *Func, lv level) {
	a.VMOVI(15, V8.B16())
	a.Addr(iq4nlTable, R7)
	a.VLD1(R7, V10.B16())
	q4Block(a)
	a.VTBL(V1.B16(), List{V10.B16()}, V1.B16())
	a.VTBL(V0.B16(), List{V10.B16()}, V0.B16())
	a.Zero(V4)
	lv.dot(a, V4, V1, V2)
	lv.dot(a, V4, V0, V3)
	scale32(a)
}

// q5Consts loads Q5_0's constants: nibble mask V8, 0xf0 in V12, the
// q5head rows in V13-V15 (tmp holds the table's address).
func q5Consts(a *Func, tmp Reg) {
	a.VMOVI(15, V8.B16())
	a.VMOVI(0xf0, V12.B16())
	a.Addr(q5HeadTable, tmp)
	a.VLD1(tmp, V13.B16(), V14.B16(), V15.B16())
}

// q5Signed unpacks a Q5_0 block, the 16 quant bytes in V0 and its first
// eight bytes in head (d, the 32 fifth bits qh, two quant bytes), to the
// int8 values (nibble | bit<<4) - 16: elements 0-15 in V1, 16-31 in V0.
// VTBL (the byte of qh per element) and VCMTST
// (its bit) give 0xff where the bit is set; 0xf0 AND NOT that is -16 where
// it is clear and 0 where set, which or'ed onto the nibble is the value
// (constants of q5Consts).
func q5Signed(a *Func, head Reg) {
	a.VDUP(head, V5.D2())
	a.VTBL(V13.B16(), List{V5.B16()}, V6.B16())
	a.VTBL(V14.B16(), List{V5.B16()}, V7.B16())
	a.VCMTST(V15.B16(), V6.B16(), V6.B16())
	a.VCMTST(V15.B16(), V7.B16(), V7.B16())
	a.BIC16B(V6, V12, V6)
	a.BIC16B(V7, V12, V7)
	a.VAND(V8.B16(), V0.B16(), V1.B16())
	a.VUSHR(4, V0.B16(), V0.B16())
	a.VORR(V6.B16(), V1.B16(), V1.B16())
	a.VORR(V7.B16(), V0.B16(), V0.B16())
}

// q5Bits spreads the 32 fifth bits in qh to bytes of value 16 (V6:
// elements 0-15, V7: 16-31) with VTBL (the byte of qh per element) and
// VCMTST (its bit), splits the 16 quant bytes of V0 into nibbles and ors
// the bits in: elements 0-15 in V1, 16-31 in V0 (constants: nibble mask
// V8, 16 in V12, the q5tbl rows in V13-V15).
func q5Bits(a *Func, qh Reg) {
	a.VDUP(qh, V5.S4())
	a.VTBL(V13.B16(), List{V5.B16()}, V6.B16())
	a.VTBL(V14.B16(), List{V5.B16()}, V7.B16())
	a.VCMTST(V15.B16(), V6.B16(), V6.B16())
	a.VCMTST(V15.B16(), V7.B16(), V7.B16())
	a.VAND(V12.B16(), V6.B16(), V6.B16())
	a.VAND(V12.B16(), V7.B16(), V7.B16())
	a.VAND(V8.B16(), V0.B16(), V1.B16())
	a.VUSHR(4, V0.B16(), V0.B16())
	a.VORR(V6.B16(), V1.B16(), V1.B16())
	a.VORR(V7.B16(), V0.B16(), V0.B16())
}

// Q5_0: value = (nibble | bit<<4) - 16.
func dotQ5_0(a *Func, lv level) {
	q5Consts(a, R7)
	a.Label("loop")
	a.MOVDP(6, R0, R4) // d and qh in one load
	a.MOVHUP(2, R1, R5)
	a.VLD1P(16, R0, V0.B16())
	a.VLD1P(32, R1, V2.B16(), V3.B16())
	q5Signed(a, R4)
	a.Zero(V4)
	lv.dots2(a, V4, V1, V2, V0, V3)
	scale32(a)
}

// scaleMin32 adds float32(isum)*d*dy + m*dy*float32(ysum) to F16: isum in
// V4, ysum in V5, d, m, dy as f16 in R4, R8, R5.
func scaleMin32(a *Func) {
	a.VADDV(V4.S4(), V4)
	a.VMOV(V4.S(0), R6)
	a.SCVTFWS(R6, V4.F())
	a.VADDV(V5.S4(), V5)
	a.VMOV(V5.S(0), R6)
	a.SCVTFWS(R6, V7.F())
	a.FMOVS(R4, V5.F())
	a.FCVTHS(V5.F(), V5.F())
	a.FMOVS(R5, V6.F())
	a.FCVTHS(V6.F(), V6.F())
	a.FMOVS(R8, V3.F())
	a.FCVTHS(V3.F(), V3.F())
	a.FMULS(V5.F(), V4.F(), V4.F())
	a.FMULS(V6.F(), V4.F(), V4.F())
	a.FMULS(V6.F(), V3.F(), V3.F())
	a.FMULS(V7.F(), V3.F(), V3.F())
	a.FADDS(V3.F(), V4.F(), V4.F())
	a.FADDS(V4.F(), V16.F(), V16.F())
}

// Q4_1: the activation block's sum comes from dots with a vector of ones
// (V11).
func dotQ4_1(a *Func, lv level) {
	a.VMOVI(15, V8.B16())
	a.VMOVI(1, V11.B16())
	a.Label("loop")
	a.MOVHUP(2, R0, R4)
	a.MOVHUP(2, R0, R8)
	a.MOVHUP(2, R1, R5)
	a.VLD1P(16, R0, V0.B16())
	a.VLD1P(32, R1, V2.B16(), V3.B16())
	a.VAND(V8.B16(), V0.B16(), V1.B16())
	a.VUSHR(4, V0.B16(), V0.B16())
	a.Zero(V4)
	a.Zero(V5)
	lv.dots2(a, V4, V1, V2, V0, V3)
	lv.dots2(a, V5, V11, V2, V11, V3)
	scaleMin32(a)
}

func dotQ5_1(a *Func, lv level) {
	a.VMOVI(15, V8.B16())
	a.VMOVI(1, V11.B16())
	a.VMOVI(16, V12.B16())
	a.Addr(q5Table, R7)
	a.VLD1(R7, V13.B16(), V14.B16(), V15.B16())
	a.Label("loop")
	a.MOVHUP(2, R0, R4)
	a.MOVHUP(2, R0, R8)
	a.MOVWUP(4, R0, R6)
	a.MOVHUP(2, R1, R5)
	a.VLD1P(16, R0, V0.B16())
	a.VLD1P(32, R1, V2.B16(), V3.B16())
	q5Bits(a, R6)
	a.Zero(V4)
	a.Zero(V5)
	lv.dots2(a, V4, V1, V2, V0, V3)
	lv.dots2(a, V5, V11, V2, V11, V3)
	scaleMin32(a)
}

// reduce8 turns the 8 accumulators V16..V23 (4 lanes each) into
// V16 = [s0 s1 s2 s3] and V20 = [s4 s5 s6 s7].
func reduce8(a *Func) {
	a.VADDP(V17.S4(), V16.S4(), V16.S4())
	a.VADDP(V19.S4(), V18.S4(), V18.S4())
	a.VADDP(V18.S4(), V16.S4(), V16.S4())
	a.VADDP(V21.S4(), V20.S4(), V20.S4())
	a.VADDP(V23.S4(), V22.S4(), V22.S4())
	a.VADDP(V22.S4(), V20.S4(), V20.S4())
}

// k4scales decodes the Q4_K/Q5_K 6-bit scales and mins of the block at R0
// (ggml's utmp shuffle in general registers) into the row kernels' registers:
// d, dmin in R4, R5; scales 0-3 in R6, 4-7 in R11; mins 0-3 in R10, 4-7
// in R9. (R11 is both scratch and a result: the shuffle reads it first.)
func k4scales(a *Func) {
	a.MOVHU(M(R0, 0), R4)
	a.MOVHU(M(R0, 2), R5)
	a.MOVWU(M(R0, 4), R6)
	a.MOVWU(M(R0, 8), R7)
	a.MOVWU(M(R0, 12), R8)
	a.LSRW(4, R8, R9)
	a.ANDW(Hex(0x0f0f0f0f), R9, R9)
	a.LSRW(6, R7, R10)
	a.ANDW(Hex(0x03030303), R10, R10)
	a.ORRW(R10.Lsl(4), R9, R9)
	a.ANDW(Hex(0x3f3f3f3f), R7, R10)
	a.ANDW(Hex(0x0f0f0f0f), R8, R11)
	a.LSRW(6, R6, R12)
	a.ANDW(Hex(0x03030303), R12, R12)
	a.ORRW(R12.Lsl(4), R11, R11)
	a.ANDW(Hex(0x3f3f3f3f), R6, R6)
}

// k4tail finishes a Q4_K/Q5_K block: sub-block sums in V16 (0-3) and V20
// (4-7), bsums at R13, yd in F25; adds d*yd*isum - dmin*yd*msum to F29 and
// moves R0 (by bb) and R1 to the next blocks.
func k4tail(a *Func, bb int) {
	a.VMOV(R6, V26.S(0))
	a.VUXTL(V26.B8(), V26.H8())
	a.VUXTL(V26.H4(), V26.S4())
	a.VMOV(R11, V27.S(0))
	a.VUXTL(V27.B8(), V27.H8())
	a.VUXTL(V27.H4(), V27.S4())
	a.MUL4S(V26, V16, V24)
	a.MLA4S(V27, V20, V24)
	a.VADDV(V24.S4(), V24)
	a.VLD1(R13, V0.H8(), V1.H8())
	a.VADDP(V1.H8(), V0.H8(), V0.H8())
	a.VMOV(R10, V28.S(0))
	a.VMOV(R9, V28.S(1))
	a.VUXTL(V28.B8(), V28.H8())
	a.SMULL4S(V28, V0, V2)
	a.SMLAL24S(V28, V0, V2)
	a.VADDV(V2.S4(), V2)
	a.VMOV(V24.S(0), R14)
	a.SCVTFWS(R14, V24.F())
	a.VMOV(V2.S(0), R15)
	a.SCVTFWS(R15, V2.F())
	a.FMOVS(R4, V5.F())
	a.FCVTHS(V5.F(), V5.F())
	a.FMOVS(R5, V6.F())
	a.FCVTHS(V6.F(), V6.F())
	a.FMULS(V25.F(), V5.F(), V5.F())
	a.FMULS(V24.F(), V5.F(), V5.F())
	a.FMULS(V25.F(), V6.F(), V6.F())
	a.FMULS(V2.F(), V6.F(), V6.F())
	a.FSUBS(V6.F(), V5.F(), V5.F())
	a.FADDS(V5.F(), V29.F(), V29.F())
	a.ADDto(Imm(bb), R0)
	a.ADDto(Imm(292), R1)
}

// kStart points R3 at the block's quants (off bytes in), loads the Q8_K
// scale into F25 and points R13 at its quants.
func kStart(a *Func, base Reg, off int) {
	a.ADD(Imm(off), base, R3)
	a.FMOVS(M(R1, 0), V25.F())
	a.ADD(Imm(4), R1, R13)
}

// Q4_K: 8 sub-blocks of 32 with 6-bit scales and mins; isum = sum sc*dot,
// msum = sum m*bsums.
func dotQ4_K(a *Func, lv level) {
	a.VMOVI(15, V8.B16())
	a.Label("loop")
	k4scales(a)
	kStart(a, R0, 16)
	for j := range 4 {
		lo, hi := V(16+2*j), V(17+2*j)
		a.VLD1P(32, R3, V0.B16(), V1.B16())
		a.VLD1P(64, R13, V2.B16(), V3.B16(), V4.B16(), V5.B16())
		a.VAND(V8.B16(), V0.B16(), V6.B16())
		a.VAND(V8.B16(), V1.B16(), V7.B16())
		a.VUSHR(4, V0.B16(), V0.B16())
		a.VUSHR(4, V1.B16(), V1.B16())
		a.Zero(lo)
		a.Zero(hi)
		lv.dots2(a, lo, V6, V2, V7, V3)
		lv.dots2(a, hi, V0, V4, V1, V5)
	}
	reduce8(a)
	k4tail(a, 144)
}

// q5Bit moves bit number bit of the qh bytes src to bit 4 of tmp (masked
// by 16 in mask) and ors it into dst.
func q5Bit(a *Func, bit int, src, tmp, mask, dst VReg) {
	switch {
	case bit < 4:
		a.VSHL(Imm(4-bit), src.B16(), tmp.B16())
	case bit == 4:
		a.VORR(src.B16(), src.B16(), tmp.B16())
	default:
		a.VUSHR(Imm(bit-4), src.B16(), tmp.B16())
	}
	a.VAND(mask.B16(), tmp.B16(), tmp.B16())
	a.VORR(tmp.B16(), dst.B16(), dst.B16())
}

// Q5_K is Q4_K with a fifth bit from qh: bit 2j of qh[l] for the low
// nibbles of group j, bit 2j+1 for the high ones.
func dotQ5_K(a *Func, lv level) {
	a.VMOVI(15, V8.B16())
	a.VMOVI(16, V9.B16())
	a.Label("loop")
	k4scales(a)
	a.ADD(Imm(16), R0, R3)
	a.VLD1P(32, R3, V10.B16(), V11.B16())
	a.FMOVS(M(R1, 0), V25.F())
	a.ADD(Imm(4), R1, R13)
	for j := range 4 {
		lo, hi := V(16+2*j), V(17+2*j)
		a.VLD1P(32, R3, V0.B16(), V1.B16())
		a.VLD1P(64, R13, V2.B16(), V3.B16(), V4.B16(), V5.B16())
		a.VAND(V8.B16(), V0.B16(), V6.B16())
		a.VAND(V8.B16(), V1.B16(), V7.B16())
		a.VUSHR(4, V0.B16(), V0.B16())
		a.VUSHR(4, V1.B16(), V1.B16())
		for i, dst := range []VReg{V6, V7, V0, V1} {
			q5Bit(a, 2*j+i/2, V(10+i%2), V12, V9, dst)
		}
		a.Zero(lo)
		a.Zero(hi)
		lv.dots2(a, lo, V6, V2, V7, V3)
		lv.dots2(a, hi, V0, V4, V1, V5)
	}
	reduce8(a)
	k4tail(a, 176)
}

// q6Quarter builds the 16 values of part pt of quarter k of a Q6_K half
// into dst: nibbles of ql (low for k<2, high for k>=2, from bytes 0-31 for
// even k, 32-63 for odd k, held in ql[0..3]) or'ed with bits 2k, 2k+1 of
// qh (in qh[pt]) moved to bits 4-5 (mask48 = 48), via tmp. Values stay
// unsigned (0-63).
func q6Quarter(a *Func, k, pt int, ql [4]VReg, qh [2]VReg, mask15, mask48, tmp, dst VReg) {
	src := ql[pt+2*(k%2)]
	if k < 2 {
		a.VAND(mask15.B16(), src.B16(), dst.B16())
	} else {
		a.VUSHR(4, src.B16(), dst.B16())
	}
	h := qh[pt]
	switch k {
	case 0:
		a.VSHL(4, h.B16(), tmp.B16())
		a.VAND(mask48.B16(), tmp.B16(), tmp.B16())
	case 1:
		a.VSHL(2, h.B16(), tmp.B16())
		a.VAND(mask48.B16(), tmp.B16(), tmp.B16())
	case 2:
		a.VAND(mask48.B16(), h.B16(), tmp.B16())
	case 3:
		a.VUSHR(2, h.B16(), tmp.B16())
		a.VAND(mask48.B16(), tmp.B16(), tmp.B16())
	}
}

// Q6_K: two halves of 128; each 16-element vector has its own int8 scale.
func dotQ6_K(a *Func, lv level) {
	a.VMOVI(15, V8.B16())
	a.VMOVI(48, V9.B16())
	a.VMOVI(32, V10.B16())
	a.Label("loop")
	a.MOVD(R0, R7)
	a.ADD(Imm(128), R7, R3)
	a.FMOVS(M(R1, 0), V25.F())
	a.ADD(Imm(4), R1, R13)
	for h := range 2 {
		a.VLD1P(64, R0, V0.B16(), V1.B16(), V2.B16(), V3.B16())
		a.VLD1P(32, R3, V4.B16(), V5.B16())
		for k := range 4 {
			if k%2 == 0 {
				a.VLD1P(64, R13, V12.B16(), V13.B16(), V14.B16(), V15.B16())
			}
			for pt := range 2 {
				q6Quarter(a, k, pt, [4]VReg{V0, V1, V2, V3}, [2]VReg{V4, V5}, V8, V9, V7, V6)
				acc := V(16 + 2*k + pt)
				a.VORR(V7.B16(), V6.B16(), V6.B16())
				a.VSUB(V10.B16(), V6.B16(), V6.B16())
				a.Zero(acc)
				lv.dots(a, acc, V6, V(12+2*(k%2)+pt))
			}
		}
		reduce8(a)
		a.MOVD(M(R7, 192+8*h), R6)
		a.VMOV(R6, V26.D(0))
		a.SXTL8H(V26, V26)
		a.SXTL24S(V26, V27)
		a.SXTL4S(V26, V26)
		if h == 0 {
			a.MUL4S(V26, V16, V24)
		} else {
			a.MLA4S(V26, V16, V24)
		}
		a.MLA4S(V27, V20, V24)
	}
	a.VADDV(V24.S4(), V24)
	a.VMOV(V24.S(0), R14)
	a.SCVTFWS(R14, V24.F())
	a.MOVHU(M(R7, 208), R4)
	a.FMOVS(R4, V5.F())
	a.FCVTHS(V5.F(), V5.F())
	a.FMULS(V25.F(), V5.F(), V5.F())
	a.FMULS(V24.F(), V5.F(), V5.F())
	a.FADDS(V5.F(), V29.F(), V29.F())
	a.ADD(Imm(210), R7, R0)
	a.ADDto(Imm(292), R1)
}

// IQ4_XS: 8 sub-blocks of 32 with the IQ4_NL codebook and 6-bit scales
// (low 4 bits from scales_l, high 2 from scales_h) minus 32.
func dotIQ4_XS(a *Func, lv level) {
	a.VMOVI(15, V8.B16())
	a.Addr(iq4nlTable, R7)
	a.VLD1(R7, V10.B16())
	a.Label("loop")
	a.MOVHU(M(R0, 0), R4)
	a.MOVHU(M(R0, 2), R5)
	a.MOVWU(M(R0, 4), R6)
	for ib := range 8 {
		a.UBFXW(Imm(4*ib), R6, 4, R7)
		a.UBFXW(Imm(2*ib), R5, 2, R9)
		a.ORRW(R9.Lsl(4), R7, R7)
		a.SUBW(Imm(32), R7, R7)
		a.VMOV(R7, V(26+ib/4).S(ib%4))
	}
	kStart(a, R0, 8)
	for ib := range 8 {
		acc := V(16 + ib)
		a.VLD1P(16, R3, V0.B16())
		a.VLD1P(32, R13, V2.B16(), V3.B16())
		a.VAND(V8.B16(), V0.B16(), V1.B16())
		a.VUSHR(4, V0.B16(), V0.B16())
		a.VTBL(V1.B16(), List{V10.B16()}, V1.B16())
		a.VTBL(V0.B16(), List{V10.B16()}, V0.B16())
		a.Zero(acc)
		lv.dot(a, acc, V1, V2)
		lv.dot(a, acc, V0, V3)
	}
	reduce8(a)
	a.MUL4S(V26, V16, V24)
	a.MLA4S(V27, V20, V24)
	kfloat(a, R4, 136)
}

// kfloat adds f16(d)*yd*float32(isum) to F29 (isum in the lanes of V24,
// yd in F25) and advances R0 (by bb) and R1 to the next blocks.
func kfloat(a *Func, d Reg, bb int) {
	a.VADDV(V24.S4(), V24)
	a.VMOV(V24.S(0), R14)
	a.SCVTFWS(R14, V24.F())
	a.FMOVS(d, V5.F())
	a.FCVTHS(V5.F(), V5.F())
	a.FMULS(V25.F(), V5.F(), V5.F())
	a.FMULS(V24.F(), V5.F(), V5.F())
	a.FADDS(V5.F(), V29.F(), V29.F())
	a.ADDto(Imm(bb), R0)
	a.ADDto(Imm(292), R1)
}

// twoBit emits the 16 sub-block dots of one 128-element half of Q2_K/Q3_K:
// 2-bit quants s of the qs bytes V0, V1 (shift 2s, mask V9), passed through
// adj, against the activation at R13, into V16..V23, reduced.
func twoBit(a *Func, lv level, adj func(s, pt int)) {
	a.VLD1P(32, R3, V0.B16(), V1.B16())
	for sh := range 4 {
		if sh%2 == 0 {
			a.VLD1P(64, R13, V2.B16(), V3.B16(), V4.B16(), V5.B16())
		}
		for pt := range 2 {
			if sh == 0 {
				a.VAND(V9.B16(), V(pt).B16(), V6.B16())
			} else {
				a.VUSHR(Imm(2*sh), V(pt).B16(), V6.B16())
				a.VAND(V9.B16(), V6.B16(), V6.B16())
			}
			acc := V(16 + 2*sh + pt)
			adj(sh, pt)
			a.Zero(acc)
			lv.dots(a, acc, V6, V(2+2*(sh%2)+pt))
		}
	}
	reduce8(a)
}

// Q2_K: 16 sub-blocks of 16, 4-bit scales and mins; the min term uses the
// activation's bsums.
func dotQ2_K(a *Func, lv level) {
	a.VMOVI(15, V8.B16())
	a.VMOVI(3, V9.B16())
	a.Label("loop")
	a.MOVD(R0, R7)
	a.VLD1(R7, V26.B16())
	a.VAND(V8.B16(), V26.B16(), V27.B16())
	a.VUSHR(4, V26.B16(), V26.B16())
	a.VUXTL(V27.B8(), V28.H8())
	a.VUXTL2(V27.B16(), V27.H8())
	a.VUXTL(V28.H4(), V10.S4())
	a.VUXTL2(V28.H8(), V11.S4())
	a.VUXTL(V27.H4(), V12.S4())
	a.VUXTL2(V27.H8(), V13.S4())
	kStart(a, R7, 16)
	none := func(int, int) {}
	twoBit(a, lv, none)
	a.MUL4S(V10, V16, V24)
	a.MLA4S(V11, V20, V24)
	twoBit(a, lv, none)
	a.MLA4S(V12, V16, V24)
	a.MLA4S(V13, V20, V24)
	a.VLD1(R13, V0.H8(), V1.H8())
	a.VUXTL(V26.B8(), V2.H8())
	a.VUXTL2(V26.B16(), V3.H8())
	a.SMULL4S(V2, V0, V4)
	a.SMLAL24S(V2, V0, V4)
	a.SMLAL4S(V3, V1, V4)
	a.SMLAL24S(V3, V1, V4)
	a.VADDV(V4.S4(), V4)
	a.VMOV(V4.S(0), R15)
	a.SCVTFWS(R15, V2.F())
	a.VADDV(V24.S4(), V24)
	a.VMOV(V24.S(0), R14)
	a.SCVTFWS(R14, V24.F())
	a.MOVHU(M(R7, 80), R4)
	a.MOVHU(M(R7, 82), R5)
	a.FMOVS(R4, V5.F())
	a.FCVTHS(V5.F(), V5.F())
	a.FMOVS(R5, V6.F())
	a.FCVTHS(V6.F(), V6.F())
	a.FMULS(V25.F(), V5.F(), V5.F())
	a.FMULS(V24.F(), V5.F(), V5.F())
	a.FMULS(V25.F(), V6.F(), V6.F())
	a.FMULS(V2.F(), V6.F(), V6.F())
	a.FSUBS(V6.F(), V5.F(), V5.F())
	a.FADDS(V5.F(), V29.F(), V29.F())
	a.ADD(Imm(84), R7, R0)
	a.ADDto(Imm(292), R1)
}

// Q3_K: 2-bit quants minus 4 where the hmask bit is clear, 16 6-bit scales
// minus 32 (ggml's aux shuffle in general registers).
func dotQ3_K(a *Func, lv level) {
	a.VMOVI(4, V8.B16())
	a.VMOVI(3, V9.B16())
	a.Label("loop")
	a.MOVD(R0, R7)
	a.VLD1(R7, V10.B16(), V11.B16())
	a.MOVWU(M(R7, 96), R4)
	a.MOVWU(M(R7, 100), R5)
	a.MOVWU(M(R7, 104), R6)
	a.ANDW(Hex(0x0f0f0f0f), R4, R8)
	a.ANDW(Hex(0x03030303), R6, R9)
	a.ORRW(R9.Lsl(4), R8, R8)
	a.ANDW(Hex(0x0f0f0f0f), R5, R9)
	a.LSRW(2, R6, R10)
	a.ANDW(Hex(0x03030303), R10, R10)
	a.ORRW(R10.Lsl(4), R9, R9)
	a.LSRW(4, R4, R10)
	a.ANDW(Hex(0x0f0f0f0f), R10, R10)
	a.LSRW(4, R6, R11)
	a.ANDW(Hex(0x03030303), R11, R11)
	a.ORRW(R11.Lsl(4), R10, R10)
	a.LSRW(4, R5, R11)
	a.ANDW(Hex(0x0f0f0f0f), R11, R11)
	a.LSRW(6, R6, R12)
	a.ANDW(Hex(0x03030303), R12, R12)
	a.ORRW(R12.Lsl(4), R11, R11)
	a.VMOV(R8, V26.S(0))
	a.VMOV(R9, V26.S(1))
	a.VMOV(R10, V26.S(2))
	a.VMOV(R11, V26.S(3))
	a.VMOVI(32, V27.B16())
	a.VSUB(V27.B16(), V26.B16(), V26.B16())
	a.SXTL8H(V26, V27)
	a.SXTL28H(V26, V28)
	a.SXTL4S(V27, V12)
	a.SXTL24S(V27, V13)
	a.SXTL4S(V28, V14)
	a.SXTL24S(V28, V15)
	kStart(a, R7, 32)
	for h := range 2 {
		twoBit(a, lv, func(sh, pt int) {
			if pt == 0 {
				a.VMOVI(Imm(1<<(4*h+sh)), V28.B16())
			}
			a.VCMTST(V28.B16(), V(10+pt).B16(), V27.B16())
			a.VAND(V8.B16(), V27.B16(), V27.B16())
			a.VORR(V27.B16(), V6.B16(), V6.B16())
			a.VSUB(V8.B16(), V6.B16(), V6.B16())
		})
		if h == 0 {
			a.MUL4S(V12, V16, V24)
			a.MLA4S(V13, V20, V24)
		} else {
			a.MLA4S(V14, V16, V24)
			a.MLA4S(V15, V20, V24)
		}
	}
	a.MOVHU(M(R7, 108), R4)
	a.MOVD(R7, R0)
	kfloat(a, R4, 110)
}

// k4dec decodes the Q4_K/Q5_K 6-bit scales and mins of the block at base
// (ggml's utmp shuffle in general registers) into d, dmin (f16), scales
// 0-3 and 4-7, mins 0-3 and 4-7 (one per byte); R11-R13 scratch.
func k4dec(a *Func, base, d, dmin, sc03, sc47, m03, m47 Reg) {
	a.MOVHU(M(base, 0), d)
	a.MOVHU(M(base, 2), dmin)
	a.MOVWU(M(base, 4), sc03)
	a.MOVWU(M(base, 8), R11)
	a.MOVWU(M(base, 12), R12)
	a.LSRW(4, R12, m47)
	a.ANDW(Hex(0x0f0f0f0f), m47, m47)
	a.LSRW(6, R11, R13)
	a.ANDW(Hex(0x03030303), R13, R13)
	a.ORRW(R13.Lsl(4), m47, m47)
	a.ANDW(Hex(0x3f3f3f3f), R11, m03)
	a.ANDW(Hex(0x0f0f0f0f), R12, sc47)
	a.LSRW(6, sc03, R13)
	a.ANDW(Hex(0x03030303), R13, R13)
	a.ORRW(R13.Lsl(4), sc47, sc47)
	a.ANDW(Hex(0x3f3f3f3f), sc03, sc03)
}
