package main

import "strings"

// r4Kernels returns the four-row kernels of the 32-element types,
// func name(x *byte, xstride int, y *byte, nb int, out *[4]float32):
// out[i] = dot(row x + i*xstride, y); each activation block is loaded and
// its scale converted once for the four rows.
func r4Kernels() []string {
	var ks []string
	for _, u := range x4types {
		s := p(`
// func dot%[1]sr4{{L}}(x *byte, xstride int, y *byte, nb int, out *[4]float32)
TEXT ·dot%[1]sr4{{L}}(SB), NOSPLIT, $0-40
	MOVD x+0(FP), R0
	MOVD xstride+8(FP), R10
	ADD R0, R10, R3
	ADD R3, R10, R5
	ADD R5, R10, R6
	MOVD y+16(FP), R1
	MOVD nb+24(FP), R2
	VEOR V16.B16, V16.B16, V16.B16
%[2]s	CBZ R2, done
loop:
	MOVHU.P 2(R1), R8
	VLD1.P 32(R1), [V20.B16, V21.B16]
	FMOVS R8, F24
	FCVTHS F24, F24
	VDUP V24.S[0], V24.S4
`, u.name, u.consts)
		for r, reg := range []string{"R0", "R3", "R5", "R6"} {
			dot := p("	DOT(%[1]d, %[2]d, 20)\n	DOT(%[1]d, %[3]d, 21)\n", 26+r, u.a, u.b)
			if u.dot == "DOTS" {
				dot = p("	DOTS2(%d, %d, 20, %d, 21)\n", 26+r, u.a, u.b)
			}
			s += strings.ReplaceAll(u.code, "(R0)", "("+reg+")") + p(`	VMOV R4, V23.H[%[2]d]
	VEOR V%[3]d.B16, V%[3]d.B16, V%[3]d.B16
%[1]s`, dot, r, 26+r)
		}
		s += tree4 + `	FCVTL4S(25, 23)
	FMUL4S(26, 26, 25)
	FMUL4S(26, 26, 24)
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
	return ks
}
