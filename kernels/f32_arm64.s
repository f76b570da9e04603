//go:build !purego

#include "textflag.h"

// Float kernels for every arm64 level: four FMLA accumulators over 16
// elements per iteration, then 4 at a time, then a scalar tail. The
// encodings below were checked with llvm-mc -triple=aarch64.

// fmla vd.4s, vn.4s, vm.4s
#define FMLA4S(d, n, m) WORD $(0x4e20cc00 | ((m)<<16) | ((n)<<5) | (d))
// fadd vd.4s, vn.4s, vm.4s
#define FADD4S(d, n, m) WORD $(0x4e20d400 | ((m)<<16) | ((n)<<5) | (d))
// faddp vd.4s, vn.4s, vm.4s
#define FADDP4S(d, n, m) WORD $(0x6e20d400 | ((m)<<16) | ((n)<<5) | (d))
// fcvtl vd.4s, vn.4h
#define FCVTL4S(d, n) WORD $(0x0e217800 | ((n)<<5) | (d))
// fcvtl2 vd.4s, vn.8h
#define FCVTL24S(d, n) WORD $(0x4e217800 | ((n)<<5) | (d))

#define ZERO4 \
	VEOR V16.B16, V16.B16, V16.B16; \
	VEOR V17.B16, V17.B16, V17.B16; \
	VEOR V18.B16, V18.B16, V18.B16; \
	VEOR V19.B16, V19.B16, V19.B16

// SUM4 leaves the sum of the lanes of V16..V19 in F16.
#define SUM4 \
	FADD4S(16, 16, 17); \
	FADD4S(18, 18, 19); \
	FADD4S(16, 16, 18); \
	FADDP4S(16, 16, 16); \
	FADDP4S(16, 16, 16)

// dotBody is the dot-product loop; LOAD16 loads 16 elements of a as float32
// into V2..V5, LOAD4 4 into V2, LOAD1 one into F0 (a at R0, b at R1, n in R2).
#define DOTBODY(LOAD16, LOAD4, LOAD1) \
	ZERO4; \
loop16: \
	CMP $16, R2; \
	BLT loop4; \
	LOAD16; \
	VLD1.P 64(R1), [V6.S4, V7.S4, V8.S4, V9.S4]; \
	FMLA4S(16, 2, 6); \
	FMLA4S(17, 3, 7); \
	FMLA4S(18, 4, 8); \
	FMLA4S(19, 5, 9); \
	SUB $16, R2; \
	B loop16; \
loop4: \
	CMP $4, R2; \
	BLT tail; \
	LOAD4; \
	VLD1.P 16(R1), [V6.S4]; \
	FMLA4S(16, 2, 6); \
	SUB $4, R2; \
	B loop4; \
tail: \
	SUM4; \
	CBZ R2, done; \
loop1: \
	LOAD1; \
	FMOVS.P 4(R1), F1; \
	FMADDS F1, F16, F0, F16; \
	SUBS $1, R2; \
	BNE loop1; \
done: \
	FMOVS F16, ret+24(FP); \
	RET

#define F32LOAD16 VLD1.P 64(R0), [V2.S4, V3.S4, V4.S4, V5.S4]
#define F32LOAD4 VLD1.P 16(R0), [V2.S4]
#define F32LOAD1 FMOVS.P 4(R0), F0

#define F16LOAD16 VLD1.P 32(R0), [V0.H8, V1.H8]; FCVTL4S(2, 0); FCVTL24S(3, 0); FCVTL4S(4, 1); FCVTL24S(5, 1)
#define F16LOAD4 VLD1.P 8(R0), [V0.H4]; FCVTL4S(2, 0)
#define F16LOAD1 MOVHU.P 2(R0), R4; FMOVS R4, F0; FCVTHS F0, F0

// BF16 to float32: interleave with zero halves (V29 = 0).
#define BF16LOAD16 VLD1.P 32(R0), [V0.H8, V1.H8]; VZIP1 V0.H8, V29.H8, V2.H8; VZIP2 V0.H8, V29.H8, V3.H8; VZIP1 V1.H8, V29.H8, V4.H8; VZIP2 V1.H8, V29.H8, V5.H8
#define BF16LOAD4 VLD1.P 8(R0), [V0.H4]; VZIP1 V0.H8, V29.H8, V2.H8
#define BF16LOAD1 MOVHU.P 2(R0), R4; LSLW $16, R4, R4; FMOVS R4, F0

// AXPYBODY: y[i] += alpha*x[i], x at R0 (loaded as float32 by the LOAD
// macros), y at R1, n in R2, alpha in F31 and every lane of V31.
#define AXPYBODY(LOAD16, LOAD4, LOAD1) \
loop16: \
	CMP $16, R2; \
	BLT loop4; \
	LOAD16; \
	VLD1 (R1), [V6.S4, V7.S4, V8.S4, V9.S4]; \
	FMLA4S(6, 2, 31); \
	FMLA4S(7, 3, 31); \
	FMLA4S(8, 4, 31); \
	FMLA4S(9, 5, 31); \
	VST1.P [V6.S4, V7.S4, V8.S4, V9.S4], 64(R1); \
	SUB $16, R2; \
	B loop16; \
loop4: \
	CMP $4, R2; \
	BLT tail; \
	LOAD4; \
	VLD1 (R1), [V6.S4]; \
	FMLA4S(6, 2, 31); \
	VST1.P [V6.S4], 16(R1); \
	SUB $4, R2; \
	B loop4; \
tail: \
	CBZ R2, done; \
loop1: \
	LOAD1; \
	FMOVS (R1), F1; \
	FMADDS F31, F1, F0, F1; \
	FMOVS.P F1, 4(R1); \
	SUBS $1, R2; \
	BNE loop1; \
done: \
	RET

// func dotF32NEON(a, b *float32, n int) float32
TEXT ·dotF32NEON(SB), NOSPLIT, $0-28
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD n+16(FP), R2
	DOTBODY(F32LOAD16, F32LOAD4, F32LOAD1)

// func dotF16NEON(a *uint16, b *float32, n int) float32
TEXT ·dotF16NEON(SB), NOSPLIT, $0-28
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD n+16(FP), R2
	DOTBODY(F16LOAD16, F16LOAD4, F16LOAD1)

// func dotBF16NEON(a *uint16, b *float32, n int) float32
TEXT ·dotBF16NEON(SB), NOSPLIT, $0-28
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD n+16(FP), R2
	VEOR V29.B16, V29.B16, V29.B16
	DOTBODY(BF16LOAD16, BF16LOAD4, BF16LOAD1)

// func axpyF32NEON(alpha float32, x, y *float32, n int)
TEXT ·axpyF32NEON(SB), NOSPLIT, $0-32
	FMOVS alpha+0(FP), F31
	VDUP V31.S[0], V31.S4
	MOVD x+8(FP), R0
	MOVD y+16(FP), R1
	MOVD n+24(FP), R2
	AXPYBODY(F32LOAD16, F32LOAD4, F32LOAD1)

// func axpyF16NEON(alpha float32, x *uint16, y *float32, n int)
TEXT ·axpyF16NEON(SB), NOSPLIT, $0-32
	FMOVS alpha+0(FP), F31
	VDUP V31.S[0], V31.S4
	MOVD x+8(FP), R0
	MOVD y+16(FP), R1
	MOVD n+24(FP), R2
	AXPYBODY(F16LOAD16, F16LOAD4, F16LOAD1)
