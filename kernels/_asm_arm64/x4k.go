package main

var x4cols = []string{"R1", "R5", "R6", "R7"}

// x4head starts a four-column kernel: y pointers R1, R5, R6, R7, float
// sums F16-F19 zeroed.
func x4head(name, consts string) string {
	return p(`
// func %[1]s{{L}}(x, y *byte, ystride, nb int, out *[4]float32)
TEXT ·%[1]s{{L}}(SB), NOSPLIT, $0-40
	MOVD x+0(FP), R0
	MOVD y+8(FP), R1
	MOVD ystride+16(FP), R10
	ADD R1, R10, R5
	ADD R5, R10, R6
	ADD R6, R10, R7
	MOVD nb+24(FP), R2
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
%[2]s	CBZ R2, done
loop:
`, name, consts)
}

// x4yd loads the four columns' Q8_K scales into R21-R24 and zeroes their
// integer sums V12-V15.
func x4yd() string {
	s := ""
	for c, r := range x4cols {
		s += p("	MOVWU.P 4(%s), R%d\n	VEOR V%d.B16, V%[3]d.B16, V%[3]d.B16\n", r, 21+c, 12+c)
	}
	return s
}

const x4tail = `	SUBS $1, R2
	BNE loop
done:
	MOVD out+32(FP), R9
	FMOVS F16, 0(R9)
	FMOVS F17, 4(R9)
	FMOVS F18, 8(R9)
	FMOVS F19, 12(R9)
	RET
`

// q4Kx4: per pair of sub-blocks the unpacked quants serve four columns;
// each column's partial dots are scaled into its integer sum by MLA by
// element.
func q4Kx4() string { return k4x4("dotQ4_Kx4", false) }

// q5Kx4 is q4Kx4 with the fifth bits of qh (V24, V25 in the loop; the tail
// converts d and dmin after them).
func q5Kx4() string { return k4x4("dotQ5_Kx4", true) }

func k4x4(name string, q5 bool) string {
	s := x4head(name, "	VMOVI $15, V23.B16\n") +
		k4dec("R0", "R14", "R15", "R16", "R17", "R19", "R20") + `	VMOV R16, V26.S[0]
	VUXTL V26.B8, V26.H8
	VUXTL V26.H4, V26.S4
	VMOV R17, V27.S[0]
	VUXTL V27.B8, V27.H8
	VUXTL V27.H4, V27.S4
	VMOV R19, V28.S[0]
	VMOV R20, V28.S[1]
	VUXTL V28.B8, V28.H8
	ADD $16, R0, R8
` + x4yd()
	if q5 {
		s += "	VLD1.P 32(R8), [V24.B16, V25.B16]\n	VMOVI $16, V21.B16\n"
	}
	for j := range 4 {
		s += `	VLD1.P 32(R8), [V4.B16, V5.B16]
	VAND V23.B16, V4.B16, V0.B16
	VAND V23.B16, V5.B16, V1.B16
	VUSHR $4, V4.B16, V2.B16
	VUSHR $4, V5.B16, V3.B16
`
		for i := 0; q5 && i < 4; i++ {
			bit, src := 2*j+i/2, 24+i%2
			switch {
			case bit < 4:
				s += p("	VSHL $%d, V%d.B16, V20.B16\n", 4-bit, src)
			case bit == 4:
				s += p("	VORR V%[1]d.B16, V%[1]d.B16, V20.B16\n", src)
			default:
				s += p("	VUSHR $%d, V%d.B16, V20.B16\n", bit-4, src)
			}
			s += p("	VAND V21.B16, V20.B16, V20.B16\n	VORR V20.B16, V%[1]d.B16, V%[1]d.B16\n", i)
		}
		for c, r := range x4cols {
			s += p(`	VLD1.P 64(%[1]s), [V6.B16, V7.B16, V8.B16, V9.B16]
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	DOTS2(10, 0, 6, 1, 7)
	DOTS2(11, 2, 8, 3, 9)
	MLAE(%[2]d, 10, %[3]d, %[4]d)
	MLAE(%[2]d, 11, %[3]d, %[5]d)
`, r, 12+c, 26+j/2, 2*(j%2), 2*(j%2)+1)
		}
	}
	s += `	FMOVS R14, F24
	FCVTHS F24, F24
	FMOVS R15, F25
	FCVTHS F25, F25
`
	for c, r := range x4cols {
		s += p(`	VLD1.P 32(%[1]s), [V20.H8, V21.H8]
	VADDP V21.H8, V20.H8, V20.H8
	SMULL4S(22, 20, 28)
	SMLAL24S(22, 20, 28)
	VADDV V22.S4, V22
	VMOV V22.S[0], R25
	SCVTFWS R25, F22
	VADDV V%[2]d.S4, V%[2]d
	VMOV V%[2]d.S[0], R25
	SCVTFWS R25, F21
	FMOVS R%[3]d, F29
	FMULS F29, F24, F20
	FMULS F21, F20, F20
	FMULS F29, F25, F21
	FMULS F22, F21, F21
	FSUBS F21, F20, F20
	FADDS F20, F%[4]d, F%[4]d
`, r, 12+c, 21+c, 16+c)
	}
	return s + "	MOVD R8, R0\n" + x4tail
}

// q6Kx4: per 128-element half the 8 unpacked 16-element vectors serve four
// columns.
func q6Kx4() string {
	s := x4head("dotQ6_Kx4", "	VMOVI $15, V21.B16\n	VMOVI $48, V22.B16\n	VMOVI $32, V23.B16\n") + `	MOVD R0, R3
	ADD $192, R3, R9
	VLD1 (R9), [V24.B16]
	SXTL28H(26, 24)
	SXTL8H(24, 24)
	SXTL24S(25, 24)
	SXTL4S(24, 24)
	SXTL24S(27, 26)
	SXTL4S(26, 26)
	ADD $128, R3, R8
` + x4yd()
	for h := range 2 {
		s += `	VLD1.P 64(R0), [V8.B16, V9.B16, V10.B16, V11.B16]
	VLD1.P 32(R8), [V28.B16, V29.B16]
`
		qhr := []int{28, 29}
		for k := range 4 {
			for pt := range 2 {
				dst := 2*k + pt
				src := 8 + pt + 2*(k%2)
				if k < 2 {
					s += p("	VAND V21.B16, V%d.B16, V%d.B16\n", src, dst)
				} else {
					s += p("	VUSHR $4, V%d.B16, V%d.B16\n", src, dst)
				}
				qh := qhr[pt]
				switch k {
				case 0:
					s += p("	VSHL $4, V%d.B16, V20.B16\n	VAND V22.B16, V20.B16, V20.B16\n", qh)
				case 1:
					s += p("	VSHL $2, V%d.B16, V20.B16\n	VAND V22.B16, V20.B16, V20.B16\n", qh)
				case 2:
					s += p("	VAND V22.B16, V%d.B16, V20.B16\n", qh)
				case 3:
					s += p("	VUSHR $2, V%d.B16, V20.B16\n	VAND V22.B16, V20.B16, V20.B16\n", qh)
				}
				s += p("	VORR V20.B16, V%[1]d.B16, V%[1]d.B16\n	VSUB V23.B16, V%[1]d.B16, V%[1]d.B16\n", dst)
			}
		}
		for c, r := range x4cols {
			for q := range 2 {
				s += p("	VLD1.P 64(%s), [V8.B16, V9.B16, V10.B16, V11.B16]\n", r)
				for i := range 4 {
					g := 8*h + 4*q + i
					s += p(`	VEOR V20.B16, V20.B16, V20.B16
	DOTS(20, %d, %d)
	MLAE(%d, 20, %d, %d)
`, 4*q+i, 8+i, 12+c, 24+g/4, g%4)
				}
			}
		}
	}
	for c, r := range x4cols {
		s += p(`	ADD $32, %[1]s
	VADDV V%[2]d.S4, V%[2]d
	VMOV V%[2]d.S[0], R25
	SCVTFWS R25, F24
	MOVHU 208(R3), R25
	FMOVS R25, F20
	FCVTHS F20, F20
	FMOVS R%[3]d, F29
	FMULS F29, F20, F20
	FMULS F24, F20, F20
	FADDS F20, F%[4]d, F%[4]d
`, r, 12+c, 21+c, 16+c)
	}
	return s + "	ADD $210, R3, R0\n" + x4tail
}
