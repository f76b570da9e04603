//go:build !purego

#include "textflag.h"

// AVX-512 (F, BW, VL, VNNI) row dot products: two 32-element blocks or one
// 64-element K-quant chunk per ZMM register, VPDPBUSD (unsigned x signed
// bytes summed into int32 lanes, no int16 saturation) for the integer
// sums. Same signatures and contracts as the AVX2 routines in dot_amd64.s.
//
// EXPERIMENTAL: written on a machine without AVX-512 and not yet run; the
// avx512 level is therefore only used when forced (GOLLM_KERNELS=avx512 or
// SetLevel) and TestLevels/level=avx512 verifies it on a capable CPU.

DATA z0f<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA z0f<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA z0f<>+16(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA z0f<>+24(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA z0f<>+32(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA z0f<>+40(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA z0f<>+48(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA z0f<>+56(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL z0f<>(SB), RODATA|NOPTR, $64

DATA z01<>+0(SB)/8, $0x0101010101010101
DATA z01<>+8(SB)/8, $0x0101010101010101
DATA z01<>+16(SB)/8, $0x0101010101010101
DATA z01<>+24(SB)/8, $0x0101010101010101
DATA z01<>+32(SB)/8, $0x0101010101010101
DATA z01<>+40(SB)/8, $0x0101010101010101
DATA z01<>+48(SB)/8, $0x0101010101010101
DATA z01<>+56(SB)/8, $0x0101010101010101
GLOBL z01<>(SB), RODATA|NOPTR, $64

#define X_PTR SI
#define Y_PTR DI
#define N CX

// ZHSUM sets X0 to the sum of the 16 lanes of Z0.
#define ZHSUM \
	VEXTRACTF64X4 $1, Z0, Y1 \
	VADDPS  Y1, Y0, Y0 \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS  X1, X0, X0 \
	VMOVHLPS X0, X0, X1 \
	VADDPS  X1, X0, X0 \
	VMOVSHDUP X0, X1 \
	VADDSS  X1, X0, X0

// ZSCALE2(xo, yo) sets Z6 = [dx0*dy0 x8 | dx1*dy1 x8] for the blocks at
// X_PTR, X_PTR+xo and Y_PTR, Y_PTR+yo (f16 scales at offset 0).
#define ZSCALE2(xo, yo) \
	VPBROADCASTW (X_PTR), X6 \
	VPBROADCASTW xo(X_PTR), X7 \
	VINSERTI128 $1, X7, Y6, Y6 \
	VCVTPH2PS Y6, Z6 \
	VPBROADCASTW (Y_PTR), X7 \
	VPBROADCASTW yo(Y_PTR), X8 \
	VINSERTI128 $1, X8, Y7, Y7 \
	VCVTPH2PS Y7, Z7 \
	VMULPS  Z7, Z6, Z6

// ZSCALE1 sets Z6 = [dx*dy x8 | 0 x8] for one block.
#define ZSCALE1 \
	VPBROADCASTW (X_PTR), X6 \
	VCVTPH2PS X6, Y6 \
	VPBROADCASTW (Y_PTR), X7 \
	VCVTPH2PS X7, Y7 \
	VMULPS  Y7, Y6, Y6

// ZDOTS8 accumulates Z6 * sum(Z1 * Z2) (signed bytes; Z1 the weights) into
// Z0: |x| times y with the sign of x (Z16 = 0).
#define ZDOTS8 \
	VPABSB  Z1, Z3 \
	VPMOVB2M Z1, K1 \
	VPSUBB  Z2, Z16, K1, Z2 \
	VPXORD  Z5, Z5, Z5 \
	VPDPBUSD Z2, Z3, Z5 \
	VCVTDQ2PS Z5, Z5 \
	VFMADD231PS Z6, Z5, Z0

// func dotQ8_0AVX512(x, y *byte, nb int) float32
TEXT ·dotQ8_0AVX512(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VPXORD Z0, Z0, Z0
	VPXORD Z16, Z16, Z16
q8z2:
	CMPQ N, $2
	JLT  q8z1
	ZSCALE2(34, 34)
	VMOVDQU 2(X_PTR), Y1
	VINSERTI64X4 $1, 36(X_PTR), Z1, Z1
	VMOVDQU 2(Y_PTR), Y2
	VINSERTI64X4 $1, 36(Y_PTR), Z2, Z2
	ZDOTS8
	ADDQ $68, X_PTR
	ADDQ $68, Y_PTR
	SUBQ $2, N
	JMP  q8z2
q8z1:
	TESTQ N, N
	JZ   q8done
	ZSCALE1
	VMOVDQU 2(X_PTR), Y1
	VMOVDQU 2(Y_PTR), Y2
	ZDOTS8
q8done:
	ZHSUM
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// ZNIB(off, R) sets YR's two lanes to the low and high nibbles of the 16
// bytes at off(X_PTR) (not yet masked), using X4 as scratch.
#define ZNIB(off, R, XR) \
	VMOVDQU off(X_PTR), XR \
	VPSRLW  $4, XR, X4 \
	VINSERTI128 $1, X4, R, R

// ZDOTU accumulates Z6 * (sum(Z1 * Z2) - 8*sum(Z2)) into Z0, Z1 unsigned
// nibbles (Z15 = 0x01 bytes).
#define ZDOTU \
	VPXORD  Z5, Z5, Z5 \
	VPDPBUSD Z2, Z1, Z5 \
	VPXORD  Z4, Z4, Z4 \
	VPDPBUSD Z2, Z15, Z4 \
	VPSLLD  $3, Z4, Z4 \
	VPSUBD  Z4, Z5, Z5 \
	VCVTDQ2PS Z5, Z5 \
	VFMADD231PS Z6, Z5, Z0

// func dotQ4_0AVX512(x, y *byte, nb int) float32
TEXT ·dotQ4_0AVX512(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VPXORD Z0, Z0, Z0
	VMOVDQU64 z0f<>(SB), Z14
	VMOVDQU64 z01<>(SB), Z15
q4z2:
	CMPQ N, $2
	JLT  q4z1
	ZSCALE2(18, 34)
	ZNIB(2, Y1, X1)
	ZNIB(20, Y3, X3)
	VINSERTI64X4 $1, Y3, Z1, Z1
	VPANDD  Z14, Z1, Z1
	VMOVDQU 2(Y_PTR), Y2
	VINSERTI64X4 $1, 36(Y_PTR), Z2, Z2
	ZDOTU
	ADDQ $36, X_PTR
	ADDQ $68, Y_PTR
	SUBQ $2, N
	JMP  q4z2
q4z1:
	TESTQ N, N
	JZ   q4done
	ZSCALE1
	ZNIB(2, Y1, X1)
	VPANDD  Z14, Z1, Z1
	VMOVDQU 2(Y_PTR), Y2
	ZDOTU
q4done:
	ZHSUM
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET

// Q4_K: see dotQ4_KAVX2 for the scale layout.

#define ZQ4K6BIT \
	MOVL    4(X_PTR), AX \
	MOVL    8(X_PTR), BX \
	MOVL    12(X_PTR), DX \
	MOVL    DX, R8 \
	SHRL    $4, R8 \
	ANDL    $0x0f0f0f0f, R8 \
	MOVL    BX, R9 \
	SHRL    $6, R9 \
	ANDL    $0x03030303, R9 \
	SHLL    $4, R9 \
	ORL     R9, R8 \
	MOVL    BX, R10 \
	ANDL    $0x3f3f3f3f, R10 \
	ANDL    $0x0f0f0f0f, DX \
	MOVL    AX, R9 \
	SHRL    $6, R9 \
	ANDL    $0x03030303, R9 \
	SHLL    $4, R9 \
	ORL     R9, DX \
	ANDL    $0x3f3f3f3f, AX \
	SHLQ    $32, DX \
	ORQ     DX, AX \
	SHLQ    $32, R8 \
	ORQ     R8, R10

// ZQ4KCHUNK(j): elements 64j..64j+63 (low nibbles then high nibbles of 32
// bytes) against 64 activation bytes; lanes 0-7 get scale 2j, lanes 8-15
// scale 2j+1 (int32 scales at sc-32(SP)); accumulates into Z9.
#define ZQ4KCHUNK(j) \
	VMOVDQU 16+32*j(X_PTR), Y1 \
	VPSRLW  $4, Y1, Y2 \
	VINSERTI64X4 $1, Y2, Z1, Z1 \
	VPANDD  Z14, Z1, Z1 \
	VPXORD  Z5, Z5, Z5 \
	VPDPBUSD 4+64*j(Y_PTR), Z1, Z5 \
	VPBROADCASTD sc-32+8*j(SP), Y3 \
	VPBROADCASTD sc-28+8*j(SP), Y4 \
	VINSERTI64X4 $1, Y4, Z3, Z3 \
	VPMULLD Z3, Z5, Z5 \
	VPADDD  Z5, Z9, Z9

// func dotQ4_KAVX512(x, y *byte, nb int) float32
TEXT ·dotQ4_KAVX512(SB), NOSPLIT, $32-28
	MOVQ x+0(FP), X_PTR
	MOVQ y+8(FP), Y_PTR
	MOVQ nb+16(FP), N
	VPXORD Z0, Z0, Z0
	VXORPS X8, X8, X8
	VMOVDQU64 z0f<>(SB), Z14
q4kz:
	// Z5 = d*yd (16 lanes), X7 = dmin*yd (4 lanes)
	MOVL    (X_PTR), AX
	VMOVD   AX, X6
	VCVTPH2PS X6, X6
	VBROADCASTSS (Y_PTR), X7
	VMULPS  X7, X6, X6
	VBROADCASTSS X6, Z10
	VMOVSHDUP X6, X7
	VBROADCASTSS X7, X7
	ZQ4K6BIT
	VMOVQ   AX, X1
	VPMOVZXBD X1, Y1
	VMOVDQU Y1, sc-32(SP)
	// mins against the pairwise bsums
	VMOVQ   R10, X2
	VPMOVZXBW X2, X2
	VMOVDQU 260(Y_PTR), X3
	VMOVDQU 276(Y_PTR), X4
	VPHADDW X4, X3, X3
	VPMADDWD X3, X2, X2
	VCVTDQ2PS X2, X2
	VFMADD231PS X7, X2, X8
	VPXORD  Z9, Z9, Z9
	ZQ4KCHUNK(0)
	ZQ4KCHUNK(1)
	ZQ4KCHUNK(2)
	ZQ4KCHUNK(3)
	VCVTDQ2PS Z9, Z9
	VFMADD231PS Z10, Z9, Z0
	ADDQ $144, X_PTR
	ADDQ $292, Y_PTR
	DECQ N
	JNZ  q4kz
	ZHSUM
	VMOVHLPS X8, X8, X1
	VADDPS  X1, X8, X8
	VMOVSHDUP X8, X1
	VADDSS  X1, X8, X8
	VSUBSS  X8, X0, X0
	VMOVSS X0, ret+24(FP)
	VZEROUPPER
	RET
