//go:build !purego

#include "textflag.h"

// Prefill tile kernel: 8 unpacked weight rows times 4 activation columns.
//
// The tile holds nb blocks of 288 bytes: eight float32 row scales, then
// eight groups of 32 bytes, group k holding elements 4k..4k+3 of rows 0..7
// (4 bytes per row) as signed int8. One broadcast dword of a column's
// activation meets all eight rows at once; VPMADDUBSW (|w| unsigned times
// the activation signed by w) and VPMADDWD leave one int32 lane per row, so
// no horizontal sums are needed. |w| <= 128 and |a| <= 127 keep the int16
// pair sums exact.

#define W Y0
#define AW Y1
#define ONES Y11

// STEP(k, col, T, I): I += dot of group k of the 8 rows with column col.
#define STEP(k, col, T, I) \
	VPBROADCASTD (2+4*k)(col), T \
	VPSIGNB      W, T, T         \
	VPMADDUBSW   T, AW, T        \
	VPMADDWD     ONES, T, T      \
	VPADDD       T, I, I

#define GROUP(k) \
	VMOVDQU (32+32*k)(SI), W \
	VPABSB  W, AW            \
	STEP(k, DI, Y2, Y4)      \
	STEP(k, R9, Y3, Y5)      \
	STEP(k, R10, Y8, Y6)     \
	STEP(k, R11, Y9, Y7)

// func gemmQ8x4AVX2(tile *byte, nb int, y *byte, ystride int, out *[32]float32)
TEXT ·gemmQ8x4AVX2(SB), NOSPLIT, $0-40
	MOVQ tile+0(FP), SI
	MOVQ nb+8(FP), CX
	MOVQ y+16(FP), DI
	MOVQ ystride+24(FP), DX
	MOVQ out+32(FP), R8
	LEAQ (DI)(DX*1), R9
	LEAQ (DI)(DX*2), R10
	LEAQ (R9)(DX*2), R11
	MOVL $0x00010001, AX
	VMOVD AX, X11
	VPBROADCASTD X11, ONES
	VPXOR Y12, Y12, Y12
	VPXOR Y13, Y13, Y13
	VPXOR Y14, Y14, Y14
	VPXOR Y15, Y15, Y15

loop:
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	GROUP(0)
	GROUP(1)
	GROUP(2)
	GROUP(3)
	GROUP(4)
	GROUP(5)
	GROUP(6)
	GROUP(7)
	VMOVUPS (SI), Y10
	VPBROADCASTW (DI), X2
	VCVTPH2PS    X2, Y2
	VMULPS       Y10, Y2, Y2
	VCVTDQ2PS    Y4, Y4
	VFMADD231PS  Y2, Y4, Y12
	VPBROADCASTW (R9), X3
	VCVTPH2PS    X3, Y3
	VMULPS       Y10, Y3, Y3
	VCVTDQ2PS    Y5, Y5
	VFMADD231PS  Y3, Y5, Y13
	VPBROADCASTW (R10), X8
	VCVTPH2PS    X8, Y8
	VMULPS       Y10, Y8, Y8
	VCVTDQ2PS    Y6, Y6
	VFMADD231PS  Y8, Y6, Y14
	VPBROADCASTW (R11), X9
	VCVTPH2PS    X9, Y9
	VMULPS       Y10, Y9, Y9
	VCVTDQ2PS    Y7, Y7
	VFMADD231PS  Y9, Y7, Y15
	ADDQ $288, SI
	ADDQ $34, DI
	ADDQ $34, R9
	ADDQ $34, R10
	ADDQ $34, R11
	DECQ CX
	JNZ  loop

	VMOVUPS Y12, (R8)
	VMOVUPS Y13, 32(R8)
	VMOVUPS Y14, 64(R8)
	VMOVUPS Y15, 96(R8)
	VZEROUPPER
	RET
