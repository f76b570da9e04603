package main

// q6Kx2 is the 2x2 SMMLA kernel of Q6_K. The quants stay unsigned (0-63)
// in the SMMLA tiles; the -32 offset comes back as 32 * sum sc*bsums.
func q6Kx2() string {
	s := `
// func dotQ6_Kx2I8MM(x *byte, xstride int, y *byte, ystride, nb int, out *[4]float32)
TEXT ·dotQ6_Kx2I8MM(SB), NOSPLIT, $0-48
	MOVD x+0(FP), R0
	MOVD xstride+8(FP), R3
	ADD R0, R3, R3
	MOVD y+16(FP), R1
	MOVD ystride+24(FP), R5
	ADD R1, R5, R5
	MOVD nb+32(FP), R2
	VEOR V30.B16, V30.B16, V30.B16
	VMOVI $15, V26.B16
	VMOVI $48, V27.B16
	MOVD $k6idx<>(SB), R16
	CBZ R2, done
loop:
	VLD1 (R16), [V24.B16, V25.B16]
	ADD $192, R0, R6
	VLD1 (R6), [V28.B16]
	ADD $192, R3, R7
	VLD1 (R7), [V29.B16]
	VEOR V31.B16, V31.B16, V31.B16
	MOVD R0, R10
	ADD $128, R0, R11
	MOVD R3, R12
	ADD $128, R3, R13
	ADD $4, R1, R14
	ADD $4, R5, R15
`
	for range 2 {
		s += `	VLD1.P 64(R10), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P 32(R11), [V4.B16, V5.B16]
	VLD1.P 64(R12), [V6.B16, V7.B16, V8.B16, V9.B16]
	VLD1.P 32(R13), [V10.B16, V11.B16]
`
		for k := range 4 {
			for pt := range 2 {
				for r, t := range []int{12, 14} {
					b := 6 * r
					src := b + pt + 2*(k%2)
					if k < 2 {
						s += p("	VAND V26.B16, V%d.B16, V%d.B16\n", src, t)
					} else {
						s += p("	VUSHR $4, V%d.B16, V%d.B16\n", src, t)
					}
					qh := b + 4 + pt
					switch k {
					case 0:
						s += p("	VSHL $4, V%d.B16, V%d.B16\n	VAND V27.B16, V%[2]d.B16, V%[2]d.B16\n", qh, t+1)
					case 1:
						s += p("	VSHL $2, V%d.B16, V%d.B16\n	VAND V27.B16, V%[2]d.B16, V%[2]d.B16\n", qh, t+1)
					case 2:
						s += p("	VAND V27.B16, V%d.B16, V%d.B16\n", qh, t+1)
					case 3:
						s += p("	VUSHR $2, V%d.B16, V%d.B16\n	VAND V27.B16, V%[2]d.B16, V%[2]d.B16\n", qh, t+1)
					}
					s += p("	VORR V%d.B16, V%d.B16, V%[2]d.B16\n", t+1, t)
				}
				s += `	VZIP1 V14.D2, V12.D2, V16.D2
	VZIP2 V14.D2, V12.D2, V17.D2
	VLD1.P 16(R14), [V18.B16]
	VLD1.P 16(R15), [V19.B16]
	VZIP1 V19.D2, V18.D2, V20.D2
	VZIP2 V19.D2, V18.D2, V21.D2
	VEOR V22.B16, V22.B16, V22.B16
	SMMLA(22, 16, 20)
	SMMLA(22, 17, 21)
	VTBL V24.B16, [V28.B16, V29.B16], V23.B16
	VADD V25.B16, V24.B16, V24.B16
	SSHR24(23, 23)
	MLA4S(31, 22, 23)
`
			}
		}
	}
	return s + `	VLD1 (R14), [V0.H8, V1.H8]
	VLD1 (R15), [V2.H8, V3.H8]
	SXTL8H(4, 28)
	SXTL28H(5, 28)
	SXTL8H(6, 29)
	SXTL28H(7, 29)
	SMULL4S(8, 4, 0)
	SMLAL24S(8, 4, 0)
	SMLAL4S(8, 5, 1)
	SMLAL24S(8, 5, 1)
	SMULL4S(9, 4, 2)
	SMLAL24S(9, 4, 2)
	SMLAL4S(9, 5, 3)
	SMLAL24S(9, 5, 3)
	SMULL4S(10, 6, 0)
	SMLAL24S(10, 6, 0)
	SMLAL4S(10, 7, 1)
	SMLAL24S(10, 7, 1)
	SMULL4S(11, 6, 2)
	SMLAL24S(11, 6, 2)
	SMLAL4S(11, 7, 3)
	SMLAL24S(11, 7, 3)
	VADDP V9.S4, V8.S4, V8.S4
	VADDP V11.S4, V10.S4, V10.S4
	VADDP V10.S4, V8.S4, V8.S4
	VSHL $5, V8.S4, V8.S4
	VSUB V8.S4, V31.S4, V31.S4
	MOVHU 208(R0), R8
	MOVHU 208(R3), R9
	VMOV R8, V12.H[0]
	VMOV R8, V12.H[1]
	VMOV R9, V12.H[2]
	VMOV R9, V12.H[3]
	FCVTL4S(12, 12)
	MOVWU (R1), R6
	MOVWU (R5), R7
	VMOV R6, V13.S[0]
	VMOV R7, V13.S[1]
	VMOV R6, V13.S[2]
	VMOV R7, V13.S[3]
	FMUL4S(12, 12, 13)
	SCVTF4S(14, 31)
	FMUL4S(12, 12, 14)
	FADD4S(30, 30, 12)
	ADD $210, R0
	ADD $210, R3
	ADD $292, R1
	ADD $292, R5
	SUBS $1, R2
	BNE loop
done:
	MOVD out+40(FP), R16
	VST1 [V30.S4], (R16)
	RET
`
}
