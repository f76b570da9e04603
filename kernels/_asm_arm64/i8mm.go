package main

import "strings"

// i8mmKernels returns the 2x2 SMMLA kernels of the 32-element types,
// func name(x *byte, xstride int, y *byte, ystride, nb int, out *[4]float32):
// rows x and x+xstride times columns y and y+ystride, out = [r0c0 r0c1
// r1c0 r1c1]. SMMLA multiplies a 2x8 byte matrix (one 8-byte half per
// register half) by the transpose of another, so each 16-byte row chunk is
// interleaved with the other row's by ZIP1/ZIP2 on 64-bit lanes.
func i8mmKernels() string {
	var b strings.Builder
	for _, k := range []struct {
		name, consts string
		bb           int
		unpack       func(src, lo, hi int) string
	}{
		{"dotQ8_0x2I8MM", "", 34, func(src, lo, hi int) string {
			return p("	VLD1.P 32(R%d), [V%d.B16, V%d.B16]\n", src, lo, hi)
		}},
		{"dotQ4_0x2I8MM", "	VMOVI $15, V26.B16\n	VMOVI $8, V27.B16\n", 18, func(src, lo, hi int) string {
			return nib(src, lo, hi) + p("	VSUB V27.B16, V%[1]d.B16, V%[1]d.B16\n	VSUB V27.B16, V%[2]d.B16, V%[2]d.B16\n", lo, hi)
		}},
		{"dotIQ4_NLx2I8MM", "	VMOVI $15, V26.B16\n	MOVD $iq4nl<>(SB), R10\n	VLD1 (R10), [V27.B16]\n", 18, func(src, lo, hi int) string {
			return nib(src, lo, hi) + p("	VTBL V%[1]d.B16, [V27.B16], V%[1]d.B16\n	VTBL V%[2]d.B16, [V27.B16], V%[2]d.B16\n", lo, hi)
		}},
		{"dotQ5_0x2I8MM", "	VMOVI $15, V26.B16\n	VMOVI $16, V25.B16\n	MOVD $q5tbl<>(SB), R10\n	VLD1 (R10), [V27.B16, V28.B16, V29.B16]\n", 22, func(src, lo, hi int) string {
			return p(`	MOVWU.P 4(R%[1]d), R10
	VDUP R10, V17.S4
	VTBL V27.B16, [V17.B16], V18.B16
	VTBL V28.B16, [V17.B16], V19.B16
	VCMTST V29.B16, V18.B16, V18.B16
	VCMTST V29.B16, V19.B16, V19.B16
	VAND V25.B16, V18.B16, V18.B16
	VAND V25.B16, V19.B16, V19.B16
`, src) + nib(src, lo, hi) + p(`	VORR V18.B16, V%[1]d.B16, V%[1]d.B16
	VORR V19.B16, V%[2]d.B16, V%[2]d.B16
	VSUB V25.B16, V%[1]d.B16, V%[1]d.B16
	VSUB V25.B16, V%[2]d.B16, V%[2]d.B16
`, lo, hi)
		}},
	} {
		b.WriteString(p(`
// func %[1]s(x *byte, xstride int, y *byte, ystride, nb int, out *[4]float32)
TEXT ·%[1]s(SB), NOSPLIT, $0-48
	MOVD x+0(FP), R0
	MOVD xstride+8(FP), R3
	ADD R0, R3, R3
	MOVD y+16(FP), R1
	MOVD ystride+24(FP), R5
	ADD R1, R5, R5
	MOVD nb+32(FP), R2
	VEOR V24.B16, V24.B16, V24.B16
%[2]s	CBZ R2, done
loop:
	MOVHU.P 2(R0), R6
	MOVHU.P 2(R3), R7
	MOVHU.P 2(R1), R8
	MOVHU.P 2(R5), R9
%[3]s%[4]s	VLD1.P 32(R1), [V4.B16, V5.B16]
	VLD1.P 32(R5), [V6.B16, V7.B16]
	VZIP1 V2.D2, V0.D2, V8.D2
	VZIP2 V2.D2, V0.D2, V9.D2
	VZIP1 V3.D2, V1.D2, V10.D2
	VZIP2 V3.D2, V1.D2, V11.D2
	VZIP1 V6.D2, V4.D2, V12.D2
	VZIP2 V6.D2, V4.D2, V13.D2
	VZIP1 V7.D2, V5.D2, V14.D2
	VZIP2 V7.D2, V5.D2, V15.D2
	VEOR V16.B16, V16.B16, V16.B16
	SMMLA(16, 8, 12)
	SMMLA(16, 9, 13)
	SMMLA(16, 10, 14)
	SMMLA(16, 11, 15)
	VMOV R6, V20.H[0]
	VMOV R6, V20.H[1]
	VMOV R7, V20.H[2]
	VMOV R7, V20.H[3]
	VMOV R8, V21.H[0]
	VMOV R9, V21.H[1]
	VMOV R8, V21.H[2]
	VMOV R9, V21.H[3]
	FCVTL4S(20, 20)
	FCVTL4S(21, 21)
	SCVTF4S(16, 16)
	FMUL4S(16, 16, 20)
	FMUL4S(16, 16, 21)
	FADD4S(24, 24, 16)
	SUBS $1, R2
	BNE loop
done:
	MOVD out+40(FP), R10
	VST1 [V24.S4], (R10)
	RET
`, k.name, k.consts, k.unpack(0, 0, 1), k.unpack(3, 2, 3)))
	}
	return b.String()
}

// nib loads 16 bytes of nibbles from R(src) into V(lo) (low nibbles) and
// V(hi) (high), with the 0x0F mask in V26.
func nib(src, lo, hi int) string {
	return p(`	VLD1.P 16(R%[1]d), [V%[3]d.B16]
	VAND V26.B16, V%[3]d.B16, V%[2]d.B16
	VUSHR $4, V%[3]d.B16, V%[3]d.B16
`, src, lo, hi)
}
