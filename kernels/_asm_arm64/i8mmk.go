package main

// k4dec decodes the Q4_K 6-bit scales and mins of the block at base (the
// utmp shuffle of k4scales) into the named registers; R11-R13 scratch.
func k4dec(base, d, dmin, sc03, sc47, m03, m47 string) string {
	return p(`	MOVHU 0(%[1]s), %[2]s
	MOVHU 2(%[1]s), %[3]s
	MOVWU 4(%[1]s), %[4]s
	MOVWU 8(%[1]s), R11
	MOVWU 12(%[1]s), R12
	LSRW $4, R12, %[7]s
	ANDW $0x0f0f0f0f, %[7]s, %[7]s
	LSRW $6, R11, R13
	ANDW $0x03030303, R13, R13
	ORRW R13<<4, %[7]s, %[7]s
	ANDW $0x3f3f3f3f, R11, %[6]s
	ANDW $0x0f0f0f0f, R12, %[5]s
	LSRW $6, %[4]s, R13
	ANDW $0x03030303, R13, R13
	ORRW R13<<4, %[5]s, %[5]s
	ANDW $0x3f3f3f3f, %[4]s, %[4]s
`, base, d, dmin, sc03, sc47, m03, m47)
}

// q4Kx2 is the 2x2 SMMLA kernel of Q4_K: per 32-element sub-block one
// SMMLA tile sum, scaled per row by MLA with scales spread by VTBL; the
// min term is four 8-long int16 dots of mins and paired bsums.
func q4Kx2() string {
	s := `
// func dotQ4_Kx2I8MM(x *byte, xstride int, y *byte, ystride, nb int, out *[4]float32)
TEXT ·dotQ4_Kx2I8MM(SB), NOSPLIT, $0-48
	MOVD x+0(FP), R0
	MOVD xstride+8(FP), R3
	ADD R0, R3, R3
	MOVD y+16(FP), R1
	MOVD ystride+24(FP), R5
	ADD R1, R5, R5
	MOVD nb+32(FP), R2
	VEOR V30.B16, V30.B16, V30.B16
	VMOVI $15, V24.B16
	MOVD $k4idx<>(SB), R21
	VLD1 (R21), [V26.B16, V27.B16]
	CBZ R2, done
loop:
` + k4dec("R0", "R4", "R6", "R7", "R8", "R9", "R10") +
		k4dec("R3", "R14", "R15", "R16", "R17", "R19", "R20") + `	VMOV R7, V28.S[0]
	VMOV R8, V28.S[1]
	VMOV R16, V28.S[2]
	VMOV R17, V28.S[3]
	VORR V26.B16, V26.B16, V22.B16
	VEOR V21.B16, V21.B16, V21.B16
	ADD $16, R0, R21
	ADD $16, R3, R22
	ADD $4, R1, R23
	ADD $4, R5, R24
`
	for range 4 {
		s += `	VLD1.P 32(R21), [V0.B16, V1.B16]
	VLD1.P 32(R22), [V2.B16, V3.B16]
`
		for half := range 2 {
			for i := range 4 {
				if half == 0 {
					s += p("	VAND V24.B16, V%d.B16, V%d.B16\n", i, 4+i)
				} else {
					s += p("	VUSHR $4, V%d.B16, V%d.B16\n", i, 4+i)
				}
			}
			s += `	VZIP1 V6.D2, V4.D2, V8.D2
	VZIP2 V6.D2, V4.D2, V9.D2
	VZIP1 V7.D2, V5.D2, V10.D2
	VZIP2 V7.D2, V5.D2, V11.D2
	VLD1.P 32(R23), [V16.B16, V17.B16]
	VLD1.P 32(R24), [V18.B16, V19.B16]
	VZIP1 V18.D2, V16.D2, V12.D2
	VZIP2 V18.D2, V16.D2, V13.D2
	VZIP1 V19.D2, V17.D2, V14.D2
	VZIP2 V19.D2, V17.D2, V15.D2
	VEOR V20.B16, V20.B16, V20.B16
	SMMLA(20, 8, 12)
	SMMLA(20, 9, 13)
	SMMLA(20, 10, 14)
	SMMLA(20, 11, 15)
	VTBL V22.B16, [V28.B16], V25.B16
	VADD V27.B16, V22.B16, V22.B16
	MLA4S(21, 20, 25)
`
		}
	}
	return s + `	VLD1 (R23), [V0.H8, V1.H8]
	VADDP V1.H8, V0.H8, V0.H8
	VLD1 (R24), [V2.H8, V3.H8]
	VADDP V3.H8, V2.H8, V2.H8
	VMOV R9, V4.S[0]
	VMOV R10, V4.S[1]
	VUXTL V4.B8, V4.H8
	VMOV R19, V5.S[0]
	VMOV R20, V5.S[1]
	VUXTL V5.B8, V5.H8
	SMULL4S(6, 4, 0)
	SMLAL24S(6, 4, 0)
	SMULL4S(7, 4, 2)
	SMLAL24S(7, 4, 2)
	SMULL4S(8, 5, 0)
	SMLAL24S(8, 5, 0)
	SMULL4S(9, 5, 2)
	SMLAL24S(9, 5, 2)
	VADDP V7.S4, V6.S4, V6.S4
	VADDP V9.S4, V8.S4, V8.S4
	VADDP V8.S4, V6.S4, V6.S4
	VMOV R4, V10.H[0]
	VMOV R4, V10.H[1]
	VMOV R14, V10.H[2]
	VMOV R14, V10.H[3]
	FCVTL4S(10, 10)
	VMOV R6, V11.H[0]
	VMOV R6, V11.H[1]
	VMOV R15, V11.H[2]
	VMOV R15, V11.H[3]
	FCVTL4S(11, 11)
	MOVWU (R1), R11
	MOVWU (R5), R12
	VMOV R11, V12.S[0]
	VMOV R12, V12.S[1]
	VMOV R11, V12.S[2]
	VMOV R12, V12.S[3]
	FMUL4S(10, 10, 12)
	FMUL4S(11, 11, 12)
	SCVTF4S(13, 21)
	SCVTF4S(14, 6)
	FMUL4S(10, 10, 13)
	FMUL4S(11, 11, 14)
	FSUB4S(10, 10, 11)
	FADD4S(30, 30, 10)
	ADD $144, R0
	ADD $144, R3
	ADD $292, R1
	ADD $292, R5
	SUBS $1, R2
	BNE loop
done:
	MOVD out+40(FP), R21
	VST1 [V30.S4], (R21)
	RET
`
}
