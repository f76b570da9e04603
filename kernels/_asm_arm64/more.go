package main

// moreKernels returns the row kernels of the less common types.
func moreKernels() []string {
	return []string{q4_1, q5_1, q5K(), iq4xs(), q2K(), q3K()}
}

// SCALEMIN32 (in the kernels below): F16 += float32(isum)*d*dy +
// m*dy*float32(ysum), isum in V4, ysum in V5, d, m, dy as f16 in R4, R8, R5.
const scaleMin32 = `	VADDV V4.S4, V4
	VMOV V4.S[0], R6
	SCVTFWS R6, F4
	VADDV V5.S4, V5
	VMOV V5.S[0], R6
	SCVTFWS R6, F7
	FMOVS R4, F5
	FCVTHS F5, F5
	FMOVS R5, F6
	FCVTHS F6, F6
	FMOVS R8, F3
	FCVTHS F3, F3
	FMULS F5, F4, F4
	FMULS F6, F4, F4
	FMULS F6, F3, F3
	FMULS F7, F3, F3
	FADDS F3, F4, F4
	FADDS F4, F16, F16
`

var q4_1 = prologue("dotQ4_1", "16") + `	VMOVI $15, V8.B16
	VMOVI $1, V11.B16
loop:
	MOVHU.P 2(R0), R4
	MOVHU.P 2(R0), R8
	MOVHU.P 2(R1), R5
	VLD1.P 16(R0), [V0.B16]
	VLD1.P 32(R1), [V2.B16, V3.B16]
	VAND V8.B16, V0.B16, V1.B16
	VUSHR $4, V0.B16, V0.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	DOTS2(4, 1, 2, 0, 3)
	DOTS2(5, 11, 2, 11, 3)
` + scaleMin32 + epilogue("16")

var q5_1 = prologue("dotQ5_1", "16") + `	VMOVI $15, V8.B16
	VMOVI $1, V11.B16
	VMOVI $16, V12.B16
	MOVD $q5tbl<>(SB), R7
	VLD1 (R7), [V13.B16, V14.B16, V15.B16]
loop:
	MOVHU.P 2(R0), R4
	MOVHU.P 2(R0), R8
	MOVWU.P 4(R0), R6
	MOVHU.P 2(R1), R5
	VLD1.P 16(R0), [V0.B16]
	VLD1.P 32(R1), [V2.B16, V3.B16]
	VDUP R6, V5.S4
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
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	DOTS2(4, 1, 2, 0, 3)
	DOTS2(5, 11, 2, 11, 3)
` + scaleMin32 + epilogue("16")

// k4scales decodes the Q4_K/Q5_K 6-bit scales and mins of the block at R0
// (ggml's utmp shuffle): scales 0-3 in R6, 4-7 in R11, mins 0-3 in R10,
// 4-7 in R9 (one per byte); d, dmin in R4, R5.
const k4scales = `	MOVHU 0(R0), R4
	MOVHU 2(R0), R5
	MOVWU 4(R0), R6
	MOVWU 8(R0), R7
	MOVWU 12(R0), R8
	LSRW $4, R8, R9
	ANDW $0x0f0f0f0f, R9, R9
	LSRW $6, R7, R10
	ANDW $0x03030303, R10, R10
	ORRW R10<<4, R9, R9
	ANDW $0x3f3f3f3f, R7, R10
	ANDW $0x0f0f0f0f, R8, R11
	LSRW $6, R6, R12
	ANDW $0x03030303, R12, R12
	ORRW R12<<4, R11, R11
	ANDW $0x3f3f3f3f, R6, R6
`

// k4tail finishes a Q4_K/Q5_K block: sub-block sums in V16 (0-3) and V20
// (4-7), bsums at R13, yd in F25; adds d*yd*isum - dmin*yd*msum to F29.
func k4tail(bb int) string {
	return p(`	VMOV R6, V26.S[0]
	VUXTL V26.B8, V26.H8
	VUXTL V26.H4, V26.S4
	VMOV R11, V27.S[0]
	VUXTL V27.B8, V27.H8
	VUXTL V27.H4, V27.S4
	MUL4S(24, 16, 26)
	MLA4S(24, 20, 27)
	VADDV V24.S4, V24
	VLD1 (R13), [V0.H8, V1.H8]
	VADDP V1.H8, V0.H8, V0.H8
	VMOV R10, V28.S[0]
	VMOV R9, V28.S[1]
	VUXTL V28.B8, V28.H8
	SMULL4S(2, 0, 28)
	SMLAL24S(2, 0, 28)
	VADDV V2.S4, V2
	VMOV V24.S[0], R14
	SCVTFWS R14, F24
	VMOV V2.S[0], R15
	SCVTFWS R15, F2
	FMOVS R4, F5
	FCVTHS F5, F5
	FMOVS R5, F6
	FCVTHS F6, F6
	FMULS F25, F5, F5
	FMULS F24, F5, F5
	FMULS F25, F6, F6
	FMULS F2, F6, F6
	FSUBS F6, F5, F5
	FADDS F5, F29, F29
	ADD $%d, R0
	ADD $292, R1
`, bb)
}

// q5K is q4K with a fifth bit from qh: bit 2j of qh[l] for the low nibbles
// of group j, bit 2j+1 for the high ones.
func q5K() string {
	s := prologue("dotQ5_K", "29") + `	VMOVI $15, V8.B16
	VMOVI $16, V9.B16
loop:
` + k4scales + `	ADD $16, R0, R3
	VLD1.P 32(R3), [V10.B16, V11.B16]
	FMOVS (R1), F25
	ADD $4, R1, R13
`
	for j := range 4 {
		a, b := 16+2*j, 17+2*j
		s += p(`	VLD1.P 32(R3), [V0.B16, V1.B16]
	VLD1.P 64(R13), [V2.B16, V3.B16, V4.B16, V5.B16]
	VAND V8.B16, V0.B16, V6.B16
	VAND V8.B16, V1.B16, V7.B16
	VUSHR $4, V0.B16, V0.B16
	VUSHR $4, V1.B16, V1.B16
`)
		for i, dst := range []int{6, 7, 0, 1} {
			bit := 2*j + i/2 // qh bit to move to bit 4
			src := 10 + i%2
			switch {
			case bit < 4:
				s += p("	VSHL $%d, V%d.B16, V12.B16\n", 4-bit, src)
			case bit == 4:
				s += p("	VORR V%[1]d.B16, V%[1]d.B16, V12.B16\n", src)
			default:
				s += p("	VUSHR $%d, V%d.B16, V12.B16\n", bit-4, src)
			}
			s += p("	VAND V9.B16, V12.B16, V12.B16\n	VORR V12.B16, V%[1]d.B16, V%[1]d.B16\n", dst)
		}
		s += p(`	VEOR V%[1]d.B16, V%[1]d.B16, V%[1]d.B16
	VEOR V%[2]d.B16, V%[2]d.B16, V%[2]d.B16
	DOTS2(%[1]d, 6, 2, 7, 3)
	DOTS2(%[2]d, 0, 4, 1, 5)
`, a, b)
	}
	return s + reduce8 + k4tail(176) + epilogue("29")
}
