package main

// iq4xs: 8 sub-blocks of 32 with the IQ4_NL codebook and 6-bit scales
// (low 4 bits from scales_l, high 2 from scales_h) minus 32.
func iq4xs() string {
	s := prologue("dotIQ4_XS", "29") + `	VMOVI $15, V8.B16
	MOVD $iq4nl<>(SB), R7
	VLD1 (R7), [V10.B16]
loop:
	MOVHU 0(R0), R4
	MOVHU 2(R0), R5
	MOVWU 4(R0), R6
`
	for ib := range 8 {
		s += p(`	UBFXW $%d, R6, $4, R7
	UBFXW $%d, R5, $2, R9
	ORRW R9<<4, R7, R7
	SUBW $32, R7, R7
	VMOV R7, V%d.S[%d]
`, 4*ib, 2*ib, 26+ib/4, ib%4)
	}
	s += `	ADD $8, R0, R3
	FMOVS (R1), F25
	ADD $4, R1, R13
`
	for ib := range 8 {
		s += p(`	VLD1.P 16(R3), [V0.B16]
	VLD1.P 32(R13), [V2.B16, V3.B16]
	VAND V8.B16, V0.B16, V1.B16
	VUSHR $4, V0.B16, V0.B16
	VTBL V1.B16, [V10.B16], V1.B16
	VTBL V0.B16, [V10.B16], V0.B16
	VEOR V%[1]d.B16, V%[1]d.B16, V%[1]d.B16
	DOT(%[1]d, 1, 2)
	DOT(%[1]d, 0, 3)
`, 16+ib)
	}
	return s + reduce8 + `	MUL4S(24, 16, 26)
	MLA4S(24, 20, 27)
` + kfloat("R4", 136) + epilogue("29")
}

// kfloat adds f16(d)*yd*float32(isum) to F29 (isum in V24.S4 lanes, yd in
// F25) and advances R0 (by bb) and R1 to the next blocks.
func kfloat(d string, bb int) string {
	return p(`	VADDV V24.S4, V24
	VMOV V24.S[0], R14
	SCVTFWS R14, F24
	FMOVS %s, F5
	FCVTHS F5, F5
	FMULS F25, F5, F5
	FMULS F24, F5, F5
	FADDS F5, F29, F29
	ADD $%d, R0
	ADD $292, R1
`, d, bb)
}

// twoBit emits the 16 sub-block dots of one 128-element half of Q2_K/Q3_K:
// 2-bit quants s of qs bytes V0, V1 (shift 2s), passed through adj (which
// may use the part index), against y from R13, into V16..V23, reduced.
func twoBit(adj func(s, pt int) string) string {
	s := "	VLD1.P 32(R3), [V0.B16, V1.B16]\n"
	for sh := range 4 {
		if sh%2 == 0 {
			s += "	VLD1.P 64(R13), [V2.B16, V3.B16, V4.B16, V5.B16]\n"
		}
		for pt := range 2 {
			if sh == 0 {
				s += p("	VAND V9.B16, V%d.B16, V6.B16\n", pt)
			} else {
				s += p("	VUSHR $%d, V%d.B16, V6.B16\n	VAND V9.B16, V6.B16, V6.B16\n", 2*sh, pt)
			}
			acc := 16 + 2*sh + pt
			s += adj(sh, pt) + p(`	VEOR V%[1]d.B16, V%[1]d.B16, V%[1]d.B16
	DOTS(%[1]d, 6, %[2]d)
`, acc, 2+2*(sh%2)+pt)
		}
	}
	return s + reduce8
}

// q2K: 16 sub-blocks of 16, 4-bit scales and mins; the min term uses the
// activation's bsums.
func q2K() string {
	s := prologue("dotQ2_K", "29") + `	VMOVI $15, V8.B16
	VMOVI $3, V9.B16
loop:
	MOVD R0, R7
	VLD1 (R7), [V26.B16]
	VAND V8.B16, V26.B16, V27.B16
	VUSHR $4, V26.B16, V26.B16
	VUXTL V27.B8, V28.H8
	VUXTL2 V27.B16, V27.H8
	VUXTL V28.H4, V10.S4
	VUXTL2 V28.H8, V11.S4
	VUXTL V27.H4, V12.S4
	VUXTL2 V27.H8, V13.S4
	ADD $16, R7, R3
	FMOVS (R1), F25
	ADD $4, R1, R13
`
	none := func(int, int) string { return "" }
	s += twoBit(none) + "	MUL4S(24, 16, 10)\n	MLA4S(24, 20, 11)\n"
	s += twoBit(none) + "	MLA4S(24, 16, 12)\n	MLA4S(24, 20, 13)\n"
	return s + `	VLD1 (R13), [V0.H8, V1.H8]
	VUXTL V26.B8, V2.H8
	VUXTL2 V26.B16, V3.H8
	SMULL4S(4, 0, 2)
	SMLAL24S(4, 0, 2)
	SMLAL4S(4, 1, 3)
	SMLAL24S(4, 1, 3)
	VADDV V4.S4, V4
	VMOV V4.S[0], R15
	SCVTFWS R15, F2
	VADDV V24.S4, V24
	VMOV V24.S[0], R14
	SCVTFWS R14, F24
	MOVHU 80(R7), R4
	MOVHU 82(R7), R5
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
	ADD $84, R7, R0
	ADD $292, R1
` + epilogue("29")
}

// q3K: 2-bit quants minus 4 where the hmask bit is clear, 16 6-bit scales
// minus 32 (ggml's aux shuffle in general registers).
func q3K() string {
	s := prologue("dotQ3_K", "29") + `	VMOVI $4, V8.B16
	VMOVI $3, V9.B16
loop:
	MOVD R0, R7
	VLD1 (R7), [V10.B16, V11.B16]
	MOVWU 96(R7), R4
	MOVWU 100(R7), R5
	MOVWU 104(R7), R6
	ANDW $0x0f0f0f0f, R4, R8
	ANDW $0x03030303, R6, R9
	ORRW R9<<4, R8, R8
	ANDW $0x0f0f0f0f, R5, R9
	LSRW $2, R6, R10
	ANDW $0x03030303, R10, R10
	ORRW R10<<4, R9, R9
	LSRW $4, R4, R10
	ANDW $0x0f0f0f0f, R10, R10
	LSRW $4, R6, R11
	ANDW $0x03030303, R11, R11
	ORRW R11<<4, R10, R10
	LSRW $4, R5, R11
	ANDW $0x0f0f0f0f, R11, R11
	LSRW $6, R6, R12
	ANDW $0x03030303, R12, R12
	ORRW R12<<4, R11, R11
	VMOV R8, V26.S[0]
	VMOV R9, V26.S[1]
	VMOV R10, V26.S[2]
	VMOV R11, V26.S[3]
	VMOVI $32, V27.B16
	VSUB V27.B16, V26.B16, V26.B16
	SXTL8H(27, 26)
	SXTL28H(28, 26)
	SXTL4S(12, 27)
	SXTL24S(13, 27)
	SXTL4S(14, 28)
	SXTL24S(15, 28)
	ADD $32, R7, R3
	FMOVS (R1), F25
	ADD $4, R1, R13
`
	for h := range 2 {
		s += twoBit(func(sh, pt int) string {
			m := ""
			if pt == 0 {
				m = p("	VMOVI $%d, V28.B16\n", 1<<(4*h+sh))
			}
			return m + p(`	VCMTST V28.B16, V%d.B16, V27.B16
	VAND V8.B16, V27.B16, V27.B16
	VORR V27.B16, V6.B16, V6.B16
	VSUB V8.B16, V6.B16, V6.B16
`, 10+pt)
		})
		if h == 0 {
			s += "	MUL4S(24, 16, 12)\n	MLA4S(24, 20, 13)\n"
		} else {
			s += "	MLA4S(24, 16, 14)\n	MLA4S(24, 20, 15)\n"
		}
	}
	s += "	MOVHU 108(R7), R4\n	MOVD R7, R0\n"
	return s + kfloat("R4", 110) + epilogue("29")
}
