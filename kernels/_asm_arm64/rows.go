package main

import "strings"

// rowKernels returns the row dot products, func name(x, y *byte, nb int)
// float32: x points at nb >= 0 weight blocks, y at nb activation blocks.
func rowKernels() []string {
	return []string{q8_0, q4_0, iq4nl, q5_0, q4K(), q6K()}
}

// prologue loads the arguments and zeroes the float sum in F16 (sum
// register given).
func prologue(name, sum string) string {
	return p(`
// func %[1]s{{L}}(x, y *byte, nb int) float32
TEXT ·%[1]s{{L}}(SB), NOSPLIT, $0-28
	MOVD x+0(FP), R0
	MOVD y+8(FP), R1
	MOVD nb+16(FP), R2
	VEOR V%[2]s.B16, V%[2]s.B16, V%[2]s.B16
	CBZ R2, done
`, name, sum)
}

func epilogue(sum string) string {
	return p(`	SUBS $1, R2
	BNE loop
done:
	FMOVS F%s, ret+24(FP)
	RET
`, sum)
}

var q8_0 = prologue("dotQ8_0", "16") + `loop:
	MOVHU.P 2(R0), R4
	MOVHU.P 2(R1), R5
	VLD1.P 32(R0), [V0.B16, V1.B16]
	VLD1.P 32(R1), [V2.B16, V3.B16]
	VEOR V4.B16, V4.B16, V4.B16
	DOT(4, 0, 2)
	DOT(4, 1, 3)
	SCALE32
` + epilogue("16")

// q4body unpacks the 16 quant bytes of a Q4_0/IQ4_NL block into V1 (low
// nibbles) and V0 (high), transformed by xform (applied to V1 and V0).
func q4body(xform, dot string) string {
	return `loop:
	MOVHU.P 2(R0), R4
	MOVHU.P 2(R1), R5
	VLD1.P 16(R0), [V0.B16]
	VLD1.P 32(R1), [V2.B16, V3.B16]
	VAND V8.B16, V0.B16, V1.B16
	VUSHR $4, V0.B16, V0.B16
` + strings.ReplaceAll(xform, "VX", "V1") + strings.ReplaceAll(xform, "VX", "V0") + `	VEOR V4.B16, V4.B16, V4.B16
` + dot + `
	SCALE32
`
}

var q4_0 = prologue("dotQ4_0", "16") + `	VMOVI $15, V8.B16
	VMOVI $8, V9.B16
` + q4body("	VSUB V9.B16, VX.B16, VX.B16\n", "	DOTS2(4, 1, 2, 0, 3)") + epilogue("16")

var iq4nl = prologue("dotIQ4_NL", "16") + `	VMOVI $15, V8.B16
	MOVD $iq4nl<>(SB), R7
	VLD1 (R7), [V10.B16]
` + q4body("	VTBL VX.B16, [V10.B16], VX.B16\n", "	DOT(4, 1, 2)\n	DOT(4, 0, 3)") + epilogue("16")

// Q5_0: the fifth bits are spread to bytes with VTBL (byte of qh per
// element) and VCMTST (its bit), then value = (nibble | bit<<4) - 16.
var q5_0 = prologue("dotQ5_0", "16") + `	VMOVI $15, V8.B16
	VMOVI $16, V12.B16
	MOVD $q5tbl<>(SB), R7
	VLD1 (R7), [V13.B16, V14.B16, V15.B16]
loop:
	MOVHU.P 2(R0), R4
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
	VSUB V12.B16, V1.B16, V1.B16
	VSUB V12.B16, V0.B16, V0.B16
	VEOR V4.B16, V4.B16, V4.B16
	DOTS2(4, 1, 2, 0, 3)
	SCALE32
` + epilogue("16")

// reduce8 turns the 8 accumulators V16..V23 (4 lanes each) into
// V16 = [s0 s1 s2 s3] and V20 = [s4 s5 s6 s7].
const reduce8 = `	VADDP V17.S4, V16.S4, V16.S4
	VADDP V19.S4, V18.S4, V18.S4
	VADDP V18.S4, V16.S4, V16.S4
	VADDP V21.S4, V20.S4, V20.S4
	VADDP V23.S4, V22.S4, V22.S4
	VADDP V22.S4, V20.S4, V20.S4
`

// q4K: 8 sub-blocks of 32 with 6-bit scales and mins (ggml's utmp
// shuffle in general registers); isum = sum sc*dot, msum = sum m*bsums.
func q4K() string {
	s := prologue("dotQ4_K", "29") + `	VMOVI $15, V8.B16
loop:
` + k4scales + `	ADD $16, R0, R3
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
	VEOR V%[1]d.B16, V%[1]d.B16, V%[1]d.B16
	VEOR V%[2]d.B16, V%[2]d.B16, V%[2]d.B16
	DOTS2(%[1]d, 6, 2, 7, 3)
	DOTS2(%[2]d, 0, 4, 1, 5)
`, a, b)
	}
	s += reduce8 + k4tail(144)
	return s + epilogue("29")
}

// q6K: two halves of 128; each 16-element vector has its own int8 scale.
// Quarter k of a half takes nibbles of ql (low for k<2, high for k>=2, from
// bytes 0-31 for even k, 32-63 for odd k) and bits 2k, 2k+1 of qh.
func q6K() string {
	s := prologue("dotQ6_K", "29") + `	VMOVI $15, V8.B16
	VMOVI $48, V9.B16
	VMOVI $32, V10.B16
loop:
	MOVD R0, R7
	ADD $128, R7, R3
	FMOVS (R1), F25
	ADD $4, R1, R13
`
	for h := range 2 {
		s += `	VLD1.P 64(R0), [V0.B16, V1.B16, V2.B16, V3.B16]
	VLD1.P 32(R3), [V4.B16, V5.B16]
`
		for k := range 4 {
			if k%2 == 0 {
				s += "	VLD1.P 64(R13), [V12.B16, V13.B16, V14.B16, V15.B16]\n"
			}
			for pt := range 2 {
				src := pt + 2*(k%2)
				if k < 2 {
					s += p("	VAND V8.B16, V%d.B16, V6.B16\n", src)
				} else {
					s += p("	VUSHR $4, V%d.B16, V6.B16\n", src)
				}
				qh := 4 + pt
				switch k {
				case 0:
					s += p("	VSHL $4, V%d.B16, V7.B16\n	VAND V9.B16, V7.B16, V7.B16\n", qh)
				case 1:
					s += p("	VSHL $2, V%d.B16, V7.B16\n	VAND V9.B16, V7.B16, V7.B16\n", qh)
				case 2:
					s += p("	VAND V9.B16, V%d.B16, V7.B16\n", qh)
				case 3:
					s += p("	VUSHR $2, V%d.B16, V7.B16\n	VAND V9.B16, V7.B16, V7.B16\n", qh)
				}
				acc := 16 + 2*k + pt
				s += p(`	VORR V7.B16, V6.B16, V6.B16
	VSUB V10.B16, V6.B16, V6.B16
	VEOR V%[1]d.B16, V%[1]d.B16, V%[1]d.B16
	DOTS(%[1]d, 6, %[2]d)
`, acc, 12+2*(k%2)+pt)
			}
		}
		s += reduce8 + p(`	MOVD %d(R7), R6
	VMOV R6, V26.D[0]
	SXTL8H(26, 26)
	SXTL24S(27, 26)
	SXTL4S(26, 26)
`, 192+8*h)
		if h == 0 {
			s += "	MUL4S(24, 16, 26)\n"
		} else {
			s += "	MLA4S(24, 16, 26)\n"
		}
		s += "	MLA4S(24, 20, 27)\n"
	}
	s += `	VADDV V24.S4, V24
	VMOV V24.S[0], R14
	SCVTFWS R14, F24
	MOVHU 208(R7), R4
	FMOVS R4, F5
	FCVTHS F5, F5
	FMULS F25, F5, F5
	FMULS F24, F5, F5
	FADDS F5, F29, F29
	ADD $210, R7, R0
	ADD $292, R1
`
	return s + epilogue("29")
}
