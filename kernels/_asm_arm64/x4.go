package main

// x4 kernels, func name(x, y *byte, ystride, nb int, out *[4]float32): one
// weight row times four columns (activations at y + c*ystride), each weight
// block unpacked once for the four. Emitted per level like the row kernels.

// unpack32 is how a 32-element weight block at R0 becomes int8 vectors
// V(a) (elements 0-15) and V(b) (16-31), its f16 scale in R4.
type unpack32 struct {
	name, consts, code, dot string
	a, b                    int
}

var x4types = []unpack32{
	{"Q8_0", "", `	MOVHU.P 2(R0), R4
	VLD1.P 32(R0), [V0.B16, V1.B16]
`, "DOT", 0, 1},
	{"Q4_0", "	VMOVI $15, V8.B16\n	VMOVI $8, V9.B16\n", `	MOVHU.P 2(R0), R4
	VLD1.P 16(R0), [V0.B16]
	VAND V8.B16, V0.B16, V1.B16
	VUSHR $4, V0.B16, V0.B16
	VSUB V9.B16, V1.B16, V1.B16
	VSUB V9.B16, V0.B16, V0.B16
`, "DOTS", 1, 0},
	{"IQ4_NL", "	VMOVI $15, V8.B16\n	MOVD $iq4nl<>(SB), R9\n	VLD1 (R9), [V10.B16]\n", `	MOVHU.P 2(R0), R4
	VLD1.P 16(R0), [V0.B16]
	VAND V8.B16, V0.B16, V1.B16
	VUSHR $4, V0.B16, V0.B16
	VTBL V1.B16, [V10.B16], V1.B16
	VTBL V0.B16, [V10.B16], V0.B16
`, "DOT", 1, 0},
	{"Q5_0", "	VMOVI $15, V8.B16\n	VMOVI $16, V12.B16\n	MOVD $q5tbl<>(SB), R9\n	VLD1 (R9), [V13.B16, V14.B16, V15.B16]\n", `	MOVHU.P 2(R0), R4
	MOVWU.P 4(R0), R9
	VLD1.P 16(R0), [V0.B16]
	VDUP R9, V5.S4
	VTBL V13.B16, [V5.B16], V6.B16
	VTBL V14.B16, [V5.B16], V7.B16
	VCMTST V15.B16, V6.B16, V6.B16
	VCMTST V15.B16, V7.B16, V7.B16
	VAND V12.B16, V6.B16, V6.B16
	VAND V12.B16, V7.B16, V7.B16
	VAND V8.B16, V0.B16, V1.B16
	VUSHR $4, V0.B16, V0.B16
	VORR V6.B16, V1.B16, V1.B16
	VORR V7.B16, V0.B16, V0.B16
	VSUB V12.B16, V1.B16, V1.B16
	VSUB V12.B16, V0.B16, V0.B16
`, "DOTS", 1, 0},
}

// tree4 reduces the integer sums V26..V29 to V26 = [s26 s27 s28 s29].
const tree4 = `	VADDP V27.S4, V26.S4, V26.S4
	VADDP V29.S4, V28.S4, V28.S4
	VADDP V28.S4, V26.S4, V26.S4
	SCVTF4S(26, 26)
`

// x4Kernels: per block the four columns' integer sums (V26..V29) are
// reduced together and scaled as SCALE32 does, lane c of V16 summing
// column c.
func x4Kernels() []string {
	var ks []string
	for _, u := range x4types {
		s := p(`
// func dot%[1]sx4{{L}}(x, y *byte, ystride, nb int, out *[4]float32)
TEXT ·dot%[1]sx4{{L}}(SB), NOSPLIT, $0-40
	MOVD x+0(FP), R0
	MOVD y+8(FP), R1
	MOVD ystride+16(FP), R10
	ADD R1, R10, R5
	ADD R5, R10, R6
	ADD R6, R10, R7
	MOVD nb+24(FP), R2
	VEOR V16.B16, V16.B16, V16.B16
%[2]s	CBZ R2, done
loop:
%[3]s	FMOVS R4, F23
	FCVTHS F23, F23
	VDUP V23.S[0], V23.S4
`, u.name, u.consts, u.code)
		for c, r := range []string{"R1", "R5", "R6", "R7"} {
			dot := p("	DOT(%[1]d, %[2]d, 20)\n	DOT(%[1]d, %[3]d, 21)\n", 26+c, u.a, u.b)
			if u.dot == "DOTS" {
				dot = p("	DOTS2(%d, %d, 20, %d, 21)\n", 26+c, u.a, u.b)
			}
			s += p(`	MOVHU.P 2(%[1]s), R8
	VMOV R8, V24.H[%[3]d]
	VLD1.P 32(%[1]s), [V20.B16, V21.B16]
	VEOR V%[4]d.B16, V%[4]d.B16, V%[4]d.B16
%[2]s`, r, dot, c, 26+c)
		}
		s += tree4 + `	FCVTL4S(25, 24)
	FMUL4S(26, 26, 23)
	FMUL4S(26, 26, 25)
	FADD4S(16, 16, 26)
	SUBS $1, R2
	BNE loop
done:
	MOVD out+32(FP), R9
	VST1 [V16.S4], (R9)
	RET
`
		ks = append(ks, s)
	}
	return append(ks, q4Kx4(), q5Kx4(), q6Kx4())
}
