//go:build !purego

#include "textflag.h"

DATA expconst<>+0(SB)/4, $1.44269504088896341  // log2(e)
DATA expconst<>+4(SB)/4, $12582912.0           // magic: 1.5 * 2**23
DATA expconst<>+8(SB)/4, $0.693359375          // c1
DATA expconst<>+12(SB)/4, $-2.12194440e-4      // c2
DATA expconst<>+16(SB)/4, $1.9875691500e-4     // p0
DATA expconst<>+20(SB)/4, $1.3981999507e-3     // p1
DATA expconst<>+24(SB)/4, $8.3334519073e-3     // p2
DATA expconst<>+28(SB)/4, $4.1665795894e-2     // p3
DATA expconst<>+32(SB)/4, $1.6666665459e-1     // p4
DATA expconst<>+36(SB)/4, $5.0000001201e-1     // p5
DATA expconst<>+40(SB)/4, $1.0                 // one
DATA expconst<>+44(SB)/4, $-87.3               // low
DATA expconst<>+48(SB)/4, $88.3                // high
DATA expconst<>+52(SB)/4, $0x3f800000          // 127 << 23
GLOBL expconst<>(SB), RODATA|NOPTR, $56

#define X_    Y0
#define T_    Y1
#define K_    Y2
#define R_    Y3
#define P_    Y4
#define MASK_ Y5
#define SHIFT Y6
#define ACC0  Y7
#define ACC1  Y8
#define TMP   Y9

// func expShiftAVX2(dst, src *float32, n int, m float32) float64
// dst[i] = exp(src[i] - m) for n elements (a multiple of 8), as expOne;
// returns the sum in float64.
TEXT ·expShiftAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS m+24(FP), SHIFT
	VXORPD ACC0, ACC0, ACC0
	VXORPD ACC1, ACC1, ACC1
	LEAQ expconst<>(SB), AX

loop:
	VMOVUPS (SI), X_
	VSUBPS SHIFT, X_, X_                 // x = src - m
	VBROADCASTSS 44(AX), TMP
	VCMPPS $0x1e, TMP, X_, MASK_         // x > low (false for NaN)
	VBROADCASTSS 48(AX), TMP
	VMINPS TMP, X_, X_                   // clamp above (NaN becomes high; the mask zeroes it)
	VBROADCASTSS 4(AX), T_
	VBROADCASTSS 0(AX), TMP
	VFMADD231PS TMP, X_, T_              // t = x*log2e + magic
	VBROADCASTSS 4(AX), TMP
	VSUBPS TMP, T_, K_                   // k = t - magic
	VMOVAPS X_, R_
	VBROADCASTSS 8(AX), TMP
	VFNMADD231PS TMP, K_, R_             // r = x - k*c1
	VBROADCASTSS 12(AX), TMP
	VFNMADD231PS TMP, K_, R_             // r -= k*c2
	VBROADCASTSS 16(AX), P_              // Horner: p = ((((p0 r + p1) r + p2) r + p3) r + p4) r + p5
	VBROADCASTSS 20(AX), TMP
	VFMADD213PS TMP, R_, P_
	VBROADCASTSS 24(AX), TMP
	VFMADD213PS TMP, R_, P_
	VBROADCASTSS 28(AX), TMP
	VFMADD213PS TMP, R_, P_
	VBROADCASTSS 32(AX), TMP
	VFMADD213PS TMP, R_, P_
	VBROADCASTSS 36(AX), TMP
	VFMADD213PS TMP, R_, P_
	VMULPS R_, R_, TMP                   // r*r
	VFMADD213PS R_, TMP, P_              // p*r*r + r
	VBROADCASTSS 40(AX), TMP
	VADDPS TMP, P_, P_                   // + 1
	VPSLLD $23, T_, T_                   // 2**k from the low bits of t
	VPBROADCASTD 52(AX), TMP
	VPADDD TMP, T_, T_
	VMULPS T_, P_, P_
	VANDPS MASK_, P_, P_                 // 0 below low and for NaN
	VMOVUPS P_, (DI)
	VCVTPS2PD X4, TMP                    // low four lanes of P_ (Y4) to float64
	VADDPD TMP, ACC0, ACC0
	VEXTRACTF128 $1, P_, X4
	VCVTPS2PD X4, TMP
	VADDPD TMP, ACC1, ACC1
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  loop

	VADDPD ACC1, ACC0, ACC0
	VEXTRACTF128 $1, ACC0, X1
	VADDPD X1, X7, X7
	VUNPCKHPD X7, X7, X1
	VADDSD X1, X7, X7
	VMOVSD X7, ret+32(FP)
	VZEROUPPER
	RET
